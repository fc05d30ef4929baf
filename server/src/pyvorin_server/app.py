"""The HTTP API (FastAPI). The OpenAPI document is served at ``/openapi.json`` and the
interactive reference at ``/docs``. Every error answer is JSON
``{"error": "<code>", "message": "<text>"}`` with a 4xx status; see docs/api.md."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Path, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from pyvorin.licensing import transport

from . import (
    __version__,
    apitokens,
    atrest,
    auth,
    events,
    membertokens,
    service,
    tickets_api,
)
from .accounts import bootstrap, operator_principal, record
from .alerts import AlertEngine, AlertThresholds, sinks_from
from .bodylimit import BodySizeLimit
from .config import ADMIN_TOKEN_PREFIX, AdminTokenVerifier, ServerConfig, load_issuer_key
from .console import TEMPLATES, build_console
from .db import make_engine
from .maintenance import MaintenanceScheduler
from .models import Activation, ClientReport, Organisation
from .permissions import ACTIVATION, API_TOKEN, PUBLIC, Principal, requires
from .ratelimit import RateLimit, RateLimitStore, too_many
from .reqsign import RequestVerifier, SignedParts, signed_parts
from .service import ApiError, Signer
from .sessions import COOKIE, cookie_header

# Printable text without control characters (PostgreSQL text cannot hold NUL).
TEXT = r"^[^\x00-\x1f\x7f]*$"
ID = r"^[A-Za-z0-9_.-]+$"
LicenceId = Annotated[str, Path(min_length=1, max_length=40, pattern=ID)]


class ErrorBody(BaseModel):
    error: str
    message: str


class IssueRequest(BaseModel):
    licensee: str = Field(min_length=1, max_length=256, pattern=TEXT)
    plan: Literal["trial", "team", "enterprise"]
    seats: int = Field(ge=1, le=100_000)
    days: int = Field(default=365, ge=1, le=36_500)
    features: list[Annotated[str, Field(min_length=1, max_length=64, pattern=ID)]] = Field(
        default_factory=list, max_length=64
    )
    monthly_compile_limit: int | None = Field(default=None, ge=0, le=10**12)
    org_id: str | None = Field(default=None, min_length=1, max_length=40, pattern=ID)


class IssueResponse(BaseModel):
    licence_id: str
    key: str


class RevokeRequest(BaseModel):
    reason: str = Field(default="", max_length=256, pattern=TEXT)


class ActivateRequest(BaseModel):
    key: str = Field(min_length=1, max_length=8192, pattern=TEXT)
    fingerprint: str = Field(min_length=8, max_length=128, pattern=ID)
    hostname: str = Field(default="unknown", min_length=1, max_length=64, pattern=TEXT)


class ActivateResponse(BaseModel):
    activation_id: str
    activation_secret: str
    request_key: str
    licence_id: str
    lease: str
    server_time: int


class RefreshRequest(BaseModel):
    fingerprint: str = Field(min_length=8, max_length=128, pattern=ID)
    # the installation's audit log head, checkpointed by the server (tickets.py)
    audit_log: str | None = Field(default=None, pattern=tickets_api.LOG_ID)
    audit_seq: int | None = Field(default=None, ge=0, le=2**53)
    audit_hash: str | None = Field(default=None, pattern=tickets_api.SHA256)
    audit_previous: str | None = Field(default=None, pattern=tickets_api.LOG_ID)


class RefreshResponse(BaseModel):
    lease: str
    server_time: int
    licence_id: str
    checkpoint: str | None = None


class UsageRequest(BaseModel):
    idempotency_key: str = Field(min_length=8, max_length=64, pattern=ID)
    kind: str = Field(default="compile", pattern=r"^(compile|check|verify)$")
    count: int = Field(default=1, ge=1, le=1000)


class UsageResponse(BaseModel):
    recorded: bool
    period: str
    used: int
    limit: int | None


class DeactivateResponse(BaseModel):
    deactivated: str
    licence_id: str
    seats_used: int
    seats: int


class UsageSummary(BaseModel):
    period: str
    used: int
    limit: int | None


class ActivationInfo(BaseModel):
    activation_id: str
    hostname: str
    created_at: int
    last_seen_at: int
    active: bool


class LicenceStatus(BaseModel):
    licence_id: str
    org_id: str | None = None
    licensee: str
    plan: str
    features: list[str]
    seats: int
    seats_used: int
    issued_at: int
    expires_at: int
    revoked: bool
    revoked_at: int | None
    revoked_reason: str | None
    key_id: str
    usage: UsageSummary
    activations: list[ActivationInfo]


class ActivationStatus(LicenceStatus):
    activation_active: bool
    server_time: int


class TokenRequest(BaseModel):
    grant_type: Literal["refresh_token", "urn:pyvorin:grant-type:activation"]
    refresh_token: str | None = Field(default=None, max_length=128, pattern=ID)
    scope: str | None = Field(default=None, max_length=512, pattern=r"^[a-z:_ ]*$")


class TokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    refresh_token: str
    scope: str


class AccessTokenRequest(BaseModel):
    scope: str | None = Field(default=None, max_length=512, pattern=r"^[a-z:_ ]*$")


class AccessTokenResponse(BaseModel):
    access_token: str
    token_type: str
    expires_in: int
    scope: str


class ReportRequest(BaseModel):
    kind: Literal["signature", "verification", "licence"]
    detail: str = Field(default="", max_length=2000, pattern=TEXT)


class ReportResponse(BaseModel):
    recorded: bool


ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorBody} for code in (400, 401, 402, 403, 404, 409, 413, 429)
}


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def create_app(
    config: ServerConfig | None = None, clock: Callable[[], float] = time.time
) -> FastAPI:
    """The application. ``clock`` is the console's time source (sessions, sign-in
    throttling); tests pass a controllable one."""
    config = config or ServerConfig.from_env()
    signer = Signer(load_issuer_key(config), config.lease_hours * 3600, config.offline_builds)
    admin = AdminTokenVerifier(config)
    engine = make_engine(config.database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    auth.set_concurrency(config.argon2_concurrency)
    # Rate limits live in the database: every server process on it counts the same hits.
    # Limits on unauthenticated attempts are keyed by the caller's own address; limits
    # keyed by a licence, machine or activation are applied after its signature verified,
    # so nobody can spend another client's budget.
    limits = RateLimitStore(engine)
    per_machine = RateLimit(limits, "activate", config.activations_per_minute)
    per_address = RateLimit(limits, "activate-ip", config.requests_per_minute_per_ip)
    per_activation = RateLimit(limits, "machine", config.machine_calls_per_minute)
    machine_failures = RateLimit(limits, "auth-fail-ip", config.auth_failures_per_minute_per_ip)
    admin_failures = RateLimit(limits, "admin-fail-ip", config.admin_failures_per_minute_per_ip)
    vault = atrest.Vault(engine, atrest.provider_from(config, config.env)).load()
    atrest.install(vault)
    tokens = apitokens.TokenService(engine, config.token_issuer, config.access_token_seconds)
    verifier = RequestVerifier()
    alert_engine = AlertEngine(
        sinks_from(config, config.env),
        AlertThresholds(
            activation_burst=config.alert_activation_burst,
            fingerprints=config.alert_fingerprints,
            login_failures=config.alert_login_failures,
        ),
    )
    scheduler = MaintenanceScheduler(engine, config, config.maintenance_interval)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        alert_engine.start()
        scheduler.start()
        try:
            yield
        finally:
            scheduler.stop()
            alert_engine.stop()

    app = FastAPI(
        title="Pyvorin licence server",
        version=__version__,
        description="Signed licence keys, activations with exact seat counting, signed "
        "leases, immediate revocation and server-authoritative usage counts.",
        lifespan=lifespan,
    )
    app.state.config = config
    app.state.engine = engine
    try:
        with sessions() as session, session.begin():
            app.state.roles = bootstrap(session)
    except IntegrityError:  # another server process bootstrapped at the same moment
        with sessions() as session, session.begin():
            app.state.roles = bootstrap(session)
    app.state.vault = vault
    app.state.tokens = tokens
    app.state.alerts = alert_engine
    app.state.maintenance = scheduler

    @contextmanager
    def transaction() -> Iterator[Session]:
        with sessions() as session, session.begin():
            yield session

    @app.middleware("http")
    async def _session_cookie(request: Request, call_next) -> Response:
        response = await call_next(request)
        token = getattr(request.state, "set_session", None)
        if token:
            response.headers.append("set-cookie", cookie_header(COOKIE, token, None))
        elif getattr(request.state, "clear_session", False):
            response.headers.append("set-cookie", cookie_header(COOKIE, "", 0))
        if request.url.path.startswith("/console"):
            response.headers.setdefault("cache-control", "no-store")
            response.headers.setdefault("x-frame-options", "DENY")
            response.headers.setdefault("x-content-type-options", "nosniff")
            response.headers.setdefault("referrer-policy", "same-origin")
            response.headers.setdefault(
                "content-security-policy",
                "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
            )
        return response

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        if request.url.path.startswith("/console"):
            if exc.status == 401:
                return RedirectResponse("/console/login", status_code=303)
            return TEMPLATES.TemplateResponse(
                request,
                "error.html",
                {"request": request, "error": exc, "me": getattr(request.state, "principal", None)},
                status_code=exc.status,
            )
        headers = {}
        if exc.status == 429:
            headers["Retry-After"] = exc.message.rsplit(" ", 2)[-2]
        return JSONResponse(
            {"error": exc.code, "message": exc.message}, status_code=exc.status, headers=headers
        )

    @app.exception_handler(atrest.TamperedCiphertext)
    async def _tampered(_request: Request, exc: atrest.TamperedCiphertext) -> JSONResponse:
        import logging

        logging.getLogger("pyvorin_server").error("at-rest integrity failure: %s", exc)
        return JSONResponse(
            {
                "error": "stored_data_integrity",
                "message": "a stored value failed its integrity check (see the server log)",
            },
            status_code=500,
        )

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', '')}"
            for e in exc.errors()[:5]
        )
        return JSONResponse(
            {"error": "invalid_request", "message": problems or "invalid request"},
            status_code=422,
        )

    def admin_gate(address: str) -> None:
        """Refuse an address with too many refused admin credentials, before any check."""
        wait = admin_failures.blocked(address)
        if wait is not None:
            raise too_many(wait, "too many refused admin credentials from this address")

    def admin_token(request: Request) -> Principal | None:
        """The admin token: a well-formed token's SHA-256 compared in constant time (see
        AdminTokenVerifier), after the per-address limit on refused credentials."""
        token = _bearer(request)
        if token is None or not token.startswith(ADMIN_TOKEN_PREFIX):
            return None
        address = client_address(request)
        admin_gate(address)
        if not admin.check(token):
            admin_failures.hit(address)
            return None
        return operator_principal("admin-token", "admin-token")

    def access_token(request: Request) -> Principal | None:
        """An RS256 access token for the admin API (``Bearer eyJ…``): its scopes are its
        permissions (see apitokens.principal_of)."""
        token = _bearer(request)
        if token is None or not token.startswith("ey") or token.count(".") != 2:
            return None
        address = client_address(request)
        admin_gate(address)
        try:
            claims = tokens.verify(token, apitokens.AUD_ADMIN)
            principal = apitokens.principal_of(claims)
            with transaction() as session:
                membertokens.check_access(session, claims, int(clock()))
        except ApiError:
            admin_failures.hit(address)
            raise
        return principal

    def base_url(request: Request) -> str:
        """The URL clients reach this server at: signed into leases (``srv``)."""
        return config.public_url or f"{request.url.scheme}://{request.url.netloc}"

    def htu(request: Request) -> str:
        return base_url(request) + request.url.path

    def machine_gate(address: str) -> None:
        """Refuse an address with too many refused machine credentials, before any check."""
        wait = machine_failures.blocked(address)
        if wait is not None:
            raise too_many(wait, "too many refused requests from this address")

    @contextmanager
    def counting_failures(address: str) -> Iterator[None]:
        """A refusal raised inside counts against the caller's address (never against
        the licence or activation the request names: that is not verified yet)."""
        try:
            yield
        except ApiError as exc:
            if exc.status in (400, 401, 403):
                machine_failures.hit(address)
            raise

    def machine(request: Request, parts: SignedParts, scope: str | None = None) -> Activation:
        """Authenticate a machine call: the activation credential (Bearer) or a DPoP-bound
        access token, then the HMAC request signature with the activation's key; the
        nonce is committed before the call acts. Refusals count against the caller's
        address; the per-activation limit applies once the signature has verified."""
        address = client_address(request)
        machine_gate(address)
        with counting_failures(address):
            activation = authenticate_machine(request, parts, scope)
        wait = per_activation.hit(activation.id)
        if wait is not None:
            raise too_many(wait, "too many calls from this activation")
        return activation

    def authenticate_machine(request: Request, parts: SignedParts, scope: str | None) -> Activation:
        now = time.time()
        header = request.headers.get("authorization", "")
        scheme, _, value = header.partition(" ")
        with transaction() as session:
            if scheme.lower() == "dpop" and scope is not None:
                claims = tokens.verify(value.strip(), apitokens.AUD_CLIENT, {scope})
                jkt, jti, iat = apitokens.verify_dpop(
                    request.headers.get("dpop"), request.method, htu(request), now, value.strip()
                )
                if claims.get("cnf", {}).get("jkt") != jkt:
                    raise apitokens.invalid_token("the access token is bound to another device key")
                activation = session.get(Activation, str(claims["sub"]))
                if activation is None:
                    raise apitokens.invalid_token("the token's activation no longer exists")
                verifier.consume_nonce(session, "dpop:" + jti[:58], iat + apitokens.DPOP_WINDOW)
            else:
                activation = service.authenticate(session, _bearer(request))
            key = activation.request_key
            verifier.verify(
                session, parts, transport.b64url_decode(key) if key else None, activation.id
            )
        return activation

    # Who made a request: the first authenticator that recognises it (see permissions.py).
    app.state.authenticators = [admin_token, access_token]

    @app.get("/healthz", tags=["server"], dependencies=[requires(PUBLIC)])
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    @app.get("/v1/issuer", tags=["server"], dependencies=[requires(PUBLIC)])
    def issuer() -> dict[str, str]:
        """The issuer key id and public key (compare it out of band before trusting it)."""
        from pyvorin.licensing.tokens import public_pem

        return {
            "key_id": signer.kid,
            "public_key_pem": public_pem(signer.key.public_key()).decode(),
        }

    @app.post(
        "/v1/licences",
        status_code=201,
        response_model=IssueResponse,
        responses=ERRORS,
        tags=["admin"],
    )
    def issue(
        body: IssueRequest, principal: Principal = requires("licences:issue")
    ) -> dict[str, Any]:
        """Issue a licence (operator): returns its signed licence key."""
        with transaction() as session:
            if body.org_id is not None and session.get(Organisation, body.org_id) is None:
                raise ApiError(404, "unknown_organisation", f"no organisation {body.org_id!r}")
            licence, key = service.issue(
                session,
                signer,
                licensee=body.licensee,
                plan=body.plan,
                seats=body.seats,
                days=body.days,
                features=body.features,
                monthly_compile_limit=body.monthly_compile_limit,
                org_id=body.org_id,
            )
            record(
                session,
                principal,
                body.org_id,
                "licence.issued",
                licence.id,
                None,
                {"plan": body.plan, "seats": body.seats, "licensee": body.licensee},
            )
            return {"licence_id": licence.id, "key": key}

    @app.get(
        "/v1/licences/{licence_id}",
        response_model=LicenceStatus,
        responses=ERRORS,
        tags=["admin"],
    )
    def licence_status(
        licence_id: LicenceId, principal: Principal = requires("licences:read")
    ) -> dict[str, Any]:
        """A licence's status: seats used, activations, this month's usage. Members of an
        organisation see only its licences; another organisation's licence is "unknown"."""
        with transaction() as session:
            licence = service.find_licence(session, licence_id, principal.org_scope())
            return service.licence_status(session, licence)

    @app.post(
        "/v1/licences/{licence_id}/revoke",
        response_model=LicenceStatus,
        responses=ERRORS,
        tags=["admin"],
    )
    def revoke(
        licence_id: LicenceId,
        body: RevokeRequest,
        principal: Principal = requires("licences:revoke"),
    ) -> dict[str, Any]:
        """Revoke a licence (operator): every later refresh, gate check and usage report
        fails."""
        with transaction() as session:
            status = service.revoke(session, licence_id, body.reason)
            record(
                session,
                principal,
                status["org_id"],
                "licence.revoked",
                licence_id,
                {"revoked": False},
                {"revoked": True, "reason": body.reason},
            )
            return status

    @app.post(
        "/v1/activate",
        status_code=201,
        response_model=ActivateResponse,
        responses=ERRORS,
        tags=["client"],
        dependencies=[requires(ACTIVATION)],
    )
    def activate(
        body: ActivateRequest, request: Request, parts: SignedParts = Depends(signed_parts)
    ) -> dict[str, Any]:
        """Activate a licence key on a machine: takes a seat, returns a signed lease.
        Signed with the key derived from the licence key (see docs/api.md).

        Order: the caller's address limits (all attempts; refused ones), then the licence
        key's issuer signature and the request signature, and only then the limit of
        this licence and machine: a request that does not prove the licence key cannot
        spend that licence's budget."""
        address = client_address(request)
        wait = per_address.hit(address)
        if wait is not None:
            raise too_many(wait, "too many activation attempts from this address")
        machine_gate(address)
        with counting_failures(address):
            lid = str(service.verify_key(signer, body.key)["lid"])
            with transaction() as session:
                verifier.verify(session, parts, transport.activation_key(body.key), lid)
        wait = per_machine.hit(f"{lid}\0{body.fingerprint}")
        if wait is not None:
            raise too_many(wait, "too many activation attempts for this licence and machine")
        with transaction() as session:
            answer = service.activate(
                session,
                signer,
                key=body.key,
                fingerprint=body.fingerprint,
                hostname=body.hostname,
                server_url=base_url(request),
            )
        events.emit(
            events.ACTIVATION_CREATED,
            licence_id=answer["licence_id"],
            activation_id=answer["activation_id"],
            fingerprint=body.fingerprint,
            address=address,
        )
        return answer

    client = {"responses": ERRORS, "tags": ["client"], "dependencies": [requires(ACTIVATION)]}

    @app.post("/v1/refresh", response_model=RefreshResponse, **client)
    def refresh(
        body: RefreshRequest, request: Request, parts: SignedParts = Depends(signed_parts)
    ) -> dict[str, Any]:
        """Confirm an activation (heartbeat); returns a fresh signed lease.
        Authorization: ``Bearer <activation id>.<activation secret>``; signed."""
        activation = machine(request, parts)
        with transaction() as session:
            activation = session.get(Activation, activation.id)
            answer = service.refresh(
                session,
                signer,
                bearer=None,
                fingerprint=body.fingerprint,
                activation=activation,
                server_url=base_url(request),
            )
            checkpoint = tickets_api.record_head(
                session, signer, activation, body, int(time.time())
            )
            if checkpoint is not None:
                answer["checkpoint"] = checkpoint
            return answer

    @app.post("/v1/deactivate", response_model=DeactivateResponse, **client)
    def deactivate(request: Request, parts: SignedParts = Depends(signed_parts)) -> dict[str, Any]:
        """Release this activation's seat (and revoke its refresh tokens); signed."""
        activation = machine(request, parts, "licence:deactivate")
        with transaction() as session:
            activation = session.get(Activation, activation.id)
            answer = service.deactivate(session, bearer=None, activation=activation)
            apitokens.revoke_subject(session, activation.id, int(time.time()))
            return answer

    @app.post("/v1/usage", response_model=UsageResponse, **client)
    def usage(
        body: UsageRequest, request: Request, parts: SignedParts = Depends(signed_parts)
    ) -> dict[str, Any]:
        """Report usage; counted once per idempotency key, refused past the plan's limit."""
        activation = machine(request, parts)
        with transaction() as session:
            return service.record_usage(
                session,
                bearer=None,
                activation=session.get(Activation, activation.id),
                idempotency_key=body.idempotency_key,
                kind=body.kind,
                count=body.count,
            )

    @app.get("/v1/status", response_model=ActivationStatus, **client)
    def status(request: Request, parts: SignedParts = Depends(signed_parts)) -> dict[str, Any]:
        """The licence status as seen by this activation (Bearer credential or DPoP
        access token with scope ``licence:status``); signed."""
        activation = machine(request, parts, "licence:status")
        with transaction() as session:
            return service.activation_status(
                session, bearer=None, activation=session.get(Activation, activation.id)
            )

    @app.get("/.well-known/jwks.json", tags=["tokens"], dependencies=[requires(PUBLIC)])
    def jwks() -> dict[str, Any]:
        """The public keys that verify API access tokens (RS256), current and overlapping."""
        return tokens.jwks()

    @app.post(
        "/v1/access-token",
        response_model=AccessTokenResponse,
        responses=ERRORS,
        tags=["tokens"],
        dependencies=[requires(API_TOKEN)],
    )
    def access_token_for_api_token(
        request: Request, body: AccessTokenRequest | None = None
    ) -> dict[str, Any]:
        """Exchange a member's API token (``Authorization: Bearer pvt_…``, made in the
        console) for an RS256 access token of the admin API (audience ``pyvorin-admin``,
        at most 15 minutes): the token's permissions that the member's role still grants,
        narrowed to ``scope`` when given. Refusals count against the caller's address
        like refused admin credentials."""
        address = client_address(request)
        admin_gate(address)
        requested = apitokens.parse_scope(body.scope) if body and body.scope else None
        try:
            with transaction() as session:
                grant = membertokens.exchange(
                    session, _bearer(request), app.state.roles, int(clock()), requested
                )
        except ApiError:
            admin_failures.hit(address)
            raise
        access, ttl = tokens.issue(
            grant.subject, apitokens.AUD_ADMIN, grant.scope, extra=grant.claims
        )
        return {
            "access_token": access,
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": " ".join(sorted(grant.scope)),
        }

    @app.post("/v1/token", response_model=TokenResponse, **{**client, "tags": ["tokens"]})
    def token(
        body: TokenRequest, request: Request, parts: SignedParts = Depends(signed_parts)
    ) -> dict[str, Any]:
        """OAuth-style token endpoint (JSON body), DPoP-bound (RFC 9449).

        * ``urn:pyvorin:grant-type:activation``: the activation credential (Bearer) and a
          signed request obtain a new token family for this machine;
        * ``refresh_token``: rotates the refresh token; a rotated token presented again
          revokes its family."""
        now = int(time.time())
        address = client_address(request)
        machine_gate(address)
        with counting_failures(address):
            jkt, jti, iat = apitokens.verify_dpop(
                request.headers.get("dpop"), "POST", htu(request), now
            )
        requested = apitokens.parse_scope(body.scope) if body.scope else None
        refusal: ApiError | None = None
        if body.grant_type == transport.ACTIVATION_GRANT:
            activation = machine(request, parts)
            subject, audience = activation.id, apitokens.AUD_CLIENT
            scope = apitokens.CLIENT_SCOPES if requested is None else requested
            if not scope <= apitokens.CLIENT_SCOPES:
                raise ApiError(400, "invalid_scope", f"scope not allowed here: {body.scope}")
            with transaction() as session:
                verifier.consume_nonce(session, "dpop:" + jti[:58], iat + apitokens.DPOP_WINDOW)
                service._live(session, session.get(Activation, activation.id), now, lock=False)
                refresh_token = apitokens.new_refresh_token(
                    session, subject=subject, audience=audience, scope=scope, jkt=jkt, now=now
                )
        else:
            if not body.refresh_token:
                raise ApiError(400, "invalid_request", "refresh_token is required")
            with transaction() as session:
                verifier.consume_nonce(session, "dpop:" + jti[:58], iat + apitokens.DPOP_WINDOW)
                rotation = apitokens.rotate_refresh_token(
                    session, body.refresh_token, jkt, now, address
                )
                refusal = rotation.refusal  # raised after commit: a reuse revokes the family
                if refusal is None:
                    assert rotation.row is not None and rotation.token is not None
                    row, refresh_token = rotation.row, rotation.token
                    subject, audience = row.subject, row.audience
                    family_scope = apitokens.parse_scope(row.scope)
                    scope = family_scope if requested is None else requested
                    if not scope <= family_scope:
                        raise ApiError(
                            400, "invalid_scope", "a refresh cannot widen the token's scope"
                        )
                    if audience == apitokens.AUD_CLIENT:
                        activation = session.get(Activation, subject)
                        if activation is None:
                            raise ApiError(400, "invalid_grant", "the activation is gone")
                        service._live(session, activation, now, lock=False)
            if refusal is not None:
                machine_failures.hit(address)
                raise refusal
        access, ttl = tokens.issue(subject, audience, scope, jkt=jkt)
        return {
            "access_token": access,
            "token_type": "DPoP",
            "expires_in": ttl,
            "refresh_token": refresh_token,
            "scope": " ".join(sorted(scope)),
        }

    @app.post("/v1/reports", response_model=ReportResponse, **client)
    def report(
        body: ReportRequest, request: Request, parts: SignedParts = Depends(signed_parts)
    ) -> dict[str, Any]:
        """A client reports a refusal (a signature or verification failure): recorded as a
        build record (retention: 90 days by default) and raised as an alert."""
        activation = machine(request, parts)
        with transaction() as session:
            session.add(
                ClientReport(
                    licence_id=activation.licence_id,
                    activation_id=activation.id,
                    kind=body.kind,
                    detail=body.detail,
                    created_at=int(time.time()),
                )
            )
        events.emit(
            events.CLIENT_REFUSAL,
            licence_id=activation.licence_id,
            activation_id=activation.id,
            kind=body.kind,
            detail=body.detail[:200],
        )
        return {"recorded": True}

    tickets_api.register(
        app, machine=machine, transaction=transaction, signer=signer, responses=ERRORS
    )
    build_console(app, transaction=transaction, signer=signer, clock=clock)
    # Outermost (after the routes and the http middleware above): bodies are limited
    # before anything in the app reads them.
    app.add_middleware(BodySizeLimit, limit=config.max_body_bytes)
    return app
