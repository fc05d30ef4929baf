"""HTTP routes of :mod:`.tickets`: build tickets, offline build reports, audit checkpoints.

Machine calls (``/v1/tickets``, ``/v1/tickets/offline``, ``/v1/audit/checkpoint``) are
authenticated like every other client call (activation credential + signed request);
``/v1/licences/{id}/tickets`` is an operator's view of a licence's counted builds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Annotated, Any, Protocol

from fastapi import Depends, FastAPI, Path, Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import service, tickets
from .models import Activation
from .permissions import ACTIVATION, Principal, requires
from .reqsign import SignedParts, signed_parts

MODULE = r"^[A-Za-z_][A-Za-z0-9_.]*$"
SHA256 = r"^[0-9a-f]{64}$"
LOG_ID = r"^[0-9a-f]{32}$"


class TicketModule(BaseModel):
    module: str = Field(min_length=1, max_length=256, pattern=MODULE)
    source_sha256: str = Field(pattern=SHA256)


class TicketRequest(BaseModel):
    modules: list[TicketModule] = Field(min_length=1, max_length=tickets.MAX_MODULES)


class TicketResponse(BaseModel):
    tickets: list[str]


class OfflineBuild(BaseModel):
    slot: int = Field(ge=0, le=100_000)
    module: str = Field(min_length=1, max_length=256, pattern=MODULE)
    source_sha256: str = Field(pattern=SHA256)
    time: int = Field(ge=0, le=2**53)


class OfflineReport(BaseModel):
    lease: str = Field(min_length=1, max_length=8192)
    builds: list[OfflineBuild] = Field(min_length=1, max_length=100_000)


class OfflineAnswer(BaseModel):
    quota_id: str
    recorded: int
    duplicates: int
    conflicts: int
    offline_builds: int


class CheckpointRequest(BaseModel):
    """An audit log head: the audit fields of a refresh (``RefreshRequest``), required."""

    audit_log: str = Field(pattern=LOG_ID)
    audit_seq: int = Field(ge=0, le=2**53)
    audit_hash: str = Field(pattern=SHA256)
    audit_previous: str | None = Field(default=None, pattern=LOG_ID)


class AuditHead(Protocol):
    """The audit log head a request carries (``CheckpointRequest``, and ``RefreshRequest``
    in app.py, where the fields are optional)."""

    @property
    def audit_log(self) -> str | None: ...
    @property
    def audit_seq(self) -> int | None: ...
    @property
    def audit_hash(self) -> str | None: ...
    @property
    def audit_previous(self) -> str | None: ...


def record_head(
    session: Session, signer: service.Signer, activation: Activation, head: AuditHead, now: int
) -> str | None:
    """Record the audit log head a refresh or an anchor carries
    (:func:`.tickets.record_checkpoint`) and return the checkpoint now in force; None when
    the request carries no head."""
    if not head.audit_log or head.audit_seq is None or not head.audit_hash:
        return None
    return tickets.record_checkpoint(
        session,
        signer,
        activation,
        head.audit_log,
        head.audit_seq,
        head.audit_hash,
        head.audit_previous,
        now,
    )


class CheckpointAnswer(BaseModel):
    checkpoint: str | None


class TicketSummary(BaseModel):
    licence_id: str
    online: int
    offline: int
    last: list[dict[str, Any]]


def register(
    app: FastAPI,
    *,
    machine: Callable[[Request, SignedParts], Activation],
    transaction: Callable[[], Any],
    signer: service.Signer,
    responses: dict,
) -> None:
    client = {"responses": responses, "tags": ["client"], "dependencies": [requires(ACTIVATION)]}

    @app.post("/v1/tickets", response_model=TicketResponse, **client)
    def build_tickets(
        body: TicketRequest, request: Request, parts: SignedParts = Depends(signed_parts)
    ) -> dict[str, Any]:
        """Signed build tickets for the modules about to be compiled (one number each
        from the licence's counter); refused like a refresh for a licence not live."""
        activation = machine(request, parts)
        with transaction() as session:
            issued = tickets.issue_tickets(
                session,
                signer,
                session.get(Activation, activation.id),
                [(m.module, m.source_sha256) for m in body.modules],
                int(time.time()),
            )
        return {"tickets": issued}

    @app.post("/v1/tickets/offline", response_model=OfflineAnswer, **client)
    def offline_builds(
        body: OfflineReport, request: Request, parts: SignedParts = Depends(signed_parts)
    ) -> dict[str, Any]:
        """Report builds made offline on the quota of a lease this server signed."""
        activation = machine(request, parts)
        with transaction() as session:
            return tickets.record_offline(
                session,
                signer,
                session.get(Activation, activation.id),
                body.lease,
                [b.model_dump() for b in body.builds],
                int(time.time()),
            )

    @app.post("/v1/audit/checkpoint", response_model=CheckpointAnswer, **client)
    def anchor_audit(
        body: CheckpointRequest, request: Request, parts: SignedParts = Depends(signed_parts)
    ) -> dict[str, Any]:
        """Record this installation's audit log head, as a refresh does, and return the
        checkpoint now in force. A pipeline run sends it after its last event, so the
        run's own records are anchored without waiting for the next refresh; refused
        like a refresh for a licence not live."""
        activation = machine(request, parts)
        now = int(time.time())
        with transaction() as session:
            activation = session.get(Activation, activation.id)
            service._live(session, activation, now, lock=False)
            return {"checkpoint": record_head(session, signer, activation, body, now)}

    @app.get("/v1/audit/checkpoint", response_model=CheckpointAnswer, **client)
    def audit_checkpoint(
        request: Request,
        log: Annotated[str, Query(pattern=LOG_ID)],
        parts: SignedParts = Depends(signed_parts),
    ) -> dict[str, Any]:
        """The signed checkpoint of audit log ``log`` of this activation (or null)."""
        activation = machine(request, parts)
        with transaction() as session:
            return {
                "checkpoint": tickets.latest_checkpoint(
                    session, session.get(Activation, activation.id), log
                )
            }

    @app.get(
        "/v1/licences/{licence_id}/tickets",
        response_model=TicketSummary,
        responses=responses,
        tags=["admin"],
    )
    def licence_tickets(
        licence_id: Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")],
        principal: Principal = requires("licences:read"),
    ) -> dict[str, Any]:
        """The builds counted for a licence: online tickets and reported offline builds
        (the latest 20)."""
        with transaction() as session:
            licence = service.find_licence(session, licence_id, principal.org_scope())
            rows = session.execute(
                select(tickets.BuildTicket)
                .where(tickets.BuildTicket.licence_id == licence.id)
                .order_by(tickets.BuildTicket.serial.desc())
                .limit(20)
            ).scalars()
            return {
                "licence_id": licence.id,
                **tickets.ticket_counts(session, licence.id),
                "last": [
                    {
                        "serial": r.serial,
                        "module": r.module,
                        "source_sha256": r.source_sha256,
                        "mode": r.mode,
                        "quota_id": r.quota_id,
                        "slot": r.slot,
                        "activation_id": r.activation_id,
                        "built_at": r.built_at,
                    }
                    for r in rows
                ],
            }
