"""``pyvorin-server``: init, run, migrate, issue, revoke, show.

Operator errors (bad configuration, unreachable database) print one line naming the
setting and exit 2; they never show a traceback.
"""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import click

from . import __version__
from .config import ServerConfig, ServerConfigError, initialise, load_issuer_key


def _config(home: Path | None) -> ServerConfig:
    try:
        return ServerConfig.from_env(home)
    except ServerConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _migrate(config: ServerConfig) -> None:
    from sqlalchemy.exc import SQLAlchemyError

    from .db import migrate

    try:
        migrate(config.database_url)
    except SQLAlchemyError as exc:
        reason = str(exc.orig if getattr(exc, "orig", None) else exc).strip().splitlines()[0]
        raise click.ClickException(
            f"database {config.redacted_url()}: cannot migrate: {reason} "
            "(check PYVORIN_DATABASE_URL)"
        ) from exc


home_option = click.option(
    "--home",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Server state directory (default: PYVORIN_SERVER_HOME or the user data dir).",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="pyvorin-server")
def main() -> None:
    """The Pyvorin licence server."""


@main.command("init")
@home_option
@click.option("--rotate-admin-token", is_flag=True, help="Replace the admin token.")
def init(home: Path | None, rotate_admin_token: bool) -> None:
    """Create the issuer key and the admin token (0600) and migrate the database."""
    config = _config(home)
    kid, token = initialise(config, force=rotate_admin_token)
    _migrate(config)
    click.echo(f"server home: {config.home}")
    click.echo(f"issuer key: {kid} (public key: {config.pub_path})")
    click.echo(f"database: {config.redacted_url()} (migrated)")
    if token:
        click.echo(f"admin token written to {config.token_path} (mode 0600); it is shown once:")
        click.echo(token)


@main.command("migrate")
@home_option
@click.option("--revision", default="head", show_default=True, help="Upgrade to this revision.")
@click.option(
    "--downgrade-to",
    default=None,
    help="Downgrade to this revision instead ('base' drops all tables: back up first).",
)
def migrate_cmd(home: Path | None, revision: str, downgrade_to: str | None) -> None:
    """Apply the Alembic migrations to the database (upgrade by default)."""
    from .db import current_revision, downgrade, migrate

    config = _config(home)
    if downgrade_to is not None:
        downgrade(config.database_url, downgrade_to)
    elif revision == "head":
        _migrate(config)
    else:
        migrate(config.database_url, revision)
    click.echo(f"{config.redacted_url()}: at revision {current_revision(config.database_url)}")


@main.command("run")
@home_option
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True)
@click.option(
    "--ready-file",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the URL here once listening (for scripts; with --port 0).",
)
@click.option("--no-migrate", is_flag=True, help="Do not apply migrations on start.")
@click.option("--log-level", default="warning", show_default=True)
@click.option(
    "--tls-cert",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Serve HTTPS (TLS 1.3 only) with this certificate chain (PEM).",
)
@click.option("--tls-key", type=click.Path(path_type=Path, dir_okay=False), default=None)
@click.option(
    "--tls-client-ca",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Mutual TLS: require client certificates issued by this CA (PEM).",
)
def run(
    home: Path | None,
    host: str,
    port: int,
    ready_file: Path | None,
    no_migrate: bool,
    log_level: str,
    tls_cert: Path | None,
    tls_key: Path | None,
    tls_client_ca: Path | None,
) -> None:
    """Serve the API (initialises the home and the SQLite database on first use)."""
    import uvicorn

    from .app import create_app
    from .tlsca import CaError, server_context

    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    if tls_client_ca is not None and tls_cert is None:
        raise click.UsageError("--tls-client-ca needs --tls-cert and --tls-key")
    ssl_context = None
    if tls_cert is not None and tls_key is not None:
        try:
            ssl_context = server_context(tls_cert, tls_key, tls_client_ca)
        except CaError as exc:
            raise click.ClickException(str(exc)) from exc
    config = _config(home)
    if not config.initialised:
        kid, _token = initialise(config)
        click.echo(
            f"initialised {config.home}: issuer key {kid}; admin token in "
            f"{config.token_path} (mode 0600)",
            err=True,
        )
    if not no_migrate:
        _migrate(config)
    try:
        app = create_app(config)
    except ServerConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    sock.listen(512)
    bound = sock.getsockname()[1]
    scheme = "https" if ssl_context is not None else "http"
    url = f"{scheme}://{host if family == socket.AF_INET else f'[{host}]'}:{bound}"
    click.echo(
        f"pyvorin-server {__version__} listening on {url} (database {config.redacted_url()})",
        err=True,
    )
    uv_config = uvicorn.Config(
        app, log_level=log_level, access_log=False, timeout_graceful_shutdown=5
    )
    if ssl_context is not None:
        uv_config.load()
        uv_config.ssl = ssl_context  # our context: TLS 1.3 only, optional client CA
    server = uvicorn.Server(uv_config)
    if ready_file is not None:
        orig_startup = server.startup

        async def startup(sockets=None):
            await orig_startup(sockets=sockets)
            tmp = ready_file.with_name(ready_file.name + ".tmp")
            tmp.write_text(url)
            tmp.replace(ready_file)

        server.startup = startup  # type: ignore[method-assign]
    server.run(sockets=[sock])


def _session(config: ServerConfig):
    from sqlalchemy.orm import sessionmaker

    from .db import current_revision, make_engine

    try:
        revision = current_revision(config.database_url)
    except Exception as exc:  # the driver's own error types vary
        raise click.ClickException(
            f"database {config.redacted_url()}: cannot connect: "
            f"{str(exc).strip().splitlines()[0]} (check PYVORIN_DATABASE_URL)"
        ) from exc
    if revision is None:
        raise click.ClickException(
            f"database {config.redacted_url()} has no schema; run `pyvorin-server init` "
            "or `pyvorin-server migrate` first"
        )
    engine = make_engine(config.database_url)
    _vault(config, engine)
    factory = sessionmaker(engine, expire_on_commit=False)
    from .accounts import index_users, seal_audit_events

    with factory() as session, session.begin():  # accounts and events made before sealing
        index_users(session)
        seal_audit_events(session)
    return factory


def _vault(config: ServerConfig, engine):
    """Load the at-rest encryption keys (sealed columns need them)."""
    from . import atrest

    try:
        vault = atrest.Vault(engine, atrest.provider_from(config, config.env)).load()
    except atrest.AtRestError as exc:
        raise click.ClickException(str(exc)) from exc
    atrest.install(vault)
    return vault


@main.command("issue")
@home_option
@click.option("--licensee", required=True)
@click.option("--plan", default="team", show_default=True)
@click.option("--seats", type=click.IntRange(1, 100_000), default=1, show_default=True)
@click.option("--days", type=click.IntRange(1, 36_500), default=365, show_default=True)
@click.option("--feature", "features", multiple=True, help="A feature flag (repeatable).")
@click.option(
    "--monthly-compile-limit",
    type=click.IntRange(0),
    default=None,
    help="Override the plan's monthly compile limit.",
)
@click.option(
    "--key-file",
    type=click.Path(path_type=Path),
    default=None,
    help="Write the key to this file (0600) instead of standard output.",
)
def issue(
    home: Path | None,
    licensee: str,
    plan: str,
    seats: int,
    days: int,
    features: tuple[str, ...],
    monthly_compile_limit: int | None,
    key_file: Path | None,
) -> None:
    """Issue a licence directly in the database and print its key."""
    from pyvorin.home import write_private

    from . import service

    config = _config(home)
    if not config.initialised:
        initialise(config)
    _migrate(config)
    signer = service.Signer(
        load_issuer_key(config), config.lease_hours * 3600, config.offline_builds
    )
    try:
        with _session(config)() as session, session.begin():
            licence, key = service.issue(
                session,
                signer,
                licensee=licensee,
                plan=plan,
                seats=seats,
                days=days,
                features=list(features),
                monthly_compile_limit=monthly_compile_limit,
            )
    except service.ApiError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(
        f"issued {licence.id} to {licensee!r}: plan {plan}, {seats} seat(s), {days} day(s)",
        err=True,
    )
    if key_file:
        write_private(key_file, key.encode() + b"\n")
        click.echo(f"key written to {key_file}", err=True)
    else:
        click.echo(key)


@main.command("revoke")
@home_option
@click.argument("licence_id")
@click.option("--reason", default="")
def revoke(home: Path | None, licence_id: str, reason: str) -> None:
    """Revoke a licence: every later refresh and gate check fails."""
    from . import service

    config = _config(home)
    try:
        with _session(config)() as session, session.begin():
            status = service.revoke(session, licence_id, reason)
    except service.ApiError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(json.dumps(status, indent=2))


@main.command("show")
@home_option
@click.argument("licence_id")
def show(home: Path | None, licence_id: str) -> None:
    """Print a licence's status as JSON."""
    from . import service

    config = _config(home)
    with _session(config)() as session, session.begin():
        licence = session.get(service.Licence, licence_id)
        if licence is None:
            raise click.ClickException(f"no licence {licence_id!r}")
        click.echo(json.dumps(service.licence_status(session, licence), indent=2))


def _accounts_session(config: ServerConfig):
    from . import accounts

    _migrate(config)
    factory = _session(config)
    with factory() as session, session.begin():
        accounts.bootstrap(session)
    return factory


@main.group("org")
def org_group() -> None:
    """Organisations (customers) on this server."""


@org_group.command("create")
@home_option
@click.argument("name")
def org_create(home: Path | None, name: str) -> None:
    """Create an organisation; prints its id."""
    from . import accounts, service

    config = _config(home)
    operator = accounts.operator_principal("cli", "cli")
    try:
        with _accounts_session(config)() as session, session.begin():
            org = accounts.create_org(session, operator, name)
    except service.ApiError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(org.id)


@org_group.command("list")
@home_option
def org_list(home: Path | None) -> None:
    """List organisations (id, kind, name)."""
    from sqlalchemy import select

    from .models import Organisation

    config = _config(home)
    with _accounts_session(config)() as session, session.begin():
        for org in session.execute(select(Organisation).order_by(Organisation.name)).scalars():
            click.echo(f"{org.id}\t{org.kind}\t{org.name}")


@main.group("user")
def user_group() -> None:
    """People who sign in to the console."""


@user_group.command("create")
@home_option
@click.argument("email")
@click.option("--name", default="", help="Display name (default: the e-mail address).")
@click.option("--org", "org_id", default=None, help="Organisation id to join.")
@click.option(
    "--role",
    type=click.Choice(["owner", "admin", "developer", "billing", "viewer"]),
    default=None,
    help="Role in --org.",
)
@click.option("--operator", is_flag=True, help="Make the user an operator of this server.")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
def user_create(
    home: Path | None,
    email: str,
    name: str,
    org_id: str | None,
    role: str | None,
    operator: bool,
    password_stdin: bool,
) -> None:
    """Create a user with a password and a role (in --org, or --operator)."""
    from . import accounts, auth, service

    if operator == bool(org_id and role) or (org_id is None) != (role is None):
        raise click.UsageError("give either --org ORG --role ROLE, or --operator")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    config = _config(home)
    actor = accounts.operator_principal("cli", "cli")
    try:
        password_hash = auth.hash_password(password)
        with _accounts_session(config)() as session, session.begin():
            user = accounts.create_user(
                session, actor, email=email, name=name, password_hash=password_hash
            )
            accounts.set_role(
                session,
                actor,
                org_id=accounts.OPERATOR_ORG if operator else str(org_id),
                user_id=user.id,
                role="operator" if operator else role,
            )
    except service.ApiError as exc:
        raise click.ClickException(exc.message) from exc
    click.echo(user.id)


def _find_user(session, email: str):
    from .accounts import find_user

    user = find_user(session, email)
    if user is None:
        raise click.ClickException(f"no user {email!r}")
    return user


@user_group.command("password")
@home_option
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
def user_password(home: Path | None, email: str, password_stdin: bool) -> None:
    """Set a user's password (ends their sessions and clears a sign-in lockout)."""
    from sqlalchemy import delete

    from . import accounts, auth, service, sessions
    from .models import LoginThrottle

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    config = _config(home)
    try:
        password_hash = auth.hash_password(password)
    except service.ApiError as exc:
        raise click.ClickException(exc.message) from exc
    with _accounts_session(config)() as session, session.begin():
        user = _find_user(session, email)
        user.password_hash = password_hash
        sessions.destroy_for(session, user_id=user.id)
        session.execute(
            delete(LoginThrottle).where(LoginThrottle.key_hash == auth.address_key(user.email))
        )
        accounts.record(
            session,
            accounts.operator_principal("cli", "cli"),
            None,
            "password.reset",
            user.id,
            None,
            None,
        )
    click.echo(f"password of {user.email} set; their sessions ended")


@user_group.command("disable")
@home_option
@click.argument("email")
@click.option("--enable", is_flag=True, help="Enable the user again instead.")
def user_disable(home: Path | None, email: str, enable: bool) -> None:
    """Disable a user (they cannot sign in; their sessions end), or enable them again."""
    from . import accounts, sessions

    config = _config(home)
    with _accounts_session(config)() as session, session.begin():
        user = _find_user(session, email)
        before = user.disabled
        user.disabled = not enable
        sessions.destroy_for(session, user_id=user.id)
        accounts.record(
            session,
            accounts.operator_principal("cli", "cli"),
            None,
            "user.enabled" if enable else "user.disabled",
            user.id,
            {"disabled": before},
            {"disabled": user.disabled},
        )
    click.echo(f"{user.email} {'enabled' if enable else 'disabled'}")


@main.command("maintenance")
@home_option
def maintenance(home: Path | None) -> None:
    """Apply the retention rules now (build records, telemetry, expired nonces and
    tokens) and seal values written before at-rest encryption; prints the counts."""
    from .maintenance import run_maintenance

    config = _config(home)
    sessions = _session(config)
    counts = run_maintenance(sessions.kw["bind"], config)
    click.echo(json.dumps(counts, indent=2, sort_keys=True))


@main.group("encryption")
def encryption() -> None:
    """At-rest encryption keys (AES-256-GCM data keys wrapped by a KEK)."""


@encryption.command("status")
@home_option
def encryption_status(home: Path | None) -> None:
    """The KEK provider, the current KEK id and the data keys."""
    from sqlalchemy import select

    from .models import DataKey

    config = _config(home)
    sessions = _session(config)
    from . import atrest

    vault = atrest.installed()
    kid, _ = vault.provider.current()
    with sessions() as session:
        rows = list(session.execute(select(DataKey).order_by(DataKey.created_at)).scalars())
    keys = [{"id": r.id, "kek_id": r.kek_id} for r in rows if r.id != atrest.INDEX_KEY_ID]
    index = [{"id": r.id, "kek_id": r.kek_id} for r in rows if r.id == atrest.INDEX_KEY_ID]
    report = {"provider": vault.provider.name, "current_kek": kid, "data_keys": keys}
    report["blind_index_key"] = index[0] if index else None
    click.echo(json.dumps(report, indent=2))


@encryption.command("rotate-kek")
@home_option
def rotate_kek(home: Path | None) -> None:
    """New KEK (file provider), then re-wrap every data key under it. Values are not
    re-encrypted; running servers keep working. With the env or a plugin provider, make
    the new KEK current there first (keep the old one as previous), then run this."""
    from . import atrest

    config = _config(home)
    _session(config)
    vault = atrest.installed()
    if isinstance(vault.provider, atrest.FileKek):
        old, _ = vault.provider.current()
        new, _ = vault.provider.generate()
    else:
        new, _ = vault.provider.current()
        old = None
    changed = vault.rewrap()
    index = [k for k in changed if k == atrest.INDEX_KEY_ID]
    click.echo(
        f"current KEK {new}; re-wrapped {len(changed) - len(index)} data key(s)"
        + (" and the blind-index key" if index else "")
    )
    if old and old != new:
        click.echo(f"previous KEK {old} is no longer used; its file may be removed", err=True)


@encryption.command("rotate-data-key")
@home_option
def rotate_data_key(home: Path | None) -> None:
    """A new data key encrypts new values; the older ones keep decrypting."""
    from . import atrest

    config = _config(home)
    _session(config)
    click.echo(f"new data key {atrest.installed().rotate_data_key()}")


@main.group("jwt")
def jwt_group() -> None:
    """RS256 signing keys of API access tokens."""


@jwt_group.command("rotate")
@home_option
@click.option(
    "--overlap",
    type=click.IntRange(0),
    default=960,
    show_default=True,
    help="Seconds the previous key stays in the JWKS (>= the access-token lifetime).",
)
def jwt_rotate(home: Path | None, overlap: int) -> None:
    """A new signing key signs from now on; the previous ones stay published for
    --overlap seconds so tokens already issued still verify."""
    from .apitokens import TokenService

    config = _config(home)
    sessions = _session(config)
    tokens = TokenService(sessions.kw["bind"], config.token_issuer, config.access_token_seconds)
    tokens.current_kid()
    new, retiring = tokens.rotate(overlap)
    click.echo(f"signing key {new}; retiring in {overlap} s: {', '.join(retiring) or 'none'}")


@jwt_group.command("jwks")
@home_option
def jwt_jwks(home: Path | None) -> None:
    """Print the JWKS (the public keys currently published)."""
    from .apitokens import TokenService

    config = _config(home)
    sessions = _session(config)
    tokens = TokenService(sessions.kw["bind"], config.token_issuer, config.access_token_seconds)
    click.echo(json.dumps(tokens.jwks(), indent=2))


from .permissions import PERMISSIONS, ROLES  # noqa: E402  (choices of `token issue`)


@main.group("token")
def token_group() -> None:
    """Operator API access tokens."""


@token_group.command("issue")
@home_option
@click.option(
    "--scope",
    "scopes",
    multiple=True,
    required=True,
    type=click.Choice(sorted(PERMISSIONS)),
    help="A permission the token carries (repeatable).",
)
@click.option("--subject", default="operator", show_default=True)
@click.option(
    "--role",
    type=click.Choice(sorted(ROLES)),
    default="operator",
    show_default=True,
    help="The role it acts with; the scopes are capped by the role's permissions.",
)
@click.option(
    "--org", default=None, help="The organisation it acts in (roles other than operator)."
)
@click.option("--ttl", type=click.IntRange(1, 900), default=900, show_default=True)
def token_issue(
    home: Path | None,
    scopes: tuple[str, ...],
    subject: str,
    role: str,
    org: str | None,
    ttl: int,
) -> None:
    """Print a short-lived RS256 access token for the API (audience pyvorin-admin)."""
    from .apitokens import AUD_ADMIN, TokenService

    if role != "operator" and not org:
        raise click.UsageError(f"--role {role} needs --org")
    beyond = set(scopes) - ROLES[role]
    if beyond:
        raise click.UsageError(f"role {role} does not grant {', '.join(sorted(beyond))}")
    config = _config(home)
    sessions = _session(config)
    tokens = TokenService(sessions.kw["bind"], config.token_issuer, config.access_token_seconds)
    extra = {"role": role, **({"org": org} if org and role != "operator" else {})}
    token, lifetime = tokens.issue(subject, AUD_ADMIN, set(scopes), ttl=ttl, extra=extra)
    click.echo(f"expires in {lifetime} s; scope {' '.join(sorted(scopes))}", err=True)
    click.echo(token)


@main.group("ca")
def ca_group() -> None:
    """A small certificate authority for TLS and service-to-service mTLS."""


ca_dir_option = click.option(
    "--dir",
    "directory",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="CA directory (default: <server home>/ca).",
)


def _ca(home: Path | None, directory: Path | None):
    from .tlsca import CertificateAuthority

    return CertificateAuthority(directory or _config(home).home / "ca")


@ca_group.command("init")
@home_option
@ca_dir_option
@click.option("--name", default="Pyvorin licence server CA", show_default=True)
@click.option("--days", type=click.IntRange(1, 36_500), default=3650, show_default=True)
def ca_init(home: Path | None, directory: Path | None, name: str, days: int) -> None:
    """Create the CA key (0600) and self-signed certificate."""
    from .tlsca import CaError

    ca = _ca(home, directory)
    try:
        cert = ca.init(name, days)
    except CaError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"CA {name!r} in {ca.directory}: certificate {ca.cert_path}, until "
        f"{cert.not_valid_after_utc:%Y-%m-%d}"
    )


@ca_group.command("issue")
@home_option
@ca_dir_option
@click.argument("name")
@click.option("--client", is_flag=True, help="A client certificate (mTLS) instead of a server one.")
@click.option("--dns", multiple=True, help="DNS name (repeatable; server certificates).")
@click.option("--ip", multiple=True, help="IP address (repeatable; server certificates).")
@click.option("--days", type=click.IntRange(1, 36_500), default=365, show_default=True)
@click.option(
    "--out-dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="Where NAME.crt and NAME.key (0600) go (default: the CA directory).",
)
def ca_issue(
    home: Path | None,
    directory: Path | None,
    name: str,
    client: bool,
    dns: tuple[str, ...],
    ip: tuple[str, ...],
    days: int,
    out_dir: Path | None,
) -> None:
    """Issue a server or client certificate signed by the CA."""
    from .tlsca import CaError

    ca = _ca(home, directory)
    try:
        issued = ca.issue(name, out_dir or ca.directory, client=client, dns=dns, ips=ip, days=days)
    except CaError as exc:
        raise click.ClickException(str(exc)) from exc
    kind = "client" if client else "server"
    click.echo(
        f"{kind} certificate {issued.cert} (key {issued.key}, mode 0600), serial "
        f"{issued.serial:x}, until {issued.not_after:%Y-%m-%d}"
    )


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
