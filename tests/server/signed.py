"""Signed requests for tests that talk to the server's HTTP API directly (what the
pyvorin client does): the request-signing headers from pyvorin.licensing.transport."""

from __future__ import annotations

import json as json_mod
from typing import Any

import httpx

from pyvorin.licensing import transport
from pyvorin.licensing.tokens import KEY_PREFIX, parse_unverified

REQUEST_KEYS: dict[str, bytes] = {}  # activation id -> its request key (from activation)


def licence_id_of(key: str) -> str:
    try:
        return str(parse_unverified(key, KEY_PREFIX)[0]["lid"])
    except Exception:
        return "unknown"


def send(
    base: str,
    method: str,
    path: str,
    *,
    key: bytes | None,
    credential: str,
    json: Any = None,
    headers: dict[str, str] | None = None,
    now: float | None = None,
    nonce: str | None = None,
    client: httpx.Client | None = None,
    **kw: Any,
) -> httpx.Response:
    body = b"" if json is None else json_mod.dumps(json).encode()
    all_headers = {"Content-Type": "application/json"} if json is not None else {}
    if key is not None:
        all_headers.update(
            transport.signed_headers(key, credential, method, path, body, now=now, nonce=nonce)
        )
    all_headers.update(headers or {})
    http = client or httpx
    return http.request(method, base + path, content=body, headers=all_headers, timeout=30, **kw)


def activate(base: str, key: str, fingerprint: str, hostname: str = "test-host", **kw):
    response = send(
        base,
        "POST",
        "/v1/activate",
        key=transport.activation_key(key),
        credential=licence_id_of(key),
        json={"key": key, "fingerprint": fingerprint, "hostname": hostname},
        **kw,
    )
    if response.status_code == 201:
        data = response.json()
        REQUEST_KEYS[data["activation_id"]] = transport.b64url_decode(data["request_key"])
    return response


def call(base: str, method: str, path: str, bearer: str, **kw) -> httpx.Response:
    aid = bearer.split(".", 1)[0]
    headers = {"Authorization": f"Bearer {bearer}", **kw.pop("headers", {})}
    return send(
        base, method, path, key=REQUEST_KEYS.get(aid), credential=aid, headers=headers, **kw
    )
