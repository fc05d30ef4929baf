"""The web console: server-rendered pages (Jinja2 templates in ``templates/``).

Every route declares its permission (``requires``/``action``); every state-changing
route is a POST form checked for its CSRF token (``action``), which
:func:`unprotected_forms` verifies for the whole app. Every page shows only the signed-in
member's organisation (operators see every organisation): queries filter on
``Principal.org_scope()``, and another tenant's resource is "not found".
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, Request
from fastapi import Path as PathParam
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from . import accounts, auth, service, sessions
from .models import Licence, Membership, Organisation, User, WebSession
from .permissions import ORG_ROLES, PUBLIC, SIGNED_IN, Principal, requires
from .ratelimit import RateLimit, RateLimitStore
from .service import ApiError, Signer

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
PREFIX = "/console"
# A resource id in a console path: what the server's ids look like, nothing else.
ResourceId = Annotated[str, PathParam(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.-]+$")]


def _when(ts: int | None) -> str:
    if ts is None:
        return "-"
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


TEMPLATES.env.filters["when"] = _when
TEMPLATES.env.filters["fromjson"] = lambda s: None if s is None else json.loads(s)


def field(form: Any, name: str, limit: int) -> str:
    """A text field of a submitted form: printable (no control characters, which
    PostgreSQL text cannot all hold), at most ``limit`` characters; else 422 naming it."""
    value = form.get(name, "")
    if not isinstance(value, str):
        raise ApiError(422, "invalid_request", f"{name}: expected text, found a file")
    if len(value) > limit:
        raise ApiError(422, "invalid_request", f"{name}: at most {limit} characters")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ApiError(422, "invalid_request", f"{name}: control characters are not allowed")
    return value


class CsrfRefused(ApiError):
    def __init__(self, why: str) -> None:
        super().__init__(
            403,
            "csrf_failed",
            f"this form was refused: {why}. Reload the page and try again.",
        )


def action(permission: str) -> Any:
    """The dependency of a state-changing console route: ``permission`` plus the CSRF
    check (the form's ``csrf_token`` against the session's, and a same-site Origin)."""
    check = requires(permission).dependency

    async def dependency(request: Request, principal: Principal = Depends(check)) -> Principal:
        _same_origin(request)
        form = await request.form()
        given = form.get("csrf_token")
        if not sessions.same_token(
            principal.extra.get("csrf"), given if isinstance(given, str) else None
        ):
            raise CsrfRefused("its CSRF token is missing or wrong")
        return principal

    dependency.csrf = True  # type: ignore[attr-defined]
    return Depends(dependency)


def _same_origin(request: Request) -> None:
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host"):
        raise CsrfRefused(f"it came from another site ({origin})")
    if origin == "null":
        raise CsrfRefused("it came from an opaque origin")


def unprotected_forms(app: FastAPI) -> list[str]:
    """Console routes that change state (any method but GET/HEAD) without the CSRF check."""
    missing = []
    for route in app.routes:
        path = getattr(route, "path", "")
        methods = set(getattr(route, "methods", ()) or ()) - {"GET", "HEAD"}
        if not path.startswith(PREFIX) or not methods:
            continue
        stack, found = [getattr(route, "dependant", None)], False
        while stack:
            dependant = stack.pop()
            if dependant is None:
                continue
            found = found or getattr(dependant.call, "csrf", False)
            stack.extend(dependant.dependencies)
        if not found and path != f"{PREFIX}/login":  # sign-in: double-submit cookie
            missing.append(f"{','.join(sorted(methods))} {path}")
    return missing


def build_console(
    app: FastAPI,
    *,
    transaction: Callable[[], AbstractContextManager[Session]],
    signer: Signer,
    clock: Callable[[], float] = time.time,
) -> None:
    """Add the console's routes to ``app`` and its session authenticator."""
    config = app.state.config
    policy = sessions.SessionPolicy(
        idle_seconds=config.session_idle_minutes * 60,
        absolute_seconds=config.session_absolute_hours * 3600,
    )
    login_policy = auth.LoginPolicy(
        max_failures=config.login_max_failures,
        window_seconds=config.login_lockout_minutes * 60,
        lockout_seconds=config.login_lockout_minutes * 60,
    )
    # shared by every server process on the database; the console's clock (tests move it)
    per_address = RateLimit(
        RateLimitStore(app.state.engine, clock), "login-ip", config.logins_per_minute_per_ip
    )

    # Console routes go straight onto the app (not an included router), so the app's
    # route list shows them for the permission and CSRF checks.
    def get(path: str, **kw: Any):
        return app.get(PREFIX + path, include_in_schema=False, **kw)

    def post(path: str, **kw: Any):
        return app.post(PREFIX + path, include_in_schema=False, **kw)

    def now() -> int:
        return int(clock())

    def privilege(org_id: str, role: str) -> str:
        version = app.state.roles.get(role, (0,))[0]
        return f"{org_id}:{role}@{version}"

    # -- who is signed in ------------------------------------------------------------------
    def session_principal(request: Request) -> Principal | None:
        if not request.url.path.startswith(PREFIX):
            return None  # the cookie is for the console only; the API takes tokens
        token = request.cookies.get(sessions.COOKIE)
        if not token:
            return None
        with transaction() as s:
            row = sessions.load(s, token, now(), policy)
            if row is None:
                request.state.clear_session = True
                return None
            user = s.get(User, row.user_id)
            member = accounts.membership(s, row.user_id, row.org_id)
            if user is None or user.disabled or member is None:
                s.delete(row)
                request.state.clear_session = True
                return None
            current = privilege(row.org_id, member.role)
            if current != row.privilege:  # role changed since sign-in: new session id
                token, row = sessions.rotate(s, row, now=now(), privilege=current)
                request.state.set_session = token
            org = s.get(Organisation, row.org_id)
            assert org is not None
            others = [
                (m.org_id, o.name)
                for m, o in s.execute(
                    select(Membership, Organisation)
                    .join(Organisation, Organisation.id == Membership.org_id)
                    .where(Membership.user_id == user.id)
                    .order_by(Organisation.name)
                ).all()
            ]
            return Principal(
                kind="session",
                actor=user.id,
                org_id=row.org_id,
                role=member.role,
                permissions=app.state.roles[member.role][1],
                extra={
                    "csrf": row.csrf_token,
                    "email": user.email,
                    "name": user.name,
                    "org_name": org.name,
                    "orgs": others,
                    "session": row.id_hash,
                },
            )

    app.state.console_authenticators = [session_principal]

    def page(request: Request, name: str, principal: Principal | None, status: int = 200, **ctx):
        ctx.update(request=request, me=principal, csrf=principal.extra["csrf"] if principal else "")
        return TEMPLATES.TemplateResponse(request, name, ctx, status_code=status)

    def redirect(path: str) -> RedirectResponse:
        return RedirectResponse(PREFIX + path, status_code=303)

    # -- sign in and out -------------------------------------------------------------------
    def login_page(request: Request, error: ApiError | None = None) -> Response:
        token = sessions.new_token()
        response = page(
            request,
            "login.html",
            None,
            status=error.status if error else 200,
            login_csrf=token,
            error=error,
        )
        response.headers.append(
            "set-cookie", sessions.cookie_header(sessions.LOGIN_COOKIE, token, 3600)
        )
        return response

    @get("/login", dependencies=[requires(PUBLIC)])
    def login_form(request: Request) -> Response:
        return login_page(request)

    @post("/login", dependencies=[requires(PUBLIC)])
    async def login(request: Request) -> Response:
        _same_origin(request)
        form = await request.form()
        if not sessions.same_token(
            request.cookies.get(sessions.LOGIN_COOKIE), str(form.get("csrf_token", ""))
        ):
            raise CsrfRefused("the sign-in form's CSRF token is missing or wrong")
        email, password = str(form.get("email", ""))[:320], str(form.get("password", ""))
        # the database and argon2id (bounded: auth.argon2_slot) run on a worker thread,
        # never on the event loop
        return await run_in_threadpool(sign_in, request, email, password)

    def sign_in(request: Request, email: str, password: str) -> Response:
        address = request.client.host if request.client else "unknown"
        wait = per_address.hit(address)
        if wait is not None:
            return login_page(
                request,
                ApiError(
                    429,
                    "rate_limited",
                    f"too many sign-in attempts from your address; retry after {int(wait) + 1} s",
                ),
            )
        token = ""
        for attempt in (1, 2):  # a concurrent first failure may race on the throttle row
            try:
                with transaction() as s:
                    outcome = auth.login(s, email, password, now(), login_policy, address)
                    if outcome.user is None:
                        break
                    member = _first_membership(s, outcome.user.id)
                    if member is None:  # same answer as a wrong password: no enumeration
                        outcome.error = ApiError(401, "login_failed", auth.FAILED)
                        break
                    # a session id presented before sign-in is dropped, never promoted
                    sessions.destroy(s, request.cookies.get(sessions.COOKIE))
                    token, _row = sessions.create(
                        s,
                        user_id=outcome.user.id,
                        org_id=member.org_id,
                        privilege=privilege(member.org_id, member.role),
                        now=now(),
                    )
                    accounts.record(
                        s,
                        None,
                        member.org_id,
                        "session.signed_in",
                        outcome.user.email,
                        None,
                        None,
                        now(),
                    )
                break
            except IntegrityError:
                if attempt == 2:
                    raise
        if outcome.error is not None:
            return login_page(request, outcome.error)
        response = redirect("/licences")
        response.headers.append("set-cookie", sessions.cookie_header(sessions.COOKIE, token, None))
        response.headers.append("set-cookie", sessions.cookie_header(sessions.LOGIN_COOKIE, "", 0))
        return response

    def _first_membership(s: Session, user_id: str):
        rows = (
            s.execute(
                select(Membership)
                .where(Membership.user_id == user_id)
                .order_by(Membership.granted_at, Membership.id)
            )
            .scalars()
            .all()
        )
        operator = [m for m in rows if m.org_id == accounts.OPERATOR_ORG]
        return (operator or rows or [None])[0]

    @post("/logout")
    def logout(request: Request, principal: Principal = action(SIGNED_IN)) -> Response:
        with transaction() as s:
            sessions.destroy(s, request.cookies.get(sessions.COOKIE))
            sessions.destroy(s, getattr(request.state, "set_session", None))
        request.state.set_session = None
        request.state.clear_session = True
        return redirect("/login")

    @post("/switch")
    async def switch_org(request: Request, principal: Principal = action(SIGNED_IN)) -> Response:
        org_id = field(await request.form(), "org_id", 40)
        with transaction() as s:
            member = accounts.membership(s, principal.actor, org_id)
            if member is None:
                raise ApiError(404, "unknown_organisation", f"no organisation {org_id!r}")
            row = s.get(WebSession, principal.extra["session"])
            assert row is not None
            token, _ = sessions.rotate(
                s, row, now=now(), org_id=org_id, privilege=privilege(org_id, member.role)
            )
        request.state.set_session = token
        return redirect("/licences")

    @get("")
    @get("/")
    def home(principal: Principal = requires(SIGNED_IN)) -> Response:
        return redirect("/licences")

    # -- one's own account: change the password ---------------------------------------------
    @get("/account")
    def account(request: Request, principal: Principal = requires(SIGNED_IN)) -> Response:
        return page(request, "account.html", principal, changed=False)

    @post("/account/password")
    async def change_password(
        request: Request, principal: Principal = action(SIGNED_IN)
    ) -> Response:
        form = await request.form()
        current, new = str(form.get("current", "")), str(form.get("new", ""))
        if new != str(form.get("confirm", "")):
            raise ApiError(422, "passwords_differ", "the new password and its confirmation differ")
        return await run_in_threadpool(set_password, request, principal, current, new)

    def set_password(request: Request, principal: Principal, current: str, new: str) -> Response:
        new_hash = auth.hash_password(new)  # checks the rules first
        with transaction() as s:
            client = request.client.host if request.client else None
            outcome = auth.login(s, principal.extra["email"], current, now(), login_policy, client)
            if outcome.user is not None:
                outcome.user.password_hash = new_hash
                # every other session of this user ends; this one continues with a new id
                sessions.destroy_for(s, user_id=outcome.user.id)
                token, _ = sessions.create(
                    s,
                    user_id=outcome.user.id,
                    org_id=str(principal.org_id),
                    privilege=privilege(str(principal.org_id), principal.role),
                    now=now(),
                )
                accounts.record(
                    s,
                    principal,
                    principal.org_id,
                    "password.changed",
                    principal.extra["email"],
                    None,
                    None,
                    now(),
                )
        if outcome.error is not None:
            if outcome.error.code == "login_failed":
                raise ApiError(403, "wrong_password", "the current password is wrong")
            raise outcome.error
        request.state.set_session = token
        return redirect("/account?changed=1")

    # -- licences, machines ----------------------------------------------------------------
    @get("/licences")
    def licences(request: Request, principal: Principal = requires("licences:read")) -> Response:
        with transaction() as s:
            rows = [
                service.licence_status(s, lic, now())
                for lic in accounts.org_licences(s, principal.org_scope())
            ]
            orgs = (
                s.execute(
                    select(Organisation)
                    .where(Organisation.kind == "customer")
                    .order_by(Organisation.name)
                )
                .scalars()
                .all()
                if principal.can("licences:issue")
                else []
            )
        return page(request, "licences.html", principal, licences=rows, orgs=orgs)

    @post("/licences")
    async def issue_licence(
        request: Request, principal: Principal = action("licences:issue")
    ) -> Response:
        form = await request.form()
        try:
            seats = int(field(form, "seats", 12) or "1")
            days = int(field(form, "days", 12) or "365")
        except ValueError:
            raise ApiError(422, "invalid_request", "seats and days are whole numbers") from None
        plan, org_id = field(form, "plan", 32), field(form, "org_id", 40)
        licensee = field(form, "licensee", 256).strip()
        if not (1 <= seats <= 100_000 and 1 <= days <= 36_500 and 1 <= len(licensee) <= 256):
            raise ApiError(
                422, "invalid_request", "licensee 1-256 characters, seats 1-100000, days 1-36500"
            )
        with transaction() as s:
            org = s.get(Organisation, org_id)
            if org is None or org.kind != "customer":
                raise ApiError(404, "unknown_organisation", f"no organisation {org_id!r}")
            licence, key = service.issue(
                s,
                signer,
                licensee=licensee,
                plan=plan,
                seats=seats,
                days=days,
                org_id=org_id,
                now=now(),
            )
            accounts.record(
                s,
                principal,
                org_id,
                "licence.issued",
                licence.id,
                None,
                {"plan": plan, "seats": seats, "licensee": licensee},
                now(),
            )
        return page(request, "issued.html", principal, licence_id=licence.id, key=key, org=org.name)

    @get("/licences/{licence_id}")
    def licence(
        request: Request, licence_id: ResourceId, principal: Principal = requires("licences:read")
    ) -> Response:
        with transaction() as s:
            lic = service.find_licence(s, licence_id, principal.org_scope())
            status = service.licence_status(s, lic, now())
        return page(request, "licence.html", principal, lic=status)

    @post("/licences/{licence_id}/revoke")
    async def revoke_licence(
        request: Request, licence_id: ResourceId, principal: Principal = action("licences:revoke")
    ) -> Response:
        reason = field(await request.form(), "reason", 256)
        with transaction() as s:
            lic = service.find_licence(s, licence_id, principal.org_scope())
            service.revoke(s, lic.id, reason, now())
            accounts.record(
                s,
                principal,
                lic.org_id,
                "licence.revoked",
                lic.id,
                {"revoked": False},
                {"revoked": True, "reason": reason},
                now(),
            )
        return redirect(f"/licences/{lic.id}")

    @post("/machines/{activation_id}/deactivate")
    def deactivate_machine(
        activation_id: ResourceId, principal: Principal = action("machines:deactivate")
    ) -> Response:
        with transaction() as s:
            act = service.deactivate_machine(s, activation_id, principal.org_scope(), now())
            lic = s.get(Licence, act.licence_id)
            assert lic is not None
            accounts.record(
                s,
                principal,
                lic.org_id,
                "machine.deactivated",
                act.id,
                {"active": True, "hostname": act.hostname},
                {"active": False},
                now(),
            )
        return redirect(f"/licences/{act.licence_id}")

    # -- usage, audit ----------------------------------------------------------------------
    @get("/usage")
    def usage(request: Request, principal: Principal = requires("usage:read")) -> Response:
        periods = _last_months(now(), 12)
        with transaction() as s:
            data = service.usage_by_month(s, principal.org_scope(), periods)
        return page(request, "usage.html", principal, chart=usage_chart(data), rows=data)

    @get("/audit")
    def audit(request: Request, principal: Principal = requires("audit:read")) -> Response:
        with transaction() as s:
            events = accounts.audit_trail(s, principal.org_scope())
        return page(request, "audit.html", principal, events=events)

    # -- members and roles -----------------------------------------------------------------
    @get("/members")
    def members(request: Request, principal: Principal = requires("members:read")) -> Response:
        with transaction() as s:
            rows = accounts.members(s, principal.org_id or "")
        roles = ("operator",) if principal.operator else ORG_ROLES
        return page(
            request,
            "members.html",
            principal,
            members=rows,
            roles=roles,
            definitions=app.state.roles,
            created=None,
        )

    @post("/members")
    async def add_member(
        request: Request, principal: Principal = action("members:manage")
    ) -> Response:
        form = await request.form()
        email, role = field(form, "email", 320), field(form, "role", 32)
        name = field(form, "name", 256)
        password = None
        with transaction() as s:
            user = accounts.find_user(s, email)
            if user is None:
                password = secrets.token_urlsafe(12)
                user = accounts.create_user(
                    s,
                    principal,
                    email=email,
                    name=name,
                    password_hash=auth.hash_password(password),
                    now=now(),
                )
            assert principal.org_id is not None
            accounts.set_role(
                s, principal, org_id=principal.org_id, user_id=user.id, role=role, now=now()
            )
            rows = accounts.members(s, principal.org_id)
        roles = ("operator",) if principal.operator else ORG_ROLES
        return page(
            request,
            "members.html",
            principal,
            members=rows,
            roles=roles,
            definitions=app.state.roles,
            created=(user.email, password),
        )

    @post("/members/{user_id}/role")
    async def change_role(
        request: Request, user_id: ResourceId, principal: Principal = action("members:manage")
    ) -> Response:
        role = field(await request.form(), "role", 32) or None
        with transaction() as s:
            assert principal.org_id is not None
            if accounts.membership(s, user_id, principal.org_id) is None:
                raise ApiError(404, "unknown_member", f"no member {user_id!r} here")
            accounts.set_role(
                s,
                principal,
                org_id=principal.org_id,
                user_id=user_id,
                role=None if role == "none" else role,
                now=now(),
            )
        return redirect("/members")

    # -- operators: organisations ----------------------------------------------------------
    @get("/orgs")
    def orgs(request: Request, principal: Principal = requires("orgs:manage")) -> Response:
        with transaction() as s:
            rows = s.execute(select(Organisation).order_by(Organisation.name)).scalars()
            rows = list(rows)
        return page(request, "orgs.html", principal, orgs=rows)

    @post("/orgs")
    async def create_org(
        request: Request, principal: Principal = action("orgs:manage")
    ) -> Response:
        form = await request.form()
        with transaction() as s:
            accounts.create_org(s, principal, field(form, "name", 256), now())
        return redirect("/orgs")

    # -- API tokens (console_tokens.py) ----------------------------------------------------
    from .console_tokens import build_token_pages

    build_token_pages(
        app,
        get=get,
        post=post,
        page=page,
        redirect=redirect,
        transaction=transaction,
        now=now,
    )

    # -- the organisation's data: export, deletion -----------------------------------------
    @get("/organisation")
    def organisation(request: Request, principal: Principal = requires(SIGNED_IN)) -> Response:
        return page(request, "organisation.html", principal)

    @post("/organisation/export")
    def export(principal: Principal = action("org:export")) -> Response:
        assert principal.org_id is not None
        with transaction() as s:
            data = accounts.export_org(s, principal.org_id)
            accounts.record(
                s, principal, principal.org_id, "org.exported", principal.org_id, None, None, now()
            )
        return JSONResponse(
            data,
            headers={
                "content-disposition": f'attachment; filename="{principal.org_id}-export.json"',
                "cache-control": "no-store",
            },
        )

    @post("/organisation/delete")
    async def delete(request: Request, principal: Principal = action("org:delete")) -> Response:
        confirm = field(await request.form(), "confirm", 256)
        if confirm != principal.extra["org_name"]:
            raise ApiError(
                422, "not_confirmed", "type the organisation's exact name to confirm its deletion"
            )
        assert principal.org_id is not None
        with transaction() as s:
            accounts.delete_org(s, principal, principal.org_id, now())
        request.state.clear_session = True
        return redirect("/login")


def _last_months(now: int, count: int) -> list[str]:
    moment = datetime.fromtimestamp(now, tz=timezone.utc)
    year, month = moment.year, moment.month
    periods = []
    for _ in range(count):
        periods.append(f"{year:04d}-{month:02d}")
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return list(reversed(periods))


def usage_chart(data: dict[str, dict[str, int]], width: int = 720, height: int = 240) -> dict:
    """Bars for a server-rendered SVG chart: one bar per month (all kinds stacked into
    the total), scaled to the busiest month."""
    totals = [(period, sum(kinds.values())) for period, kinds in data.items()]
    peak = max([t for _, t in totals] + [1])
    slot = width / max(len(totals), 1)
    plot = height - 40
    bars = []
    for i, (period, total) in enumerate(totals):
        h = round(plot * total / peak, 1)
        bars.append(
            {
                "period": period,
                "total": total,
                "x": round(i * slot + slot * 0.15, 1),
                "y": round(plot - h + 10, 1),
                "w": round(slot * 0.7, 1),
                "h": h,
                "label_x": round(i * slot + slot / 2, 1),
            }
        )
    return {"width": width, "height": height, "bars": bars, "peak": peak}
