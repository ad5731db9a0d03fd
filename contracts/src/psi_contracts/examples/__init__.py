"""Golden examples: one full envelope per event type, shipped inside the package.

They are the executable half of the contract. Producer tests check that what they emit has the same shape;
consumer tests in every service feed each example relevant to them through their handlers, so a consumer that
cannot read what the producer documents fails in CI, not in production.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

__all__ = ["example_types", "load_example", "all_examples"]

_SUFFIX = ".json"


def example_types() -> list[str]:
    """The event types that have a golden example, sorted."""
    root = resources.files(__name__)
    return sorted(
        entry.name[: -len(_SUFFIX)] for entry in root.iterdir() if entry.is_file() and entry.name.endswith(_SUFFIX)
    )


def load_example(event_type: str) -> dict[str, Any]:
    """A fresh copy of the golden envelope for ``event_type`` (callers may mutate it).

    Raises ``FileNotFoundError`` when the type has no example.
    """
    resource = resources.files(__name__).joinpath(f"{event_type}{_SUFFIX}")
    if not resource.is_file():
        raise FileNotFoundError(f"no golden example for event type {event_type!r}")
    example: dict[str, Any] = json.loads(resource.read_text(encoding="utf-8"))
    return example


def all_examples() -> dict[str, dict[str, Any]]:
    """Every golden envelope keyed by event type (fresh copies)."""
    return {event_type: load_example(event_type) for event_type in example_types()}
