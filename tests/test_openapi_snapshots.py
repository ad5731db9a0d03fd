"""Each service's committed OpenAPI snapshot is what its code describes (no servers, database or broker needed).

A change to an HTTP API therefore always arrives with a change to contracts/src/psi_contracts/openapi/, which is
what reviewers and the gateway's merged document read. The fix for a failure here is `make openapi`.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import pytest

from psi_chassis.openapi import openapi_spec, render_spec
from psi_chassis.registry import installed_services
from psi_contracts import openapi as snapshots

SERVICES = sorted(installed_services())
FIX = "run `make openapi` and commit contracts/src/psi_contracts/openapi/"


def _differences(expected: dict[str, Any], actual: dict[str, Any]) -> list[str]:
    """A short summary of what changed: paths, components and other top-level keys."""
    lines: list[str] = []
    sections = [("paths", expected.get("paths", {}), actual.get("paths", {}))]
    for kind in sorted(set(expected.get("components", {})) | set(actual.get("components", {}))):
        sections.append(
            (
                f"components/{kind}",
                expected.get("components", {}).get(kind, {}),
                actual.get("components", {}).get(kind, {}),
            )
        )
    sections.append(
        (
            "top level",
            {k: v for k, v in expected.items() if k not in {"paths", "components"}},
            {k: v for k, v in actual.items() if k not in {"paths", "components"}},
        )
    )
    for label, old, new in sections:
        added = sorted(set(new) - set(old))
        removed = sorted(set(old) - set(new))
        changed = sorted(key for key in set(old) & set(new) if old[key] != new[key])
        for verb, keys in (("added", added), ("removed", removed), ("changed", changed)):
            if keys:
                lines.append(f"  {label} {verb}: {', '.join(keys)}")
    return lines


def test_every_installed_service_has_a_snapshot_and_no_other() -> None:
    assert SERVICES, "no service is installed"
    assert snapshots.services() == SERVICES, f"snapshots {snapshots.services()} != services {SERVICES}; {FIX}"


@pytest.mark.parametrize("name", SERVICES)
def test_snapshot_matches_the_code(name: str) -> None:
    try:
        committed = snapshots.load_spec(name)
    except FileNotFoundError:
        pytest.fail(f"{name} has no OpenAPI snapshot; {FIX}")
    current = openapi_spec(installed_services()[name])
    if current != committed:
        summary = "\n".join(_differences(committed, current))
        pytest.fail(f"the OpenAPI description of {name} differs from its committed snapshot:\n{summary}\n{FIX}")
    text = resources.files(snapshots).joinpath(f"{name}.json").read_text(encoding="utf-8")
    assert text == render_spec(current), f"{name}.json is not in the form `psi openapi` writes; {FIX}"
    assert json.loads(text) == committed
