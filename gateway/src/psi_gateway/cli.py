"""``psi-gateway``: the gateway's deploy-time commands."""

from __future__ import annotations

import click

from psi_chassis.migrations import upgrade
from psi_gateway.app import MIGRATIONS
from psi_gateway.config import load_settings


@click.group()
def main() -> None:
    """Gateway administration."""


@main.command()
def migrate() -> None:
    """Apply the gateway's migrations to GATEWAY_DATABASE_URL (users, tokens, key, idempotency)."""
    upgrade(MIGRATIONS, load_settings().database_url)
    click.echo("gateway database is up to date")


if __name__ == "__main__":
    main()
