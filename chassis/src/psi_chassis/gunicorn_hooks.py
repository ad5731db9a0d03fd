"""Hooks for each service's gunicorn.conf.py: fork safety and multiprocess metrics.

    from psi_chassis.gunicorn_hooks import child_exit, post_fork  # noqa: F401

The multiprocess directory is named by PROMETHEUS_MULTIPROC_DIR, which the start-up script sets and wipes before
gunicorn starts (prometheus_client reads the same variable in every worker).
"""

from __future__ import annotations

import os
from typing import Any

from psi_chassis.metrics import mark_worker_dead


def post_fork(server: Any, worker: Any) -> None:
    """Drop any database pool inherited from the master so workers never share a socket."""
    app = getattr(worker, "wsgi", None)
    runtime = getattr(app, "extensions", {}).get("psi") if app is not None else None
    if runtime is not None:
        runtime.db.dispose_after_fork()


def child_exit(server: Any, worker: Any) -> None:
    """Remove the dead worker's live gauges from the multiprocess directory."""
    mark_worker_dead(worker.pid, os.environ.get("PROMETHEUS_MULTIPROC_DIR", ""))
