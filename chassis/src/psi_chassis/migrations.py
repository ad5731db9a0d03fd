"""Run a service's Alembic migrations programmatically (the same code path for PostgreSQL and SQLite)."""

from __future__ import annotations

from alembic import command
from alembic.config import Config


def alembic_config(script_location: str, database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", script_location)
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def upgrade(script_location: str, database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(script_location, database_url), revision)


def downgrade(script_location: str, database_url: str, revision: str) -> None:
    command.downgrade(alembic_config(script_location, database_url), revision)
