"""The body of every service's ``migrations/env.py``: online migrations against the configured URL.

A service's env.py is two lines (import this, call ``run()``) so the migration plumbing exists once.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from psi_chassis.db import make_engine


def run() -> None:
    config = context.config
    # `psi migrate <service>` sets sqlalchemy.url; plain `alembic -x url=...` works too.
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option("sqlalchemy.url")
    if not url:
        raise RuntimeError("no database URL: use `psi migrate <service>` or `alembic -x url=<url> upgrade head`")
    if context.is_offline_mode():
        context.configure(url=url, literal_binds=True, render_as_batch=url.startswith("sqlite"))
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(url, poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
