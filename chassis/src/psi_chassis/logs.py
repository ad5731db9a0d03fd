"""JSON logs carrying the service name and the current request id, one object per line."""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from pythonjsonlogger.json import JsonFormatter

from psi_chassis.context import get_request_id


class _ContextFilter(logging.Filter):
    def __init__(self, service: str) -> None:
        super().__init__()
        self._service = service

    def filter(self, record: logging.LogRecord) -> bool:
        record.service = self._service
        record.request_id = get_request_id()
        return True


#: Size of one log file in embedded mode before it rotates, and how many rotated files are kept.
LOG_FILE_BYTES = 10 * 1024 * 1024
LOG_FILE_BACKUPS = 5


def _json_formatter() -> JsonFormatter:
    return JsonFormatter(
        "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(request_id)s",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        timestamp=False,
    )


def configure_logging(service: str, level: str = "INFO", log_file: Path | None = None) -> None:
    """Route every logger to stderr as JSON, or to ``log_file`` when one is given. Idempotent: a second call
    replaces the handlers.

    A process under a supervisor (gunicorn, systemd, Kubernetes) logs to stderr and lets the platform collect it.
    ``make run`` is a person's terminal: there the JSON goes to a rotating file, and only errors reach the
    terminal, one short line each, so the banner and the first admin's password stay in view.
    """
    handlers: list[logging.Handler] = []
    if log_file is None:
        handlers.append(logging.StreamHandler(sys.stderr))
        handlers[0].setFormatter(_json_formatter())
    else:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        to_file = logging.handlers.RotatingFileHandler(
            log_file, maxBytes=LOG_FILE_BYTES, backupCount=LOG_FILE_BACKUPS, encoding="utf-8"
        )
        to_file.setFormatter(_json_formatter())
        to_terminal = logging.StreamHandler(sys.stderr)
        to_terminal.setLevel(logging.ERROR)
        to_terminal.setFormatter(logging.Formatter(f"PSI %(levelname)s %(name)s: %(message)s  (see {log_file})"))
        handlers += [to_file, to_terminal]
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_psi", False):
            root.removeHandler(existing)
            existing.close()
    for handler in handlers:
        handler.addFilter(_ContextFilter(service))
        handler._psi = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
    # kombu and werkzeug are chatty at INFO; their warnings still come through.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
