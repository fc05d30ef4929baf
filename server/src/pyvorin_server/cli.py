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
def run(
    home: Path | None,
    host: str,
    port: int,
    ready_file: Path | None,
    no_migrate: bool,
    log_level: str,
) -> None:
    """Serve the API (initialises the home and the SQLite database on first use)."""
    import uvicorn

    from .app import create_app

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
    url = f"http://{host if family == socket.AF_INET else f'[{host}]'}:{bound}"
    click.echo(
        f"pyvorin-server {__version__} listening on {url} (database {config.redacted_url()})",
        err=True,
    )
    server = uvicorn.Server(
        uvicorn.Config(app, log_level=log_level, access_log=False, timeout_graceful_shutdown=5)
    )
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
    return sessionmaker(make_engine(config.database_url), expire_on_commit=False)


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
    signer = service.Signer(load_issuer_key(config), config.lease_hours * 3600)
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
    from sqlalchemy import select

    from .accounts import normalise_email
    from .models import User

    user = session.execute(
        select(User).where(User.email == normalise_email(email))
    ).scalar_one_or_none()
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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
