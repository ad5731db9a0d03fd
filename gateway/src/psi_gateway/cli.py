"""``psi-gateway``: the gateway's administration commands; the same ones as ``psi gateway ...`` and ``psi users ...``.

    psi-gateway migrate                          apply the gateway's migrations
    psi-gateway purge                            delete expired idempotency keys and dead refresh tokens
    psi users list                               the users, their roles and whether they are active
    psi users reset-password USERNAME            a new generated password, printed once
    psi users reset-password USERNAME --prompt   a password typed at a hidden prompt (twice)
    psi users reset-password USERNAME --password-stdin   the first line of standard input

Every command works on ``GATEWAY_DATABASE_URL``, or ``--database-url``: under ``make run`` that is
``var/gateway.db`` (the default, relative to the directory you run it in; ``--var DIR`` for another ``make run
VAR=DIR``), in production the gateway's PostgreSQL database. A password reset revokes every refresh token of
the user, so sessions opened with the old password end (their access tokens run out within 15 minutes).
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path
from typing import Any

import click

from psi_chassis.db import Database
from psi_chassis.errors import ProblemError
from psi_chassis.migrations import upgrade
from psi_gateway.app import MIGRATIONS
from psi_gateway.config import GatewaySettings, load_settings

_DATABASE_HELP = "the gateway database (default: GATEWAY_DATABASE_URL, else sqlite:///var/gateway.db)"
_VAR_HELP = "the var/ directory of a `make run` (psi dev --var): uses DIR/gateway.db"


def _settings(database_url: str | None, var_dir: Path | None) -> GatewaySettings:
    env: dict[str, str] = {}
    if var_dir is not None:
        env["GATEWAY_DATABASE_URL"] = f"sqlite:///{(var_dir / 'gateway.db').resolve()}"
    if database_url:
        env["GATEWAY_DATABASE_URL"] = database_url
    return load_settings({**os.environ, **env})


def _database_options(command: Any) -> Any:
    """``--database-url`` and ``--var``: which gateway database a command works on."""
    command = click.option("--var", "var_dir", type=click.Path(file_okay=False, path_type=Path), help=_VAR_HELP)(
        command
    )
    return click.option("--database-url", help=_DATABASE_HELP)(command)


def _identity(database_url: str | None, var_dir: Path | None) -> Any:
    from psi_gateway.identity import Identity

    settings = _settings(database_url, var_dir)
    if settings.database_url.startswith("sqlite:///") and not _sqlite_exists(settings.database_url):
        raise click.ClickException(
            f"no gateway database at {settings.database_url} (start the gateway, or "
            "`make run`, once; or pass --database-url / --var)"
        )
    return Identity(settings, Database(settings.database_url))


def _sqlite_exists(url: str) -> bool:
    path = url.removeprefix("sqlite:///")
    return path == ":memory:" or Path(path).exists()


@click.group()
def main() -> None:
    """Gateway administration."""


@main.command()
@_database_options
def migrate(database_url: str | None, var_dir: Path | None) -> None:
    """Apply the gateway's migrations to GATEWAY_DATABASE_URL (users, tokens, key, idempotency)."""
    upgrade(MIGRATIONS, _settings(database_url, var_dir).database_url)
    click.echo("gateway database is up to date")


@main.command()
@_database_options
def purge(database_url: str | None, var_dir: Path | None) -> None:
    """Delete expired idempotency keys and refresh tokens that can never be used again (the gateway also does
    this by itself every PSI_GATEWAY_PURGE_INTERVAL_SECONDS)."""
    from psi_gateway.idempotency import IdempotencyStore
    from psi_gateway.purge import purge_all

    identity = _identity(database_url, var_dir)
    settings = identity.settings
    store = IdempotencyStore(
        identity.db, settings.idempotency_ttl_seconds, wait_seconds=0, lease_seconds=settings.idempotency_lease_seconds
    )
    deleted = purge_all(store, identity)
    click.echo(
        f"deleted {deleted['idempotency_keys']} expired idempotency keys and "
        f"{deleted['refresh_tokens']} dead refresh tokens"
    )


@click.group()
def users() -> None:
    """The gateway's users: list them, reset a lost password."""


@users.command("list")
@_database_options
def list_users(database_url: str | None, var_dir: Path | None) -> None:
    """Every user with roles and state."""
    identity = _identity(database_url, var_dir)
    page = 1
    while True:
        items, total = identity.list_users(page, 200)
        for user in items:
            state = "active" if user["active"] else "inactive"
            click.echo(f"{user['id']:>6}  {user['username']:<32} {state:<8}  {', '.join(user['roles'])}")
        if page * 200 >= total:
            return
        page += 1


@users.command("reset-password")
@click.argument("username")
@click.option("--prompt", "ask", is_flag=True, help="type the new password at a hidden prompt instead")
@click.option("--password-stdin", is_flag=True, help="read the new password from the first line of stdin")
@click.option("--activate", is_flag=True, help="also reactivate the account if it was deactivated")
@_database_options
def reset_password(
    username: str, ask: bool, password_stdin: bool, activate: bool, database_url: str | None, var_dir: Path | None
) -> None:
    """Give USERNAME a new password and end their sessions (refresh tokens revoked).

    Without --prompt or --password-stdin a password is generated and printed once: pass it on safely.
    """
    if ask and password_stdin:
        raise click.UsageError("give --prompt or --password-stdin, not both")
    identity = _identity(database_url, var_dir)
    generated = not (ask or password_stdin)
    if ask:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = secrets.token_urlsafe(12)  # 16 characters, 96 random bits
    try:
        user = identity.reset_password(username, password, activate=activate)
    except ProblemError as exc:
        raise click.ClickException(exc.detail) from None
    state = "active" if user["active"] else "inactive (add --activate to reactivate it)"
    click.echo(f"password of {username} reset; their refresh tokens are revoked; the account is {state}")
    if generated:
        click.echo(f"new password: {password}")


main.add_command(users)

if __name__ == "__main__":
    main()
