"""The console's *API tokens* page: members create, list and revoke their API tokens
(see membertokens.py); owners and admins (``members:manage``) see and revoke every
member's. The secret of a new token is shown once, on the page that answers its
creation, and never again."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from . import membertokens
from .console import ResourceId, action, field
from .permissions import Principal, requires
from .service import ApiError


def build_token_pages(
    app: FastAPI,
    *,
    get: Callable[..., Any],
    post: Callable[..., Any],
    page: Callable[..., Response],
    redirect: Callable[[str], Response],
    transaction: Callable[[], AbstractContextManager[Session]],
    now: Callable[[], int],
) -> None:
    def tokens_page(
        request: Request, principal: Principal, created: membertokens.Created | None = None
    ) -> Response:
        with transaction() as s:
            rows = membertokens.visible(s, principal)
        moment = now()
        return page(
            request,
            "tokens.html",
            principal,
            status=201 if created else 200,
            tokens=[(t, email, membertokens.state(t, moment)) for t, email in rows],
            grantable=sorted(principal.permissions & membertokens.GRANTABLE),
            created=created,
            max_days=membertokens.MAX_DAYS,
        )

    @get("/tokens")
    def tokens(request: Request, principal: Principal = requires("tokens:read")) -> Response:
        return tokens_page(request, principal)

    @post("/tokens")
    async def create_token(
        request: Request, principal: Principal = action("tokens:manage")
    ) -> Response:
        form = await request.form()
        name = field(form, "name", membertokens.NAME_LIMIT)
        try:
            days = int(field(form, "days", 6) or "90")
        except ValueError:
            raise ApiError(422, "invalid_request", "days: a whole number") from None
        chosen = form.getlist("permission")
        if not all(isinstance(p, str) and len(p) <= 64 for p in chosen):
            raise ApiError(422, "invalid_request", "permission: expected permission names")
        with transaction() as s:
            created = membertokens.create(
                s, principal, name=name, permissions=set(chosen), days=days, now=now()
            )
        return tokens_page(request, principal, created)

    @post("/tokens/{token_id}/revoke")
    def revoke_token(
        token_id: ResourceId, principal: Principal = action("tokens:manage")
    ) -> Response:
        with transaction() as s:
            membertokens.revoke(s, principal, token_id, now())
        return redirect("/tokens")
