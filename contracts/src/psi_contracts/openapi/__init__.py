"""Committed OpenAPI snapshots: one JSON document per service, shipped inside the package.

Each ``<service>.json`` here is exactly what ``psi openapi <service> FILE`` writes; ``make openapi``
regenerates all of them. ``tests/test_openapi_snapshots.py`` at the repository root fails when a service's
code and its snapshot differ, so a change to an HTTP API always shows up in review as a change to these
files. The gateway merges them into the one document it serves at ``/api/v1/openapi.json``, without calling
any service.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["services", "load_spec"]

_SUFFIX = ".json"


def services() -> list[str]:
    """The services that have a committed snapshot, sorted by name."""
    root = resources.files(__name__)
    return sorted(
        entry.name[: -len(_SUFFIX)] for entry in root.iterdir() if entry.is_file() and entry.name.endswith(_SUFFIX)
    )


def load_spec(service: str) -> dict[str, Any]:
    """A fresh copy of the committed OpenAPI document of ``service`` (callers may mutate it).

    Raises ``FileNotFoundError`` when the service has no snapshot.
    """
    resource = resources.files(__name__).joinpath(f"{service}{_SUFFIX}")
    if not resource.is_file():
        raise FileNotFoundError(f"no OpenAPI snapshot for service {service!r} (run `make openapi`)")
    spec: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return spec
