"""`pyvorin-server run --tls-cert/--tls-key` serves TLS 1.3 only; `--tls-client-ca` adds
mutual TLS; certificates come from `pyvorin-server ca`. Real certificates, real server
process, loopback."""

from __future__ import annotations

import ssl
import stat
import subprocess
import sys

import httpx
import pytest

from pyvorin.licensing.client import LicenceClient
from pyvorin.licensing.trust import trust_issuer
from pyvorin_server.tlsca import CertificateAuthority
from tests.licensing.support import LicenceServer


def ca_cli(tmp_path, *args):
    return subprocess.run(
        [sys.executable, "-m", "pyvorin_server", "ca", *args, "--dir", str(tmp_path / "ca")],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PYVORIN_SERVER_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pki")
    assert ca_cli(tmp, "init").returncode == 0
    server = ca_cli(tmp, "issue", "licence-server", "--ip", "127.0.0.1", "--dns", "localhost")
    assert server.returncode == 0, server.stderr
    client = ca_cli(tmp, "issue", "build-agent", "--client")
    assert client.returncode == 0, client.stderr
    again = ca_cli(tmp, "init")
    assert again.returncode == 1 and "a CA already exists" in again.stderr
    no_names = ca_cli(tmp, "issue", "nameless")
    assert no_names.returncode == 1 and "needs at least one --dns or --ip" in no_names.stderr
    rogue = CertificateAuthority(tmp / "rogue")
    rogue.init("Rogue CA")
    rogue.issue("intruder", tmp / "rogue", client=True)
    ca = tmp / "ca"
    for key in ("ca.key", "licence-server.key", "build-agent.key"):
        assert stat.S_IMODE((ca / key).stat().st_mode) == 0o600, key
    return tmp


def context(pki, cert: str | None = None, where: str = "ca", max_version=None) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki / "ca" / "ca.crt"))
    if cert:
        ctx.load_cert_chain(str(pki / where / f"{cert}.crt"), str(pki / where / f"{cert}.key"))
    if max_version is not None:
        ctx.maximum_version = max_version
    return ctx


def tls_args(pki, mtls: bool = False) -> tuple[str, ...]:
    ca = pki / "ca"
    args = (
        "--tls-cert",
        str(ca / "licence-server.crt"),
        "--tls-key",
        str(ca / "licence-server.key"),
    )
    return args + (("--tls-client-ca", str(ca / "ca.crt")) if mtls else ())


def test_tls13_only_and_the_client_over_https(pki, tmp_path):
    with LicenceServer(tmp_path, run_args=tls_args(pki), verify=context(pki)) as server:
        assert server.url.startswith("https://127.0.0.1:")
        with httpx.Client(verify=context(pki)) as http:
            response = http.get(f"{server.url}/healthz")
            assert response.status_code == 200
            assert (
                response.extensions["network_stream"].get_extra_info("ssl_object").version()
                == "TLSv1.3"
            )
        with pytest.raises(httpx.ConnectError):  # a TLS 1.2 client cannot connect
            httpx.get(
                f"{server.url}/healthz", verify=context(pki, max_version=ssl.TLSVersion.TLSv1_2)
            )
        with pytest.raises(httpx.ConnectError):  # nor one that does not trust the CA
            httpx.get(f"{server.url}/healthz")
        # the pyvorin client, trusting the private CA
        _, key = server.issue(seats=1)
        home = tmp_path / "client-home"
        home.mkdir(mode=0o700)
        trust_issuer(server.issuer_pub, home)
        env = {"PYVORIN_LICENCE_CA_BUNDLE": str(pki / "ca" / "ca.crt")}
        client = LicenceClient(home, env=env)
        lease, _ = client.activate(key, server.url)
        assert lease["aid"] == client._transport_state().activation_id
        assert client.check().mode == "online"
        assert client.server_status()["activation_active"] is True


def test_mutual_tls_requires_a_client_certificate_from_the_ca(pki, tmp_path):
    args = tls_args(pki, mtls=True)
    with LicenceServer(tmp_path, run_args=args, verify=context(pki, "build-agent")) as server:
        ok = httpx.get(f"{server.url}/healthz", verify=context(pki, "build-agent"))
        assert ok.status_code == 200
        for bad in (context(pki), context(pki, "intruder", where="rogue")):
            with pytest.raises((httpx.ConnectError, httpx.ReadError, httpx.RemoteProtocolError)):
                httpx.get(f"{server.url}/healthz", verify=bad)
        _, key = server.issue(seats=1)
        home = tmp_path / "client-home"
        home.mkdir(mode=0o700)
        trust_issuer(server.issuer_pub, home)
        env = {
            "PYVORIN_LICENCE_CA_BUNDLE": str(pki / "ca" / "ca.crt"),
            "PYVORIN_LICENCE_CLIENT_CERT": str(pki / "ca" / "build-agent.crt"),
            "PYVORIN_LICENCE_CLIENT_KEY": str(pki / "ca" / "build-agent.key"),
        }
        LicenceClient(home, env=env).activate(key, server.url)


def test_tls_options_are_checked(tmp_path, pki):
    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "pyvorin_server", "run", "--port", "0", *args],
            capture_output=True,
            text=True,
            timeout=60,
            env={"PYVORIN_SERVER_HOME": str(tmp_path / "h"), "PATH": "/usr/bin:/bin"},
        )

    half = run("--tls-cert", str(pki / "ca" / "licence-server.crt"))
    assert half.returncode == 2 and "--tls-cert and --tls-key go together" in half.stderr
    missing = run("--tls-cert", str(tmp_path / "nope.crt"), "--tls-key", str(tmp_path / "nope.key"))
    assert (
        missing.returncode == 1
        and "nope.crt" in missing.stderr
        and "Traceback" not in missing.stderr
    )
