"""JSON logs carrying the service name and the current request id, one object per line."""

from __future__ import annotations

import logging
import sys

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


def configure_logging(service: str, level: str = "INFO") -> None:
    """Route every logger to stderr as JSON. Idempotent: a second call replaces the handler."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s %(service)s %(request_id)s",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            timestamp=False,
        )
    )
    handler.addFilter(_ContextFilter(service))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_psi", False):
            root.removeHandler(existing)
    handler._psi = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level.upper())
    # kombu and werkzeug are chatty at INFO; their warnings still come through.
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
