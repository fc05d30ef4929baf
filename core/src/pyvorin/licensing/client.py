"""The licence client: activation, refresh, deactivation, usage reports, the gate check.

Talks to the licence server over HTTP with httpx: explicit timeouts, a bounded number of
retries with back-off for network faults and 502/503/504 (never for refusals), and JSON
error bodies ``{"error": code, "message": text}`` turned into :class:`LicenceError`
messages that say how to recover.

Every lease the server returns is verified before it is stored: signed by a trusted
issuer key (:mod:`.trust`), bound to this machine's fingerprint, for this activation.
The gate's verdict carries the licence mode: ``production`` when the lease's issuer is a
production issuer, ``development`` otherwise.

A development licence made by ``pyvorin licence dev`` (:mod:`.dev`) has no server: its
state names none, the gate checks it offline until its lease expires, and only a lease
signed by a development issuer is accepted that way.
"""

from __future__ import annotations

import os
import socket
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from ..errors import LicenceError, UsageError
from ..home import pyvorin_home
from . import offline
from . import state as state_mod
from . import transport as tr
from .offline import CLOCK_TOLERANCE
from .state import (
    LicenceState,
    load_state,
    machine_fingerprint,
    remove_state,
    save_state,
)
from .tokens import KEY_PREFIX, LEASE_PREFIX, LicenceKeyError, Token, iso, verify_token
from .trust import DEVELOPMENT, Issuer, keys_of, trusted_issuers

DEFAULT_GRACE_HOURS = 72
RETRY_STATUSES = frozenset({502, 503, 504})
# server refusals after which the lease is dropped: only the server can issue a new one
REVOKING = frozenset(
    {"licence_revoked", "licence_expired", "activation_deactivated", "invalid_activation"}
)
ACTIVATE_HINT = "run `pyvorin licence activate KEY --server URL`"
DEV_HINT = "run `pyvorin licence dev`"
NO_LICENCE_HINT = (
    f"{ACTIVATE_HINT}; for development, `pyvorin licence dev` licenses this machine in "
    "one command (its builds are marked development and `--release` refuses them)"
)


def quota_exhausted(lease: Token, server: str) -> str:
    return (
        f"offline quota exhausted: the lease allows {lease['qn']} build(s) while the "
        f"licence server cannot be reached (quota {lease['qid']}, until "
        f"{iso(lease['qexp'])}) and all are used; reconnect to {server} and run "
        "`pyvorin licence refresh` (the builds made offline are reported then)"
    )


class ServerUnreachable(Exception):
    """The server could not be reached (network fault, timeout, 502/503/504)."""


class ServerRefusal(Exception):
    """The server answered with a 4xx refusal."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class GateResult:
    allowed: bool
    mode: str  # online | offline | local (a development licence without a server)
    licence_id: str
    plan: str
    lease_expires: int
    offline_deadline: int
    message: str = ""
    usage: dict[str, Any] = field(default_factory=dict)
    licence_mode: str = DEVELOPMENT  # production | development: the lease issuer's mode
    issuer: str = ""  # the lease's issuer key id
    issuer_origin: str = ""  # where that key is trusted from
    quota: dict[str, Any] = field(default_factory=dict)  # the lease's offline quota


def _verdict(
    mode: str, lease: Token, issuers: Mapping[str, Issuer], deadline: int, message: str
) -> GateResult:
    """The gate's ``allowed`` verdict for ``lease``, with its issuer's licence mode."""
    issuer = issuers[lease["kid"]]
    quota = (
        {"id": lease["qid"], "size": lease["qn"], "expires": lease["qexp"]}
        if "qid" in lease.payload
        else {}
    )
    return GateResult(
        True,
        mode,
        lease["lid"],
        lease["plan"],
        lease["exp"],
        deadline,
        message,
        licence_mode=issuer.mode,
        issuer=lease["kid"],
        issuer_origin=issuer.origin,
        quota=quota,
    )


def _check_url(url: str) -> str:
    url = url.strip().rstrip("/")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"licence server URL {url!r}: expected http:// or https://")
    return url


class LicenceClient:
    """One installation's view of its licence. ``now``, ``fingerprint`` and ``transport``
    can be replaced (tests: a moved clock, another machine, a network fault)."""

    def __init__(
        self,
        home: Path | None = None,
        *,
        server: str | None = None,
        grace_hours: int | None = None,
        now: Callable[[], float] = time.time,
        fingerprint: str | None = None,
        transport: httpx.BaseTransport | None = None,
        timeout: float = 10.0,
        retries: int = 2,
        env: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if env is None else env
        self.home = home or pyvorin_home()
        self.server_override = server or env.get("PYVORIN_LICENCE_SERVER") or None
        if grace_hours is None:
            raw = env.get("PYVORIN_LICENCE_GRACE_HOURS", "")
            try:
                grace_hours = int(raw) if raw else DEFAULT_GRACE_HOURS
            except ValueError as exc:
                raise UsageError(
                    f"PYVORIN_LICENCE_GRACE_HOURS: expected an integer, found {raw!r}"
                ) from exc
        if grace_hours < 0:
            raise UsageError(f"licence grace period: expected >= 0 hours, found {grace_hours}")
        self.grace_seconds = grace_hours * 3600
        self.now = now
        self.fingerprint = fingerprint or machine_fingerprint()
        self.transport = transport
        self.timeout = httpx.Timeout(timeout, connect=min(timeout, 3.0))
        self.retries = retries
        self.env = env

    # -- HTTP ---------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        server: str,
        path: str,
        *,
        bearer: str | None = None,
        json: Any = None,
        signing: tuple[bytes, str] | None = None,
        access_token: str | None = None,
        dpop: Any = None,
    ) -> dict[str, Any]:
        """One call with retries (an activation's calls: :meth:`_machine_request`).
        ``signing`` = (HMAC key, credential): the request is signed afresh (new nonce) on
        each attempt. ``access_token``: a DPoP-bound access token, sent with a fresh DPoP
        proof of this machine's device key."""
        import json as json_mod

        headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
        body = b"" if json is None else json_mod.dumps(json).encode()
        if json is not None:
            headers["Content-Type"] = "application/json"
        last: Exception | None = None
        with httpx.Client(
            timeout=self.timeout, transport=self.transport, **tr.tls_options(self.env)
        ) as http:
            for attempt in range(self.retries + 1):
                if attempt:
                    time.sleep(min(0.2 * 3 ** (attempt - 1), 2.0))
                if signing is not None:
                    raw_path = httpx.URL(server + path).raw_path.decode("latin-1")
                    headers.update(
                        tr.signed_headers(signing[0], signing[1], method, raw_path, body)
                    )
                if dpop is not None:
                    headers["DPoP"] = tr.dpop_proof(dpop, method, server + path)
                if access_token is not None:
                    headers["Authorization"] = f"DPoP {access_token}"
                    headers["DPoP"] = tr.dpop_proof(
                        self._transport_state().device_key(), method, server + path, access_token
                    )
                try:
                    response = http.request(method, server + path, headers=headers, content=body)
                except httpx.InvalidURL as exc:
                    raise UsageError(f"licence server URL {server!r}: {exc}") from exc
                except httpx.TransportError as exc:
                    last = exc
                    continue
                if response.status_code in RETRY_STATUSES:
                    last = RuntimeError(f"HTTP {response.status_code}")
                    continue
                try:
                    body = response.json()
                except ValueError:
                    body = {}
                if response.status_code >= 500:
                    raise ServerUnreachable(
                        f"{server} answered HTTP {response.status_code} for {path}"
                    )
                if response.status_code >= 400:
                    if not isinstance(body, dict):
                        body = {}
                    code = str(body.get("error") or f"http_{response.status_code}")
                    message = str(body.get("message") or body.get("detail") or response.text)
                    if response.status_code == 429:
                        after = response.headers.get("Retry-After", "?")
                        message = f"{message} (retry after {after} s)"
                    raise ServerRefusal(response.status_code, code, message)
                if not isinstance(body, dict):
                    raise ServerUnreachable(f"{server}{path}: the answer is not a JSON object")
                return body
        raise ServerUnreachable(
            f"cannot reach the licence server {server} ({type(last).__name__}: {last}) "
            f"after {self.retries + 1} attempt(s)"
        )

    def _machine_request(
        self,
        method: str,
        server: str,
        path: str,
        state: LicenceState,
        *,
        json: Any = None,
        device_bound: bool = False,
        dpop: Any = None,
    ) -> dict[str, Any]:
        """A call of this activation to its licence server. Every machine call after
        activation goes through here, so none can leave without its credential or its
        signature, or with a credential and a signing key of different activations.

        The server authenticates a machine call by its credential, then requires the
        HMAC request signature by this activation's request key over the method, path
        and body as sent (docs/api.md, "Signed requests"). The credential is ``state``'s
        activation credential (``Authorization: Bearer``) or, with ``device_bound``, a
        DPoP-bound access token of this machine (``licence status``, ``deactivate``);
        ``dpop``: a device key whose proof goes with the call (the activation grant of
        ``POST /v1/token``). A machine holding no request key for this activation (it
        was activated before request signing) sends the call unsigned and the server
        refuses it with ``signature_required``: activate again.

        Two calls have no activation to sign with and call :meth:`_request` themselves:
        :meth:`activate` (signed with a key derived from the licence key) and
        :meth:`_token_call` (the refresh grant: the refresh token and its DPoP proof)."""
        signing = self._signing(state)
        if device_bound:
            return self._request(
                method,
                server,
                path,
                json=json,
                signing=signing,
                access_token=self._access_token(state, server),
            )
        return self._request(
            method, server, path, bearer=state.bearer, json=json, signing=signing, dpop=dpop
        )

    # -- verification -------------------------------------------------------------------
    def issuers(self) -> dict[str, Issuer]:
        """The trusted issuers (production and development), see :mod:`.trust`."""
        return trusted_issuers(self.home, self.env)

    def _trusted(self, issuers: Mapping[str, Issuer] | None = None):
        return keys_of(self.issuers() if issuers is None else issuers)

    def verify_key(self, key: str) -> Token:
        """Check a licence key offline: format, trusted issuer, signature, expiry."""
        return verify_token(key, KEY_PREFIX, self._trusted(), now=self.now())

    def _verify_lease(
        self,
        lease: str,
        activation_id: str | None,
        where: str,
        issuers: Mapping[str, Issuer] | None = None,
        recovery: str = "",
    ) -> Token:
        recovery = recovery or (
            f"run `pyvorin licence refresh` to fetch a fresh lease, or {ACTIVATE_HINT}"
        )
        try:
            token = verify_token(lease, LEASE_PREFIX, self._trusted(issuers))
        except LicenceError as exc:
            raise type(exc)(f"{where}: {exc}; {recovery}") from exc
        if token["fp"] != self.fingerprint:
            raise LicenceError(
                f"{where}: the lease is bound to another machine (fingerprint "
                f"{token['fp'][:8]}..., this machine {self.fingerprint[:8]}...); a lease "
                f"cannot be copied between machines: {ACTIVATE_HINT} on this machine"
            )
        if activation_id is not None and token["aid"] != activation_id:
            raise LicenceError(
                f"{where}: the lease is for activation {token['aid']}, not {activation_id}; "
                f"{ACTIVATE_HINT}"
            )
        return token

    def _accept_lease(
        self,
        state: LicenceState,
        body: dict[str, Any],
        now: float,
        issuers: Mapping[str, Issuer] | None = None,
    ) -> Token:
        lease = body.get("lease")
        if not isinstance(lease, str):
            raise ServerUnreachable("the server's answer has no lease")
        where = f"lease from {state.server}"
        token = self._verify_lease(lease, state.activation_id, where, issuers)
        if now + CLOCK_TOLERANCE < token["iat"]:
            raise LicenceError(
                f"this machine's clock ({iso(now)}) is {int(token['iat'] - now)} s behind the "
                f"licence server's ({iso(token['iat'])}); set the clock right (e.g. enable "
                "NTP) and run `pyvorin licence refresh`"
            )
        bound = token.payload.get("srv")
        if bound is not None and _check_url(bound) != state.server:
            raise LicenceError(
                f"{where}: the server signed a lease bound to {bound}, not to {state.server}; "
                f"activate with `--server {bound}`"
            )
        if token.payload.get("qid") != (state.quota_id or None):
            state.quota_id, state.quota_used = str(token.payload.get("qid", "")), 0
        checkpoint = body.get("checkpoint")
        if isinstance(checkpoint, str):
            state.checkpoint = checkpoint
        state.lease = token.text
        state.refused = None
        state.last_online = now
        # the server has just confirmed the time: a stale future "last seen" (a clock that
        # ran ahead earlier) is forgotten, so `pyvorin licence refresh` recovers from it
        state.last_seen = max(now, float(token["iat"]))
        return token

    def _state(self) -> LicenceState:
        state = load_state(self.home)
        if state is None:
            raise LicenceError(f"no licence is activated on this machine; {NO_LICENCE_HINT}")
        return state

    @staticmethod
    def _no_server(state: LicenceState, what: str) -> LicenceError:
        return LicenceError(
            f"{what}: the licence on this machine is a development licence made by "
            f"`pyvorin licence dev` (activation {state.activation_id}), with no licence "
            f"server; {DEV_HINT} to renew it, or {ACTIVATE_HINT} for a licence from a server"
        )

    def _server_for(self, state: LicenceState) -> str:
        """The server this activation is bound to: the URL its lease signs (``srv``).

        A URL given by ``--server``, ``PYVORIN_LICENCE_SERVER`` or ``[licence] server``
        that is not that one is refused, and so is a state file naming another server
        than its lease: the activation's secret is never sent elsewhere, and pointing
        the client at a dead port does not turn a refusal into offline grace."""
        bound = state.server
        if state.lease:
            try:
                lease = verify_token(state.lease, LEASE_PREFIX, self._trusted())
            except LicenceKeyError:
                lease = None  # checked (and reported) by the gate; a refresh replaces it
            if lease is not None and "srv" in lease.payload:
                bound = _check_url(lease["srv"])
                if _check_url(state.server) != bound:
                    raise LicenceError(
                        f"{state_mod.state_path(self.home)}: the state names the licence "
                        f"server {state.server} but its lease is bound to {bound} (signed "
                        f"by the server): the file was edited; reconnect to {bound} and "
                        f"run `pyvorin licence refresh`, or {ACTIVATE_HINT}"
                    )
        if self.server_override and _check_url(self.server_override) != _check_url(bound):
            raise LicenceError(
                f"licence server {self.server_override} (from --server, "
                f"PYVORIN_LICENCE_SERVER or [licence] server) is not the server this "
                f"activation is bound to ({bound}, signed in its lease); the activation "
                f"works only with that server: unset the override, or run `pyvorin licence "
                f"activate KEY --server {self.server_override}` to move to that server"
            )
        return _check_url(bound)

    def _refused(self, state: LicenceState, server: str, exc: ServerRefusal, now: float):
        """Record a server refusal: the lease is dropped, so clearing the refusal flag
        in the file leaves nothing to compile with; only the server can issue a new
        lease. Returns the LicenceError to raise."""
        state.refused = f"{exc.code}: {exc.message}"
        if exc.code in REVOKING:
            state.lease = ""
        state.last_seen = max(state.last_seen, now)
        save_state(state, self.home)
        return LicenceError(self._refusal_message(server, exc))

    def _refresh_body(self, state: LicenceState) -> dict[str, Any]:
        from .tickets import audit_head

        return {"fingerprint": self.fingerprint, **audit_head(self.home, state)}

    # -- operations ---------------------------------------------------------------------
    def activate(self, key: str, server: str | None = None) -> tuple[Token, Path]:
        """Verify ``key`` offline, activate it on the server, store the verified lease."""
        licence = self.verify_key(key)
        url = _check_url(server or self.server_override or "")
        now = self.now()
        try:
            body = self._request(
                "POST",
                url,
                "/v1/activate",
                json={
                    "key": licence.text,
                    "fingerprint": self.fingerprint,
                    "hostname": socket.gethostname()[:64] or "unknown",
                },
                signing=(tr.activation_key(licence.text), str(licence["lid"])),
            )
        except ServerUnreachable as exc:
            raise LicenceError(f"activation failed: {exc}; check the URL and retry") from exc
        except ServerRefusal as exc:
            raise LicenceError(f"activation refused by {url}: {exc.message}") from exc
        aid, secret = body.get("activation_id"), body.get("activation_secret")
        if not isinstance(aid, str) or not isinstance(secret, str):
            raise LicenceError(f"{url}: the activation answer lacks the activation id")
        state = LicenceState(
            server=url,
            activation_id=aid,
            activation_secret=secret,
            lease="",
            licence_key=licence.text,
            last_seen=now,
        )
        lease = self._accept_lease(state, body, now)
        if lease["lid"] != licence["lid"]:
            raise LicenceError(f"{url}: the lease is for licence {lease['lid']}, not the key's")
        request_key = body.get("request_key")
        transport_state = tr.TransportState(
            activation_id=aid,
            request_key=request_key if isinstance(request_key, str) else "",
            device_key_pem=self._transport_state().device_key_pem,
        )
        transport_state.device_key()  # created once per machine, kept on re-activation
        tr.save_transport(transport_state, self.home)
        return lease, save_state(state, self.home)

    def refresh(self) -> Token:
        """Ask the server to confirm the activation; store the new lease."""
        state = self._state()
        if state.serverless:
            raise self._no_server(state, "nothing to refresh")
        now = self.now()
        server = self._server_for(state)
        try:
            body = self._machine_request(
                "POST",
                server,
                "/v1/refresh",
                state,
                json=self._refresh_body(state),
            )
        except ServerUnreachable as exc:
            raise LicenceError(f"refresh failed: {exc}") from exc
        except ServerRefusal as exc:
            raise self._refused(state, server, exc, now) from exc
        token = self._accept_lease(state, body, now)
        self._deliver(state, server)
        return token

    def anchor_audit(self) -> Token | None:
        """Send the audit log's head to the bound server now (``POST
        /v1/audit/checkpoint``) and keep the checkpoint it signs, as a refresh does.

        A pipeline run calls this after its last event: a refresh happens at a run's
        start, so without it the run's own records would be anchored only by the next
        refresh. None when there is no log yet. A server that cannot be reached or
        refuses raises LicenceError and changes nothing in the state (the next refresh
        sends the head again and decides on the licence)."""
        from .tickets import audit_head, verify_checkpoint

        state = self._state()
        if state.serverless:
            raise self._no_server(state, "nothing to anchor the audit log at")
        head = audit_head(self.home, state)
        if not head:
            return None
        server = self._server_for(state)
        try:
            body = self._machine_request(
                "POST",
                server,
                "/v1/audit/checkpoint",
                state,
                json=head,
            )
        except ServerUnreachable as exc:
            raise LicenceError(str(exc)) from exc
        except ServerRefusal as exc:
            raise LicenceError(self._refusal_message(server, exc)) from exc
        where = f"the licence server {server}"
        token = verify_checkpoint(
            str(body.get("checkpoint") or ""), self._trusted(), state.activation_id, where
        )
        state.checkpoint = token.text
        save_state(state, self.home)
        return token

    def _deliver(self, state: LicenceState, server: str) -> None:
        """Deliver queued usage and offline build reports; save the state."""
        from .tickets import flush_offline

        try:
            self._flush_usage(state, server)
            flush_offline(self, state, server)
        finally:
            save_state(state, self.home)

    def _refusal_message(self, server: str, exc: ServerRefusal) -> str:
        recovery = {
            "licence_revoked": "the licence was revoked; contact your licence administrator "
            f"for a new key, then {ACTIVATE_HINT}",
            "licence_expired": f"renew the licence, then {ACTIVATE_HINT} with the new key",
            "activation_deactivated": f"this machine was deactivated; {ACTIVATE_HINT} again",
            "invalid_activation": f"the server does not know this activation; {ACTIVATE_HINT}",
            "fingerprint_mismatch": f"{ACTIVATE_HINT} on this machine",
            "plan_limit_reached": "upgrade the plan or wait for the next billing month",
            "signature_required": f"this activation predates request signing; {ACTIVATE_HINT}",
            "signature_expired": "set this machine's clock right (e.g. enable NTP) and retry",
        }.get(exc.code, f"check the licence with your administrator, then {ACTIVATE_HINT}")
        return f"licence refused by {server}: {exc.message}; {recovery}"

    def deactivate(self) -> dict[str, Any]:
        """Release this machine's seat on the server and remove the local state."""
        state = self._state()
        if state.serverless:  # a development licence: no seat to release
            remove_state(self.home)
            return {"local": state.activation_id}
        server = self._server_for(state)
        try:
            body = self._machine_request(
                "POST",
                server,
                "/v1/deactivate",
                state,
                device_bound=True,
            )
        except ServerUnreachable as exc:
            raise LicenceError(
                f"deactivation failed, the seat is still in use: {exc}; retry when the "
                "server is reachable"
            ) from exc
        except ServerRefusal as exc:
            if exc.code not in ("activation_deactivated", "invalid_activation"):
                raise LicenceError(self._refusal_message(server, exc)) from exc
            body = {"already": exc.code}
        remove_state(self.home)
        return body

    def server_status(self) -> dict[str, Any]:
        state = self._state()
        if state.serverless:
            raise self._no_server(state, "status")
        server = self._server_for(state)
        try:
            return self._machine_request(
                "GET",
                server,
                "/v1/status",
                state,
                device_bound=True,
            )
        except ServerUnreachable as exc:
            raise LicenceError(f"status: {exc}") from exc
        except ServerRefusal as exc:
            raise LicenceError(self._refusal_message(server, exc)) from exc

    # -- the gate -----------------------------------------------------------------------
    def check(self, online: bool = True) -> GateResult:
        """Decide whether this machine may compile now; raise LicenceError if not.

        Online (the bound server answers): the server decides, every time - a revoked or
        deactivated licence is refused on the next check, and the refusal drops the
        lease. Offline (the bound server cannot be reached): see :mod:`.offline` - a
        state pyvorin wrote, no refusal, a believable clock, until ``min(lease expiry,
        last server contact + grace, quota expiry)`` while the lease's offline quota has
        builds left. A server URL other than the bound one is refused. A development
        licence without a server (``pyvorin licence dev``) is checked offline until its
        lease expires. The result names the licence mode (the lease issuer's).
        """
        state = self._state()
        where = str(state_mod.state_path(self.home))
        now = self.now()
        issuers = self.issuers()
        recovery = f"{DEV_HINT} to make a new one" if state.serverless else ""
        lease = None
        if state.lease or state.serverless or not state.refused:
            lease = self._verify_lease(state.lease, state.activation_id, where, issuers, recovery)
        renew = "`pyvorin licence dev`" if state.serverless else "`pyvorin licence refresh`"
        clock_problem = offline.clock_problem(self.home, state, lease, now, renew)
        # Online, the server's clock decides (_accept_lease refuses a clock behind it);
        # offline, a clock behind what this client has already seen is refused.
        if state.serverless:
            assert lease is not None
            return self._check_local(state, where, lease, issuers, now, clock_problem)
        server = self._server_for(state)
        if online:
            try:
                body = self._machine_request(
                    "POST",
                    server,
                    "/v1/refresh",
                    state,
                    json=self._refresh_body(state),
                )
            except ServerUnreachable as exc:
                unreachable = str(exc)
            except ServerRefusal as exc:
                raise self._refused(state, server, exc, now) from exc
            else:
                from .tickets import flush_offline

                lease = self._accept_lease(state, body, now, issuers)
                try:
                    flush_offline(self, state, server)  # builds made offline, reported now
                finally:
                    save_state(state, self.home)
                return _verdict(
                    "online",
                    lease,
                    issuers,
                    min(lease["exp"], int(now + self.grace_seconds)),
                    f"licence {lease['lid']} confirmed by {server}",
                )
        else:
            unreachable = "offline check requested"
        offline.check(self, state, lease, now, clock_problem, unreachable)
        assert lease is not None
        used = state.quota_used if state.quota_id == lease["qid"] else 0
        deadline = offline.deadline(self, state, lease)
        return _verdict(
            "offline",
            lease,
            issuers,
            deadline,
            f"licence server unreachable ({unreachable}); offline grace until {iso(deadline)}, "
            f"{lease['qn'] - used} of {lease['qn']} offline build(s) left",
        )

    def _check_local(
        self,
        state: LicenceState,
        where: str,
        lease: Token,
        issuers: Mapping[str, Issuer],
        now: float,
        clock_problem: str | None,
    ) -> GateResult:
        """The gate for a development licence without a server (``pyvorin licence dev``)."""
        if issuers[lease["kid"]].mode != DEVELOPMENT:
            # a production lease is confirmed by its server: it cannot be used without one
            raise LicenceError(
                f"{where}: the lease of licence {lease['lid']} is signed by the production "
                f"issuer {lease['kid']} but the state names no licence server; a production "
                f"licence is confirmed online: {ACTIVATE_HINT}"
            )
        if clock_problem:
            raise LicenceError(clock_problem)
        if now >= lease["exp"]:
            raise LicenceError(
                f"the development licence {lease['lid']} expired at {iso(lease['exp'])}; "
                f"{DEV_HINT} to renew it"
            )
        state.last_seen = max(state.last_seen, now)
        save_state(state, self.home)
        return _verdict(
            "local",
            lease,
            issuers,
            int(lease["exp"]),
            f"development licence {lease['lid']} (no licence server), valid until "
            f"{iso(lease['exp'])}",
        )

    # -- usage --------------------------------------------------------------------------
    def report_usage(self, kind: str = "compile", count: int = 1) -> dict[str, Any]:
        """Queue a usage event and deliver every queued event the server has not seen.

        Each event carries a random idempotency key: delivering it twice counts once.
        Raises LicenceError when the server says the plan's limit is reached.
        """
        state = self._state()
        state.pending_usage.append(
            {"idempotency_key": uuid.uuid4().hex, "kind": kind, "count": int(count)}
        )
        save_state(state, self.home)
        return self._flush_usage(state, self._server_for(state), save=True)

    def report_usage_offline(self, kind: str = "compile", count: int = 1) -> dict[str, Any]:
        """Queue a usage event for delivery on the next successful server contact."""
        state = self._state()
        state.pending_usage.append(
            {"idempotency_key": uuid.uuid4().hex, "kind": kind, "count": int(count)}
        )
        save_state(state, self.home)
        return {"pending": len(state.pending_usage), "offline": True}

    def _flush_usage(self, state: LicenceState, server: str, save: bool = False) -> dict[str, Any]:
        last: dict[str, Any] = {"pending": len(state.pending_usage)}
        try:
            while state.pending_usage:
                event = state.pending_usage[0]
                try:
                    last = self._machine_request(
                        "POST",
                        server,
                        "/v1/usage",
                        state,
                        json=event,
                    )
                except ServerUnreachable:
                    last = {"pending": len(state.pending_usage), "offline": True}
                    break
                except ServerRefusal as exc:
                    state.pending_usage.pop(0)
                    if exc.code == "plan_limit_reached":
                        raise LicenceError(self._refusal_message(server, exc)) from exc
                    continue
                state.pending_usage.pop(0)
        finally:
            if save:
                save_state(state, self.home)
        return last

    # -- request signing and device-bound tokens (see transport.py) --------------------------
    def _transport_state(self) -> tr.TransportState:
        return tr.load_transport(self.home)

    def _signing(self, state: LicenceState) -> tuple[bytes, str] | None:
        """The HMAC key and credential of this activation's signed calls."""
        transport_state = self._transport_state()
        if transport_state.activation_id != state.activation_id or not transport_state.request_key:
            return None  # the server refuses with signature_required: activate again
        return tr.b64url_decode(transport_state.request_key), state.activation_id

    def _access_token(self, state: LicenceState, server: str) -> str:
        """A DPoP-bound access token for this machine: the cached one, else a rotated
        refresh token, else a new token family from the activation credential."""
        ts = self._transport_state()
        now = time.time()
        if ts.activation_id != state.activation_id:
            raise ServerRefusal(
                401, "signature_required", "no request key for this activation; activate again"
            )
        if ts.access_token and ts.access_expires > now + 30:
            return ts.access_token
        if not ts.device_key_pem:
            ts.device_key()
            tr.save_transport(ts, self.home)
        key = ts.device_key()
        url = server + "/v1/token"
        answer = None
        if ts.refresh_token:
            try:
                answer = self._token_call(
                    url, key, {"grant_type": "refresh_token", "refresh_token": ts.refresh_token}
                )
            except ServerRefusal as exc:
                if exc.code not in ("invalid_grant", "invalid_dpop_proof"):
                    raise
        if answer is None:
            answer = self._machine_request(
                "POST",
                server,
                "/v1/token",
                state,
                json={"grant_type": tr.ACTIVATION_GRANT},
                dpop=key,
            )
        ts = self._transport_state()
        ts.access_token = str(answer["access_token"])
        ts.refresh_token = str(answer["refresh_token"])
        ts.access_expires = now + int(answer.get("expires_in", 0))
        tr.save_transport(ts, self.home)
        return ts.access_token

    def _token_call(self, url: str, key: Any, body: dict[str, Any]) -> dict[str, Any]:
        server, _, path = url.rpartition("/v1/")
        return self._request("POST", server, "/v1/" + path, json=body, dpop=key)

    def report_refusal(self, kind: str, detail: str) -> bool:
        """Tell the licence server about a refusal met on this machine (``kind``:
        signature, verification or licence), for its alerts. Best effort: returns False
        when the server cannot be reached or refuses; never raises for that."""
        state = load_state(self.home)
        if state is None or state.serverless:
            return False
        try:
            self._machine_request(
                "POST",
                self._server_for(state),
                "/v1/reports",
                state,
                json={"kind": kind, "detail": detail[:2000]},
            )
        except (ServerUnreachable, ServerRefusal, UsageError):
            return False
        return True
