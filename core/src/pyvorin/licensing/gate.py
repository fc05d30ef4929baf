"""The built-in licence gate: the ``pyvorin_licence_gate`` hook implementation.

Before any module is compiled the gate

1. verifies the cached lease offline (trusted issuer signature, this machine, not
   tampered, clock not set back);
2. asks the licence server to confirm it (a refresh): a revoked, expired or deactivated
   licence is refused at once; an unreachable server falls back to the offline grace
   period (``[tool.pyvorin.licence] grace-hours``, ``PYVORIN_LICENCE_GRACE_HOURS``);
3. reports one ``compile`` usage event (idempotent; queued while offline); the server
   refuses it when the plan's monthly limit is reached.

Refusals raise :class:`~pyvorin.errors.LicenceError` (exit 6) with a recovery hint.
Every decision is audited as a ``licence`` event, without keys or secrets.
"""

from __future__ import annotations

from typing import Any

from ..errors import LicenceError
from ..hookspecs import hookimpl
from ..model import BuildContext, LicenceDecision
from .client import LicenceClient
from .tokens import iso


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


@hookimpl
def pyvorin_licence_gate(ctx: BuildContext) -> LicenceDecision:
    client = client_for(ctx)
    try:
        result = client.check()
        usage: dict[str, Any] = {}
        if ctx.options.command == "check":
            pass  # the frontend alone compiles nothing: no usage is counted
        elif result.mode == "online":
            usage = client.report_usage("compile", 1)
        else:
            usage = client.report_usage_offline("compile", 1)
    except LicenceError as exc:
        ctx.audit("licence", outcome="refused", reason=str(exc))
        raise
    details = {
        "mode": result.mode,
        "plan": result.plan,
        "lease_expires": iso(result.lease_expires),
        "offline_deadline": iso(result.offline_deadline),
        "usage": {k: v for k, v in usage.items() if k in ("period", "used", "limit", "pending")},
    }
    ctx.audit("licence", outcome="checked", licence_id=result.licence_id, **details)
    return LicenceDecision(True, result.message, result.licence_id, details)
