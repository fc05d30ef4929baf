"""TLS for ``pyvorin-server run`` and the small certificate authority of ``pyvorin-server ca``.

* :func:`server_context` - TLS 1.3 only (``minimum_version = TLSv1_3``); with a client CA,
  mutual TLS: a client must present a certificate issued by that CA for a TLS client use.
* :class:`CertificateAuthority` - an EC P-256 CA in a directory (``ca.key`` 0600,
  ``ca.crt``) that issues server certificates (DNS names / IP addresses as SANs, server
  auth) and client certificates (client auth) for service-to-service mTLS.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import secrets
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from pyvorin.home import atomic_write, write_private


class CaError(Exception):
    """A problem with the CA directory or a certificate request, for the operator."""


def server_context(cert: Path, key: Path, client_ca: Path | None = None) -> ssl.SSLContext:
    """A server context that speaks TLS 1.3 only; mTLS when ``client_ca`` is given."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.maximum_version = ssl.TLSVersion.TLSv1_3
    try:
        context.load_cert_chain(str(cert), str(key))
    except (OSError, ssl.SSLError) as exc:
        raise CaError(f"--tls-cert {cert} / --tls-key {key}: cannot load ({exc})") from exc
    if client_ca is not None:
        try:
            context.load_verify_locations(cafile=str(client_ca))
        except (OSError, ssl.SSLError) as exc:
            raise CaError(f"--tls-client-ca {client_ca}: cannot load ({exc})") from exc
        context.verify_mode = ssl.CERT_REQUIRED
    return context


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pyvorin licence server CA"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@dataclass
class Issued:
    cert: Path
    key: Path
    serial: int
    not_after: dt.datetime


class CertificateAuthority:
    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    @property
    def key_path(self) -> Path:
        return self.directory / "ca.key"

    @property
    def cert_path(self) -> Path:
        return self.directory / "ca.crt"

    def init(self, name: str = "Pyvorin licence server CA", days: int = 3650) -> x509.Certificate:
        if self.key_path.exists():
            raise CaError(f"{self.key_path}: a CA already exists here; remove it to start over")
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False
            )
            .sign(key, hashes.SHA256())
        )
        write_private(self.key_path, _pem_key(key))
        atomic_write(self.cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
        return cert

    def _load(self) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
        try:
            key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
            cert = x509.load_pem_x509_certificate(self.cert_path.read_bytes())
        except FileNotFoundError:
            raise CaError(
                f"{self.directory}: no CA here; run `pyvorin-server ca init` first"
            ) from None
        except ValueError as exc:
            raise CaError(f"{self.directory}: the CA files are damaged ({exc})") from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey):
            raise CaError(f"{self.key_path}: not an EC private key")
        return key, cert

    def issue(
        self,
        name: str,
        out_dir: Path,
        *,
        client: bool = False,
        dns: tuple[str, ...] = (),
        ips: tuple[str, ...] = (),
        days: int = 365,
    ) -> Issued:
        """Issue a server (default) or client certificate for ``name``; writes
        ``<name>.crt`` and ``<name>.key`` (0600) to ``out_dir``."""
        if not name or not all(c.isalnum() or c in "-_." for c in name):
            raise CaError(f"certificate name {name!r}: use letters, digits, '-', '_' and '.'")
        ca_key, ca_cert = self._load()
        sans: list[x509.GeneralName] = [x509.DNSName(d) for d in dns]
        for ip in ips:
            try:
                sans.append(x509.IPAddress(ipaddress.ip_address(ip)))
            except ValueError:
                raise CaError(f"--ip {ip!r}: not an IP address") from None
        if not client and not sans:
            raise CaError("a server certificate needs at least one --dns or --ip name")
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.timezone.utc)
        not_after = min(now + dt.timedelta(days=days), ca_cert.not_valid_after_utc)
        usage = ExtendedKeyUsageOID.CLIENT_AUTH if client else ExtendedKeyUsageOID.SERVER_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_cert.subject)
            .public_key(key.public_key())
            .serial_number(int.from_bytes(secrets.token_bytes(16), "big") >> 1)
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(not_after)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
        )
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = builder.sign(ca_key, hashes.SHA256())
        out_dir = Path(out_dir)
        out_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        key_path, cert_path = out_dir / f"{name}.key", out_dir / f"{name}.crt"
        write_private(key_path, _pem_key(key))
        atomic_write(cert_path, cert.public_bytes(serialization.Encoding.PEM), mode=0o644)
        return Issued(cert_path, key_path, cert.serial_number, not_after)
