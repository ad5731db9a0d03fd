"""The committed OpenAPI snapshots ship in the package and load through importlib.resources."""

from __future__ import annotations

import pytest

from psi_contracts.openapi import load_spec, services


def test_every_service_has_a_snapshot() -> None:
    assert services() == sorted(services())
    assert set(services()) >= {"purchasing", "sales", "inventory", "finance", "reporting"}


@pytest.mark.parametrize("service", services())
def test_snapshot_is_an_openapi_3_document_of_that_service(service: str) -> None:
    spec = load_spec(service)
    assert spec["openapi"] == "3.0.3"
    assert spec["info"]["title"].lower().endswith(service)
    for path in spec["paths"]:
        assert path.startswith(f"/api/v1/{service}/"), path


def test_load_spec_returns_a_fresh_copy() -> None:
    spec = load_spec("inventory")
    spec["paths"].clear()
    assert load_spec("inventory")["paths"]


def test_unknown_service_has_no_snapshot() -> None:
    with pytest.raises(FileNotFoundError, match="make openapi"):
        load_spec("nonexistent")
