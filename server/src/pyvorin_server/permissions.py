"""Permissions, roles, and the per-route permission declaration.

Every route of the app declares what it needs with :func:`requires` (a FastAPI
dependency). ``tests/server/test_permissions.py`` enumerates every route of the app and
fails when one declares nothing, so a new route cannot be added unprotected by accident.

A request is made by a :class:`Principal`, found by the app's authenticators in order
(for the JSON API: the admin token, API access tokens; for the console under
``/console``: only the session cookie, so neither credential works in the other's place). Org-scoped
principals act only inside their organisation: :meth:`Principal.org_scope` is the one
place that turns a foreign organisation's resource into "not found".
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request

from .service import ApiError

# Pseudo-permissions: what a route needs when it needs no role.
PUBLIC = "public"  # no credential at all (health, issuer key, sign-in page)
ACTIVATION = "activation"  # the activation credential, checked by the service itself
SIGNED_IN = "signed-in"  # any authenticated principal (console home, sign-out)
API_TOKEN = "api-token"  # a member's API token, checked by membertokens.exchange itself
PSEUDO = (PUBLIC, ACTIVATION, SIGNED_IN, API_TOKEN)

# Real permissions. Org permissions apply inside the principal's organisation; operator
# permissions (licences:issue, licences:revoke, orgs:manage) only come with the operator
# role, which acts across organisations.
PERMISSIONS: dict[str, str] = {
    "licences:read": "see the organisation's licences and their status",
    "licences:issue": "issue licences (operator)",
    "licences:revoke": "revoke licences (operator)",
    "machines:read": "see the machines (activations) holding seats",
    "machines:deactivate": "deactivate a machine, freeing its seat",
    "usage:read": "see usage per month",
    "audit:read": "read the organisation's audit trail",
    "members:read": "see members and their roles",
    "members:manage": "invite members, change and revoke roles",
    "tokens:read": "see API tokens",
    "tokens:manage": "create and revoke API tokens",
    "org:export": "export all of the organisation's data",
    "org:delete": "delete the organisation and all of its data",
    "orgs:manage": "create organisations (operator)",
}

_READ = {"licences:read", "machines:read", "usage:read", "members:read"}
ROLES: dict[str, frozenset[str]] = {
    "owner": frozenset(PERMISSIONS) - {"licences:issue", "licences:revoke", "orgs:manage"},
    "admin": frozenset(PERMISSIONS)
    - {"licences:issue", "licences:revoke", "orgs:manage", "org:delete"},
    "developer": frozenset(_READ | {"machines:deactivate", "tokens:read", "tokens:manage"}),
    "billing": frozenset({"licences:read", "usage:read", "members:read", "org:export"}),
    "viewer": frozenset(_READ),
    "operator": frozenset(PERMISSIONS),
}
ORG_ROLES = ("owner", "admin", "developer", "billing", "viewer")
OPERATOR_ROLE = "operator"
# Roles only an owner (or an operator) may grant, change or revoke.
OWNER_ONLY = frozenset({"owner"})


@dataclass(frozen=True)
class Principal:
    """Who is making a request, and what they may do."""

    kind: str  # "admin-token", "session" (part B adds "access-token")
    actor: str  # user id, or "admin-token"
    org_id: str | None  # the organisation acted in (None: the admin token)
    role: str
    permissions: frozenset[str]
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @property
    def operator(self) -> bool:
        return self.role == OPERATOR_ROLE

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    def org_scope(self) -> str | None:
        """The organisation whose resources this principal may touch; None = all
        (operators). Queries filter on it, so another tenant's row is never found."""
        return None if self.operator else self.org_id


Authenticator = Callable[[Request], "Principal | None"]


class NotAuthenticated(ApiError):
    def __init__(self) -> None:
        super().__init__(
            401, "authentication_required", "sign in, or send a valid admin or access token"
        )


class Forbidden(ApiError):
    def __init__(self, principal: Principal, permission: str) -> None:
        super().__init__(
            403,
            "forbidden",
            f"this needs the permission {permission!r}, which the role "
            f"{principal.role!r} does not grant",
        )


def authenticate(request: Request) -> Principal | None:
    """The principal behind ``request`` (cached on the request), or None."""
    if "principal" in request.scope.get("state", {}):
        return request.state.principal
    principal = None
    # The console (browser) accepts only its session cookie; the JSON API only tokens.
    state = request.app.state
    console = request.url.path.startswith("/console")
    chain = state.console_authenticators if console else state.authenticators
    for authenticator in chain:
        principal = authenticator(request)
        if principal is not None:
            break
    request.state.principal = principal
    return principal


def requires(permission: str) -> Any:
    """The dependency declaring (and enforcing) ``permission`` for a route. Returns the
    :class:`Principal` (None for PUBLIC, ACTIVATION and API_TOKEN routes)."""
    if permission not in PERMISSIONS and permission not in PSEUDO:
        raise ValueError(f"unknown permission {permission!r}")

    def dependency(request: Request) -> Principal | None:
        if permission in (PUBLIC, ACTIVATION, API_TOKEN):
            return None
        principal = authenticate(request)
        if principal is None:
            raise NotAuthenticated()
        if permission != SIGNED_IN and not principal.can(permission):
            raise Forbidden(principal, permission)
        return principal

    dependency.permission = permission  # type: ignore[attr-defined]
    return Depends(dependency)


# Routes the framework adds (the OpenAPI document and its viewers): public, read-only.
FRAMEWORK_ROUTES = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})


def undeclared_routes(app: Any) -> list[str]:
    """Every route of ``app`` that declares no permission (should be none)."""
    missing = []
    for route in app.routes:
        path = getattr(route, "path", repr(route))
        if getattr(route, "dependant", None) is None:
            if path not in FRAMEWORK_ROUTES:
                missing.append(path)
            continue
        declared = declared_permissions(route)
        if len(declared) != 1:
            methods = ",".join(sorted(getattr(route, "methods", ()) or ()))
            missing.append(f"{methods} {path}: declares {sorted(declared) or 'nothing'}")
    return missing


def declared_permissions(route: Any) -> list[str]:
    """The permissions a route declares through :func:`requires` (any depth)."""
    found: list[str] = []
    stack = [getattr(route, "dependant", None)]
    while stack:
        dependant = stack.pop()
        if dependant is None:
            continue
        permission = getattr(dependant.call, "permission", None)
        if permission is not None:
            found.append(permission)
        stack.extend(dependant.dependencies)
    return found
