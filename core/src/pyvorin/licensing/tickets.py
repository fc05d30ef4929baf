"""Build tickets, the offline quota and the audit anchor: the client side (issue 13).

* :func:`request_tickets`: online, the gate asks the licence server for one signed
  ticket per module (``PVT1``: licence, activation, module, source SHA-256, the
  licence's ticket number, time); the signer puts it in the module's manifest
  (``licence.ticket``).
* :func:`draw_offline`: offline, each module uses one slot of the lease's offline quota
  (``qid``/``qn``/``qexp``, signed by the server); the manifest carries the lease and the
  slot, and the build is queued for :func:`flush_offline`, which reports it with the
  lease when the server answers again. An exhausted quota refuses the build.
* :func:`check_ticket`: what ``pyvorin signature verify`` (and the signer's own
  verify-before-distribution) checks: the ticket's signature by a trusted issuer, and
  that it names this manifest's licence, module and source.
* :func:`audit_head` / :func:`audit_last_time`: the audit log's head sent with every
  refresh and at the end of every online pipeline run (the server checkpoints it), and
  its last record's time (a clock witness); :func:`verify_checkpoint` checks the
  checkpoint the server signs.

Ticket and checkpoint payloads are defined in :mod:`.tokens`; the server side is
``pyvorin_server.tickets``.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LicenceError, SignatureError
from .state import LicenceState, save_state
from .tokens import (
    CHECKPOINT_PREFIX,
    LEASE_PREFIX,
    TICKET_PREFIX,
    LicenceKeyError,
    TamperedTokenError,
    Token,
    WrongIssuerError,
    iso,
    parse_unverified,
    verify_token,
)

if TYPE_CHECKING:
    from ..audit import VerifyReport
    from .client import LicenceClient

ONLINE, OFFLINE = "online", "offline"
UNVERIFIED = "build ticket NOT verified"
MODULE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*")
BATCH = 1000  # modules per ticket request (the server's limit)


def source_digest(path: Path | str) -> str:
    """SHA-256 of a module's source, as the manifest records it (``source.sha256``)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


# -- online: tickets from the server ------------------------------------------------------
def request_tickets(
    client: LicenceClient, modules: Sequence[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """One server-signed ticket per (module name, source sha256); {name: ticket}."""
    from .client import ServerRefusal, ServerUnreachable

    if not modules:
        return {}
    state = client._state()
    server = client._server_for(state)
    issued: list[Any] = []
    for start in range(0, len(modules), BATCH):
        batch = modules[start : start + BATCH]
        try:
            body = client._machine_request(
                "POST",
                server,
                "/v1/tickets",
                state,
                json={"modules": [{"module": m, "source_sha256": s} for m, s in batch]},
            )
        except ServerUnreachable as exc:
            raise LicenceError(
                f"could not obtain build tickets from {server}: {exc}; retry the build"
            ) from exc
        except ServerRefusal as exc:
            raise client._refused(state, server, exc, client.now()) from exc
        answer = body.get("tickets")
        if not isinstance(answer, list) or len(answer) != len(batch):
            raise LicenceError(f"{server}: the build ticket answer is malformed")
        issued += answer
    trusted = client._trusted()
    tickets = {}
    for (module, source), text in zip(modules, issued, strict=True):
        try:
            token = verify_token(str(text), TICKET_PREFIX, trusted)
        except LicenceKeyError as exc:
            raise LicenceError(f"{server}: a build ticket does not verify: {exc}") from exc
        if (token["mod"], token["src"], token["aid"]) != (module, source, state.activation_id):
            raise LicenceError(f"{server}: the build ticket for {module} names another build")
        tickets[module] = {"kind": ONLINE, "token": token.text}
    return tickets


# -- offline: the quota carried by the lease ------------------------------------------------
def draw_offline(
    client: LicenceClient, modules: Sequence[tuple[str, str]]
) -> dict[str, dict[str, Any]]:
    """Use one offline quota slot per module (refused when the quota cannot cover them
    all: nothing is drawn then); queue the builds for reporting; {name: ticket}."""
    from .client import quota_exhausted

    state = client._state()
    lease = client._verify_lease(state.lease, state.activation_id, "offline build")
    now = int(client.now())
    if state.quota_id != lease["qid"]:
        state.quota_id, state.quota_used = lease["qid"], 0
    if state.quota_used + len(modules) > lease["qn"]:
        left = lease["qn"] - state.quota_used
        raise LicenceError(
            f"{quota_exhausted(lease, state.server)} ({len(modules)} module(s) to build, "
            f"{left} offline build(s) left)"
        )
    if now >= lease["qexp"]:
        raise LicenceError(quota_exhausted(lease, state.server))
    tickets = {}
    for module, source in modules:
        build = {"slot": state.quota_used, "module": module, "source_sha256": source, "time": now}
        state.quota_used += 1
        state.pending_offline.append({**build, "lease": lease.text})
        tickets[module] = {"kind": OFFLINE, "lease": lease.text, **build}
    save_state(state, client.home)
    return tickets


def flush_offline(client: LicenceClient, state: LicenceState, server: str) -> dict[str, Any]:
    """Report queued offline builds, grouped by the lease they drew on. Stops at the
    first network fault (they stay queued); a refused report is dropped and named in
    the answer (``refused``)."""
    from .client import ServerRefusal, ServerUnreachable

    answer: dict[str, Any] = {"reported": 0, "refused": []}
    while state.pending_offline:
        lease = state.pending_offline[0]["lease"]
        batch = [b for b in state.pending_offline if b["lease"] == lease]
        builds = [{k: b[k] for k in ("slot", "module", "source_sha256", "time")} for b in batch]
        try:
            client._machine_request(
                "POST",
                server,
                "/v1/tickets/offline",
                state,
                json={"lease": lease, "builds": builds},
            )
        except ServerUnreachable:
            break
        except ServerRefusal as exc:
            answer["refused"].append(exc.message)
        else:
            answer["reported"] += len(batch)
        state.pending_offline = [b for b in state.pending_offline if b["lease"] != lease]
    return answer


# -- downstream: checking the ticket a manifest carries --------------------------------------
def check_ticket(manifest: Mapping[str, Any], trusted: Mapping[str, Any]) -> tuple[str | None, str]:
    """``(problem, note)`` for the build ticket in ``manifest["licence"]["ticket"]``.

    ``problem`` is None when the ticket verifies, when there is none (``note`` is
    empty) or when its issuer is not trusted here (``note`` starts with
    :data:`UNVERIFIED`); otherwise it says what is wrong: altered (a trusted issuer's
    signature does not hold), malformed, or issued for another module, source or
    licence."""
    licence = manifest.get("licence")
    ticket = licence.get("ticket") if isinstance(licence, dict) else None
    if ticket is None:
        return None, ""
    if not isinstance(ticket, dict) or ticket.get("kind") not in (ONLINE, OFFLINE):
        return "licence.ticket is not a build ticket (online or offline)", ""
    source = manifest.get("source") or {}
    expected = (manifest.get("licence_id"), manifest.get("module"), source.get("sha256"))
    try:
        if ticket["kind"] == ONLINE:
            token = verify_token(str(ticket.get("token", "")), TICKET_PREFIX, trusted)
            found = (token["lid"], token["mod"], token["src"])
            note = (
                f"build ticket #{token['n']} of licence {token['lid']}, issued "
                f"{iso(token['iat'])} by {token['kid']}"
            )
        else:
            token = verify_token(str(ticket.get("lease", "")), LEASE_PREFIX, trusted)
            problem = _offline_problem(ticket, token)
            if problem:
                return problem, ""
            found = (token["lid"], ticket.get("module"), ticket.get("source_sha256"))
            note = (
                f"offline build {ticket['slot'] + 1} of {token['qn']} on quota {token['qid']} "
                f"of licence {token['lid']} (lease issued {iso(token['iat'])} by {token['kid']})"
            )
    except TamperedTokenError as exc:
        return f"the build ticket is forged or altered: {exc}", ""
    except WrongIssuerError:
        # not a failure by itself: whoever verifies may simply not know that licence
        # server; the note says so, and --require-ticket refuses it
        return None, UNVERIFIED + f" (issuer {_kid_of(ticket)} is not trusted here)"
    except LicenceKeyError as exc:
        return f"the build ticket is malformed: {exc}", ""
    if found != expected:
        names = ("licence", "module", "source sha256")
        wrong = [
            f"{n} {f!r} (artifact: {e!r})"
            for n, f, e in zip(names, found, expected, strict=True)
            if f != e
        ]
        return f"the build ticket was issued for another build: {'; '.join(wrong)}", ""
    return None, note


def _kid_of(ticket: Mapping[str, Any]) -> str:
    text = str(ticket.get("token") or ticket.get("lease") or "")
    try:
        prefix = TICKET_PREFIX if ticket.get("kind") == ONLINE else LEASE_PREFIX
        return str(parse_unverified(text, prefix)[0]["kid"])
    except LicenceKeyError:
        return "?"


def _offline_problem(ticket: Mapping[str, Any], lease: Token) -> str | None:
    if "qid" not in lease.payload:
        return "the offline build ticket's lease carries no offline quota"
    slot, moment = ticket.get("slot"), ticket.get("time")
    if not isinstance(slot, int) or isinstance(slot, bool) or not 0 <= slot < lease["qn"]:
        return f"the offline build ticket's slot {slot!r} is outside the quota of {lease['qn']}"
    if not isinstance(moment, int) or not lease["iat"] <= moment < lease["qexp"]:
        return (
            f"the offline build ticket's time {moment!r} is outside its quota "
            f"({iso(lease['iat'])} .. {iso(lease['qexp'])})"
        )
    return None


# -- the audit anchor ----------------------------------------------------------------------
def _audit_log(home: Path):
    from ..audit import AuditLog

    return AuditLog(Path(home) / "audit")


def audit_head(home: Path, state: LicenceState | None = None) -> dict[str, Any]:
    """The refresh fields of the local audit log: its id, head seq and hash, and the
    log the state last had checkpointed when that is another one (the server marks the
    new log as replacing it). {} when there is no log yet or it cannot be read."""
    try:
        log = _audit_log(home)
        log_id = log.log_id()
        if log_id is None:
            return {}
        seq, head_hash = log.head()
    except Exception:  # an unreadable log is reported by `pyvorin audit verify`
        return {}
    fields: dict[str, Any] = {"audit_log": log_id, "audit_seq": seq, "audit_hash": head_hash}
    previous = _checkpoint_log(state.checkpoint) if state is not None else None
    if previous and previous != log_id:
        fields["audit_previous"] = previous
    return fields


def _checkpoint_log(text: str) -> str | None:
    """The log id a stored checkpoint names (unverified: only a hint to the server)."""
    from .tokens import CHECKPOINT_PREFIX, parse_unverified

    if not text:
        return None
    try:
        return str(parse_unverified(text, CHECKPOINT_PREFIX)[0]["log"])
    except LicenceKeyError:
        return None


def verify_checkpoint(
    text: str, trusted: Mapping[str, Any], activation_id: str, origin: str
) -> Token:
    """The audit checkpoint ``text`` (``PVC1``) from ``origin``, verified: signed by a
    trusted issuer, for this activation. Raises SignatureError (exit 5) otherwise."""
    try:
        token = verify_token(text, CHECKPOINT_PREFIX, trusted)
    except LicenceKeyError as exc:
        raise SignatureError(f"the audit checkpoint from {origin} does not verify: {exc}") from exc
    if token["aid"] != activation_id:
        raise SignatureError(
            f"the audit checkpoint from {origin} is for activation {token['aid']}, not "
            f"{activation_id}"
        )
    return token


def audit_last_time(home: Path) -> tuple[int, float] | None:
    """(seq, unix time) of the last audit record, or None."""
    try:
        return _audit_log(home).last_time()
    except Exception:
        return None


def anchor_problem(
    client: LicenceClient | None = None, online: bool = True
) -> tuple[VerifyReport | None, str]:
    """Compare the local audit log with the checkpoints the licence server signed for
    this installation: ``(problem, note)``; ``problem`` is a failed report naming the
    seq where it can (None: it holds).

    The checkpoint kept in the licence state at the last refresh names the log it is
    for: if this log is another one (deleted and started again, or replaced) that is the
    problem. The server is then asked for its latest checkpoint of this log (the kept
    one is used when it cannot be reached or ``online`` is False): a log that ends
    before it, or differs at its seq, was deleted or rolled back; a log the server
    recorded as replacing another is refused for as long as it lives."""
    from ..audit import VerifyReport
    from .client import LicenceClient, ServerRefusal, ServerUnreachable
    from .state import load_state

    client = client or LicenceClient()
    state = load_state(client.home)
    if state is None or state.serverless:
        return None, "no activation with a licence server on this installation"
    trusted = client._trusted()
    where = f"the licence server {state.server}"

    def verified(text: str, origin: str) -> Token:
        return verify_checkpoint(text, trusted, state.activation_id, origin)

    log = _audit_log(client.home)
    log_id = log.log_id()
    kept = (
        verified(state.checkpoint, f"{where} (kept at the last refresh)")
        if state.checkpoint
        else None
    )
    records = len(log.records())
    if kept is not None and kept["log"] != log_id:
        return VerifyReport(
            False,
            records,
            kept["seq"],
            f"the audit log {kept['log']} that {where} checkpointed at seq {kept['seq']} "
            f"({iso(kept['iat'])}) is gone: this installation's log is "
            f"{log_id or 'missing'}; it was deleted or replaced",
        ), ""
    token, origin = kept, f"{where} (its checkpoint kept at the last refresh)"
    if online and log_id is not None:
        try:
            body = client._machine_request(
                "GET",
                client._server_for(state),
                f"/v1/audit/checkpoint?log={log_id}",
                state,
            )
            if body.get("checkpoint"):
                token, origin = verified(str(body["checkpoint"]), where), where
        except (ServerUnreachable, ServerRefusal, LicenceError) as exc:
            origin += f"; the server could not be asked: {exc}"
    if token is None:
        return None, f"not anchored: {where} has recorded no checkpoint of this log yet"
    if "rlog" in token.payload:
        return VerifyReport(
            False,
            records,
            token["rseq"],
            f"this audit log replaced log {token['rlog']}, which {where} had checkpointed at "
            f"seq {token['rseq']}: that log was deleted or replaced",
        ), ""
    report = log.check_anchor(token["seq"], token["hash"], origin)
    if report is not None:
        return report, ""
    return None, f"holds the head {origin} recorded at seq {token['seq']} ({iso(token['iat'])})"
