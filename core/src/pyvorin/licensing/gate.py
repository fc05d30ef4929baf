"""The built-in licence gate: the ``pyvorin_licence_gate`` hook implementation.

Before any module is compiled the gate

1. verifies the cached lease offline (trusted issuer signature, this machine, not
   tampered, clock not set back);
2. asks the licence server to confirm it (a refresh): a revoked, expired or deactivated
   licence is refused at once; an unreachable server falls back to the offline grace
   period (``[tool.pyvorin.licence] grace-hours``, ``PYVORIN_LICENCE_GRACE_HOURS``);
3. decides the licence mode: ``production`` when the lease's issuer is a production
   issuer (shipped with the distribution or installed by the administrator, see
   :mod:`.trust`), ``development`` otherwise (or when the run asks for the development
   mode); a ``--release`` run refuses a development licence;
4. reports one ``compile`` usage event (idempotent; queued while offline); the server
   refuses it when the plan's monthly limit is reached. A development licence made by
   ``pyvorin licence dev`` has no server and reports nothing;
5. obtains a build ticket per module to compile (:mod:`.tickets`): online, signed by the
   server with the licence's next ticket number; offline, a slot of the lease's
   server-signed offline quota (refused once the quota is used up), reported to the
   server when it answers again. The signer puts the ticket in the module's manifest.
   ``pyvorin check`` and ``pyvorin bench`` produce no artifact and take no ticket.

After the run's last event, :func:`anchor_run` sends the audit log's head to the server
again (online runs only), so the run's own records are anchored at once.

Refusals raise :class:`~pyvorin.errors.LicenceError` (exit 6) with a recovery hint.
Every decision is audited as a ``licence`` event (with the licence mode), without keys or
secrets. The decision's ``mode`` is recorded in every manifest (``licence.mode``).
"""

from __future__ import annotations

from typing import Any

from ..errors import LicenceError, PyvorinError
from ..hookspecs import hookimpl
from ..model import BuildContext, LicenceDecision
from . import tickets as tickets_mod
from .client import ACTIVATE_HINT, GateResult, LicenceClient
from .tokens import iso
from .trust import DEVELOPMENT, PRODUCTION, SYSTEM_ISSUERS_DIR, package_issuers_dir


def _setting(ctx: BuildContext, path: str) -> Any:
    try:
        return ctx.settings[path]
    except (KeyError, TypeError):
        return None


def client_for(ctx: BuildContext) -> LicenceClient:
    return LicenceClient(
        ctx.home,
        server=_setting(ctx, "licence.server"),
        grace_hours=_setting(ctx, "licence.grace-hours"),
    )


def licence_mode(ctx: BuildContext, result: GateResult) -> str:
    """``production`` only for a production issuer's lease in a run that did not ask for
    the development mode (``BuildOptions.licence_mode``)."""
    if result.licence_mode == PRODUCTION and ctx.options.licence_mode != DEVELOPMENT:
        return PRODUCTION
    return DEVELOPMENT


def release_refusal(result: GateResult) -> str:
    why = (
        f"its issuer key {result.issuer} is a development issuer, trusted from "
        f"{result.issuer_origin}"
        if result.licence_mode == DEVELOPMENT
        else "this run asked for the development mode"
    )
    return (
        f"--release refuses a development licence: licence {result.licence_id} is a "
        f"development licence because {why}; a release build needs a licence signed by a "
        f"production issuer (shipped with this Pyvorin distribution in "
        f"{package_issuers_dir()}, or installed by the administrator in the root-owned "
        f"{SYSTEM_ISSUERS_DIR}): {ACTIVATE_HINT} with such a licence, or build without "
        "--release (the artifacts are then marked licence.mode: development)"
    )


@hookimpl
def pyvorin_licence_gate(ctx: BuildContext) -> LicenceDecision:
    client = client_for(ctx)
    mode = None
    try:
        result = client.check()
        mode = licence_mode(ctx, result)
        if ctx.release and mode != PRODUCTION:
            raise LicenceError(release_refusal(result))
        usage: dict[str, Any] = {}
        tickets: dict[str, dict[str, Any]] = {}
        if ctx.options.command == "check":
            pass  # the frontend alone compiles nothing: no usage is counted
        elif result.mode == "online":
            usage = client.report_usage("compile", 1)
        elif result.mode == "offline":
            usage = client.report_usage_offline("compile", 1)
        # "local": a development licence without a server has nobody to report to
        if ctx.options.command not in NO_ARTIFACT and ctx.modules:
            # a module whose name is not a dotted identifier is refused by the check
            # stage (exit 2) and never compiled: it takes no ticket
            wanted = [
                (m.name, tickets_mod.source_digest(m.path))
                for m in ctx.modules
                if tickets_mod.MODULE_NAME.fullmatch(m.name)
            ]
            if result.mode == "online":
                tickets = tickets_mod.request_tickets(client, wanted)
            elif result.mode == "offline":
                tickets = tickets_mod.draw_offline(client, wanted)
    except LicenceError as exc:
        extra = {"licence_mode": mode} if mode else {}
        ctx.audit("licence", outcome="refused", reason=str(exc), **extra)
        raise
    details = {
        "mode": result.mode,
        "licence_mode": mode,
        "issuer": result.issuer,
        "plan": result.plan,
        "lease_expires": iso(result.lease_expires),
        "offline_deadline": iso(result.offline_deadline),
        "usage": {k: v for k, v in usage.items() if k in ("period", "used", "limit", "pending")},
        "quota": result.quota,
        "tickets": {name: _ticket_summary(t) for name, t in tickets.items()},
    }
    ctx.audit("licence", outcome="checked", licence_id=result.licence_id, **details)
    return LicenceDecision(
        True, result.message, result.licence_id, details, mode=mode, tickets=tickets
    )


NO_ARTIFACT = frozenset({"check", "bench"})


def anchor_run(ctx: BuildContext) -> None:
    """At the very end of a run whose gate confirmed the licence online: anchor the
    audit log's head, the run's last event included, at the licence server
    (:meth:`LicenceClient.anchor_audit`). The gate's refresh sent the head as it was at
    the run's start, so without this a run's own records could be deleted unseen until
    the next refresh. Offline and serverless runs have no server to tell.

    A failure changes nothing about the run (its artifacts are committed): one warning
    line on the run's progress channel, and the next refresh anchors the records. No
    audit event is written here, whatever happens: it would follow the anchored head
    and be unanchored again."""
    decision = ctx.licence
    if decision is None or decision.details.get("mode") != "online":
        return
    try:
        client_for(ctx).anchor_audit()
    except PyvorinError as exc:
        ctx.progress(
            f"warning: this run's audit records were not anchored at the licence server "
            f"({exc}); the next licence refresh anchors them"
        )


def _ticket_summary(ticket: dict[str, Any]) -> str:
    if ticket["kind"] == tickets_mod.OFFLINE:
        return f"offline slot {ticket['slot']}"
    return "online"
