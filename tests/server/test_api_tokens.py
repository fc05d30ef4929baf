"""RS256 API access tokens, the JWKS, key rotation, DPoP-bound refresh tokens: adversarial
cases (forged, expired, wrong audience, alg confusion, unknown kid, scope escalation,
refresh-token reuse, a copied token on another device), on a real server process and on
the token service itself."""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import RSAAlgorithm
from sqlalchemy import create_engine, text

from pyvorin.licensing import transport
from pyvorin_server import apitokens, atrest
from pyvorin_server.db import migrate
from pyvorin_server.service import ApiError
from tests.server import signed


def device() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def activated(server):
    _, key = server.issue(seats=3)
    machine = uuid.uuid4().hex
    data = signed.activate(server.url, key, machine).json()
    return f"{data['activation_id']}.{data['activation_secret']}", data["activation_id"]


def grant(server, bearer: str, dkey, **body):
    aid = bearer.split(".")[0]
    proof = transport.dpop_proof(dkey, "POST", f"{server.url}/v1/token")
    return (
        signed.call(
            server.url,
            "POST",
            "/v1/token",
            bearer,
            json={"grant_type": transport.ACTIVATION_GRANT, **body},
            headers={"DPoP": proof},
        )
        if aid
        else None
    )


def refresh_grant(server, refresh_token: str, dkey, **body):
    proof = transport.dpop_proof(dkey, "POST", f"{server.url}/v1/token")
    return httpx.post(
        f"{server.url}/v1/token",
        json={"grant_type": "refresh_token", "refresh_token": refresh_token, **body},
        headers={"DPoP": proof},
        timeout=30,
    )


def status_with(server, aid: str, access: str, dkey, scheme="DPoP", proof_key=None):
    headers = {"Authorization": f"{scheme} {access}"}
    if dkey is not None:
        headers["DPoP"] = transport.dpop_proof(
            proof_key or dkey, "GET", f"{server.url}/v1/status", access
        )
    return signed.send(
        server.url,
        "GET",
        "/v1/status",
        key=signed.REQUEST_KEYS[aid],
        credential=aid,
        headers=headers,
    )


def test_tokens_are_rs256_with_the_required_claims_and_verify_with_the_jwks(server):
    bearer, aid = activated(server)
    dkey = device()
    answer = grant(server, bearer, dkey)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["token_type"] == "DPoP" and body["expires_in"] <= 900
    access = body["access_token"]
    header = jwt.get_unverified_header(access)
    assert header["alg"] == "RS256" and header["typ"] == "at+jwt"
    jwks = httpx.get(f"{server.url}/.well-known/jwks.json").json()
    published = {k["kid"]: k for k in jwks["keys"]}
    assert header["kid"] in published
    assert all("d" not in k and k["kty"] == "RSA" for k in jwks["keys"])  # public only
    public = RSAAlgorithm.from_jwk(json.dumps(published[header["kid"]]))
    claims = jwt.decode(access, public, algorithms=["RS256"], audience=apitokens.AUD_CLIENT)
    assert claims["sub"] == aid and claims["iss"] == "pyvorin-server"
    assert set(claims["scope"].split()) == {"licence:status", "licence:deactivate"}
    assert claims["exp"] - claims["iat"] <= 900 and claims["jti"]
    assert claims["cnf"]["jkt"] == transport.jwk_thumbprint(transport.public_jwk(dkey))
    assert body["refresh_token"].startswith("pvr_")

    ok = status_with(server, aid, access, dkey)
    assert ok.status_code == 200, ok.text
    assert ok.json()["activations"][0]["activation_id"] == aid


def test_a_dpop_bound_access_token_is_useless_without_the_device_key(server):
    bearer, aid = activated(server)
    dkey = device()
    access = grant(server, bearer, dkey).json()["access_token"]
    no_proof = status_with(server, aid, access, None)
    assert no_proof.status_code == 401 and no_proof.json()["error"] == "invalid_dpop_proof"
    stolen = status_with(server, aid, access, dkey, proof_key=device())
    assert stolen.status_code == 401 and "another device" in stolen.json()["message"]
    as_bearer = status_with(server, aid, access, None, scheme="Bearer")
    assert as_bearer.status_code == 401
    # a proof for another URL, and a replayed proof
    headers = {
        "Authorization": f"DPoP {access}",
        "DPoP": transport.dpop_proof(dkey, "GET", f"{server.url}/v1/licences", access),
    }
    key, url = signed.REQUEST_KEYS[aid], server.url
    wrong_url = signed.send(url, "GET", "/v1/status", key=key, credential=aid, headers=headers)
    assert wrong_url.json()["error"] == "invalid_dpop_proof"
    headers["DPoP"] = transport.dpop_proof(dkey, "GET", f"{server.url}/v1/status", access)
    first = signed.send(url, "GET", "/v1/status", key=key, credential=aid, headers=headers)
    assert first.status_code == 200
    replayed = signed.send(url, "GET", "/v1/status", key=key, credential=aid, headers=headers)
    assert replayed.json()["error"] == "request_replayed"


def test_refresh_tokens_rotate_and_reuse_revokes_the_family(server):
    bearer, aid = activated(server)
    dkey = device()
    first = grant(server, bearer, dkey).json()
    rt1 = first["refresh_token"]
    second = refresh_grant(server, rt1, dkey)
    assert second.status_code == 200, second.text
    rt2 = second.json()["refresh_token"]
    assert rt2 != rt1
    assert status_with(server, aid, second.json()["access_token"], dkey).status_code == 200
    reuse = refresh_grant(server, rt1, dkey)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    assert "reuse" in reuse.json()["message"]
    # the whole family is revoked: the legitimate current token dies too
    after = refresh_grant(server, rt2, dkey)
    assert after.status_code == 400 and "revoked" in after.json()["message"]
    # the machine recovers with its activation credential: a new family
    assert grant(server, bearer, dkey).status_code == 200
    # stored as their SHA-256 only: the database holds neither token
    from pyvorin_server.config import normalise_db_url

    url = normalise_db_url(server.database_url or f"sqlite:///{server.home}/pyvorin-server.db")
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT * FROM refresh_tokens WHERE subject = :s"), {"s": aid}
            ).all()
    finally:
        engine.dispose()
    stored = json.dumps([[str(v) for v in row] for row in rows])
    assert len(rows) == 3 and rt1 not in stored and rt2 not in stored
    digests = {hashlib.sha256(t.encode()).hexdigest() for t in (rt1, rt2)}
    assert digests <= {row.token_hash for row in rows}


def test_a_copied_refresh_token_fails_on_another_device_without_burning_it(server):
    bearer, _ = activated(server)
    dkey = device()
    rt = grant(server, bearer, dkey).json()["refresh_token"]
    copied = refresh_grant(server, rt, device())
    assert copied.status_code == 400 and "another device" in copied.json()["message"]
    assert refresh_grant(server, rt, dkey).status_code == 200  # owner unaffected


def test_scope_escalation_is_refused(server):
    bearer, _ = activated(server)
    dkey = device()
    wide = grant(server, bearer, dkey, scope="licence:status licences:write")
    assert wide.status_code == 400 and wide.json()["error"] == "invalid_scope"
    narrow = grant(server, bearer, dkey, scope="licence:status").json()
    assert narrow["scope"] == "licence:status"
    widened = refresh_grant(
        server, narrow["refresh_token"], dkey, scope="licence:status licence:deactivate"
    )
    assert widened.status_code == 400 and widened.json()["error"] == "invalid_scope"
    # a client token is not an admin token (wrong audience)
    admin_call = httpx.get(
        f"{server.url}/v1/licences/lic_x",
        headers={"Authorization": f"Bearer {narrow['access_token']}"},
    )
    assert admin_call.status_code == 401 and "audience" in admin_call.json()["message"]


def test_operator_tokens_carry_scopes_per_route(server):
    read = server.cli("token", "issue", "--scope", "licences:read", "--ttl", "120").stdout.strip()
    body = {"licensee": "Scoped", "plan": "team", "seats": 1}
    auth = {"Authorization": f"Bearer {read}"}
    denied = httpx.post(f"{server.url}/v1/licences", json=body, headers=auth)
    assert denied.status_code == 403 and denied.json()["error"] == "forbidden"
    assert "licences:issue" in denied.json()["message"]
    lid, _ = server.issue()
    assert httpx.get(f"{server.url}/v1/licences/{lid}", headers=auth).status_code == 200
    revoke = httpx.post(f"{server.url}/v1/licences/{lid}/revoke", json={}, headers=auth)
    assert revoke.status_code == 403
    write = server.cli("token", "issue", "--scope", "licences:issue").stdout.strip()
    made = httpx.post(
        f"{server.url}/v1/licences", json=body, headers={"Authorization": f"Bearer {write}"}
    )
    assert made.status_code == 201


# -- the token service itself (forgery, alg confusion, expiry, rotation) ---------------------
@pytest.fixture
def service(tmp_path):
    url = f"sqlite:///{tmp_path}/t.db"
    migrate(url)
    engine = create_engine(url)
    atrest.install(atrest.Vault(engine, atrest.FileKek(tmp_path / "kek")).load())
    clock = [time.time()]
    yield apitokens.TokenService(engine, "pyvorin-server", clock=lambda: clock[0]), clock
    atrest.install(None)
    engine.dispose()


def refused(tokens, token: str, audience: str = apitokens.AUD_ADMIN, scope=None) -> str:
    with pytest.raises(ApiError) as info:
        tokens.verify(token, audience, scope)
    return info.value.message


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_forged_none_and_hs256_confusion_tokens_are_refused(service):
    tokens, _ = service
    good, _ = tokens.issue("operator", apitokens.AUD_ADMIN, {"licences:read"})
    assert tokens.verify(good, apitokens.AUD_ADMIN, {"licences:read"})["sub"] == "operator"
    header, payload, sig = good.split(".")
    claims = jwt.decode(good, options={"verify_signature": False})
    # payload changed, signature kept
    escalated = _b64({**claims, "scope": "licences:read licences:write"})
    assert "invalid" in refused(tokens, f"{header}.{escalated}.{sig}")
    # alg none, with and without a signature
    none_header = _b64(
        {"alg": "none", "typ": "at+jwt", "kid": jwt.get_unverified_header(good)["kid"]}
    )
    assert "not accepted" in refused(tokens, f"{none_header}.{payload}.")
    # HS256 keyed with the server's public key (the classic RS/HS confusion)
    kid = jwt.get_unverified_header(good)["kid"]
    public_pem = RSAAlgorithm.from_jwk(json.dumps(tokens.jwks()["keys"][0])).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    import hmac

    hs_header = _b64({"alg": "HS256", "typ": "at+jwt", "kid": kid})
    signing_input = f"{hs_header}.{payload}".encode()
    mac = base64.urlsafe_b64encode(hmac.new(public_pem, signing_input, hashlib.sha256).digest())
    confused = f"{hs_header}.{payload}.{mac.rstrip(b'=').decode()}"
    assert "not accepted" in refused(tokens, confused)
    # signed by an attacker's RSA key under the server's kid
    attacker = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, attacker, algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"})
    assert "invalid" in refused(tokens, forged)
    # kid pointing elsewhere: only the server's own keys are ever selected
    for bad_kid in ("../../etc/passwd", "https://evil.example/jwks.json", "rk_unknown"):
        other = jwt.encode(
            claims, attacker, algorithm="RS256", headers={"kid": bad_kid, "typ": "at+jwt"}
        )
        assert "unknown signing key" in refused(tokens, other)
    no_kid = jwt.encode(claims, attacker, algorithm="RS256", headers={"typ": "at+jwt"})
    assert "no key id" in refused(tokens, no_kid)
    assert "well-formed" in refused(tokens, "not.a.jwt")


def test_expired_wrong_audience_long_lived_and_scope_checks(service):
    tokens, clock = service
    token, ttl = tokens.issue("operator", apitokens.AUD_ADMIN, {"licences:read"})
    assert ttl == 900
    assert "audience" in refused(tokens, token, apitokens.AUD_CLIENT)
    with pytest.raises(ApiError) as info:
        tokens.verify(token, apitokens.AUD_ADMIN, {"licences:write"})
    assert info.value.status == 403 and info.value.code == "insufficient_scope"
    clock[0] += 901 + 30
    assert "expired" in refused(tokens, token)
    # a token that claims to live longer than 15 minutes is refused even if signed
    tokens_key = tokens._signer[1]
    now = int(clock[0])
    long_lived = jwt.encode(
        {
            "iss": "pyvorin-server",
            "sub": "x",
            "aud": apitokens.AUD_ADMIN,
            "scope": "licences:read",
            "jti": "j" * 10,
            "iat": now,
            "exp": now + 3600,
        },
        tokens_key,
        algorithm="RS256",
        headers={"kid": tokens.current_kid(), "typ": "at+jwt"},
    )
    assert "15 minutes" in refused(tokens, long_lived)
    # missing aud is refused
    no_aud = jwt.encode(
        {
            "iss": "pyvorin-server",
            "sub": "x",
            "scope": "s",
            "jti": "j" * 10,
            "iat": now,
            "exp": now + 60,
        },
        tokens_key,
        algorithm="RS256",
        headers={"kid": tokens.current_kid(), "typ": "at+jwt"},
    )
    assert "aud" in refused(tokens, no_aud)
    # a DPoP proof or other JWT type is not an access token
    assert "typ" in refused(
        tokens,
        jwt.encode(
            {"sub": "x"}, tokens_key, algorithm="RS256", headers={"kid": tokens.current_kid()}
        ),
    )


def test_rotation_keeps_old_tokens_valid_during_the_overlap_only(service):
    tokens, clock = service
    old_token, _ = tokens.issue("operator", apitokens.AUD_ADMIN, {"licences:read"})
    old_kid = tokens.current_kid()
    new_kid, retiring = tokens.rotate(overlap=960)
    assert retiring == [old_kid] and new_kid != old_kid
    assert {k["kid"] for k in tokens.jwks()["keys"]} == {old_kid, new_kid}
    new_token, _ = tokens.issue("operator", apitokens.AUD_ADMIN, {"licences:read"})
    assert jwt.get_unverified_header(new_token)["kid"] == new_kid
    assert tokens.verify(old_token, apitokens.AUD_ADMIN)["sub"] == "operator"
    clock[0] += 961
    tokens._load(force=True)
    assert [k["kid"] for k in tokens.jwks()["keys"]] == [new_kid]
    assert "unknown signing key" in refused(tokens, old_token)
    # the private keys are stored sealed
    from sqlalchemy import text

    with tokens.engine.connect() as connection:
        stored = (
            connection.execute(text("SELECT private_key FROM jwt_signing_keys")).scalars().all()
        )
    assert stored and all(v.startswith("pve1.") and "PRIVATE KEY" not in v for v in stored)
