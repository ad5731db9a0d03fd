"""The merged OpenAPI document and the docs page: built from the committed snapshots, served by the gateway itself."""

from __future__ import annotations

import json
import re
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from psi_contracts.openapi import load_spec, services
from psi_gateway import __version__
from psi_gateway.app import create_app
from psi_gateway.openapi import GATEWAY_PATHS, GATEWAY_TAG, merge_specs, merged_spec
from psi_gateway.routes import RouteTable

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def _refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref" and isinstance(item, str):
                yield item
            else:
                yield from _refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} is not a local reference"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


# --- the real document --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def merged() -> dict[str, Any]:
    return merged_spec(GATEWAY_PATHS)


def test_every_service_has_a_snapshot() -> None:
    assert set(services()) >= {"purchasing", "sales", "inventory", "finance", "reporting"}


def test_merged_document_has_every_snapshot_path_and_only_api_paths(merged: dict[str, Any]) -> None:
    assert merged["openapi"] == "3.0.3"
    assert merged["info"]["title"] == "PSI API"
    assert merged["info"]["version"] == __version__
    for service in services():
        snapshot = load_spec(service)
        for path, item in snapshot["paths"].items():
            if path.startswith("/api/v1/"):
                assert path in merged["paths"], f"{service} {path} missing from the merged document"
                for method in METHODS:
                    if method in item:
                        assert merged["paths"][path][method]["tags"] == [service]
    for path in merged["paths"]:
        assert path.startswith("/api/v1/"), path
    for operational in ("/health", "/alive", "/metrics", "/openapi.json"):
        assert operational not in merged["paths"]
    assert "/api/v1/openapi.json" in merged["paths"] and "/api/v1/docs" in merged["paths"]
    assert merged["paths"]["/api/v1/docs"]["get"]["tags"] == [GATEWAY_TAG]


def test_merged_document_has_a_tag_for_each_service_with_operations(merged: dict[str, Any]) -> None:
    tags = [tag["name"] for tag in merged["tags"]]
    assert len(tags) == len(set(tags))
    used = {tag for _, _, operation in _operations(merged) for tag in operation["tags"]}
    assert used == set(tags)
    assert {"purchasing", "inventory", GATEWAY_TAG} <= set(tags)


def test_every_ref_in_the_merged_document_resolves(merged: dict[str, Any]) -> None:
    refs = set(_refs(merged))
    assert refs, "the merged document should use references"
    for ref in refs:
        _resolve(merged, ref)


def test_every_documented_operation_is_routed_to_its_service(merged: dict[str, Any]) -> None:
    """The docs never advertise an operation the gateway's allow-list answers with 404 or 405."""
    table = RouteTable()
    for path, method, operation in _operations(merged):
        (service,) = operation["tags"]
        if service == GATEWAY_TAG:
            continue
        concrete = re.sub(r"\{[^}]+\}", "1", path)
        match = table.match(method.upper(), concrete)
        assert match.route.service == service, f"{method.upper()} {path} is routed to {match.route.service}"


# --- merging, on tiny fake documents ------------------------------------------------------------------------


def _fake(service: str, line_props: dict[str, Any], extra_paths: dict[str, Any] | None = None) -> dict[str, Any]:
    error = {"type": "object", "properties": {"message": {"type": "string"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": f"Fake {service}", "version": "1.0"},
        "tags": [{"name": "things", "description": "Things"}],
        "paths": {
            f"/api/v1/{service}/orders": {
                "get": {
                    "tags": ["things"],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Order"}}},
                        },
                        "default": {"$ref": "#/components/responses/DEFAULT_ERROR"},
                    },
                }
            },
            "/health": {"get": {"responses": {"200": {"description": "OK"}}}},
            "/alive": {"get": {"responses": {"200": {"description": "OK"}}}},
            "/metrics": {"get": {"responses": {"200": {"description": "OK"}}}},
            "/openapi.json": {"get": {"responses": {"200": {"description": "OK"}}}},
            **(extra_paths or {}),
        },
        "components": {
            "schemas": {
                "Error": error,
                "Line": {"type": "object", "properties": line_props},
                # Textually identical in both services, but its Line differs: it must be renamed too.
                "Order": {"type": "array", "items": {"$ref": "#/components/schemas/Line"}},
            },
            "responses": {
                "DEFAULT_ERROR": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                }
            },
        },
    }


def test_merge_renames_only_colliding_components_and_rewrites_refs() -> None:
    a = _fake("alpha", {"sku": {"type": "string"}})
    b = _fake("beta", {"sku": {"type": "integer"}})
    before = json.dumps([a, b], sort_keys=True)

    doc = merge_specs({"alpha": a, "beta": b}, version="9.9")

    assert json.dumps([a, b], sort_keys=True) == before, "the inputs are not modified"
    schemas = doc["components"]["schemas"]
    assert set(schemas) == {"Error", "AlphaLine", "BetaLine", "AlphaOrder", "BetaOrder"}
    assert schemas["AlphaLine"]["properties"]["sku"]["type"] == "string"
    assert schemas["BetaLine"]["properties"]["sku"]["type"] == "integer"
    assert schemas["AlphaOrder"]["items"] == {"$ref": "#/components/schemas/AlphaLine"}
    assert schemas["BetaOrder"]["items"] == {"$ref": "#/components/schemas/BetaLine"}
    # identical definitions are kept once, under their own name
    assert set(doc["components"]["responses"]) == {"DEFAULT_ERROR"}

    alpha_get = doc["paths"]["/api/v1/alpha/orders"]["get"]
    beta_get = doc["paths"]["/api/v1/beta/orders"]["get"]
    assert alpha_get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/AlphaOrder"
    )
    assert beta_get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"] == (
        "#/components/schemas/BetaOrder"
    )
    assert alpha_get["tags"] == ["alpha"] and beta_get["tags"] == ["beta"]
    assert set(doc["paths"]) == {"/api/v1/alpha/orders", "/api/v1/beta/orders"}
    assert [tag["name"] for tag in doc["tags"]] == ["alpha", "beta"]
    assert doc["info"]["version"] == "9.9" and doc["openapi"] == "3.0.3"
    for ref in _refs(doc):
        _resolve(doc, ref)


def test_merge_renames_colliding_responses_with_an_upper_case_prefix() -> None:
    a = _fake("alpha", {})
    b = _fake("beta", {})
    b["components"]["responses"]["DEFAULT_ERROR"]["description"] = "Something else"

    doc = merge_specs({"alpha": a, "beta": b})

    assert set(doc["components"]["responses"]) == {"ALPHA_DEFAULT_ERROR", "BETA_DEFAULT_ERROR"}
    assert set(doc["components"]["schemas"]) == {"Error", "Line", "Order"}
    beta_default = doc["paths"]["/api/v1/beta/orders"]["get"]["responses"]["default"]
    assert beta_default == {"$ref": "#/components/responses/BETA_DEFAULT_ERROR"}


def test_a_renamed_component_never_takes_an_existing_name() -> None:
    a = _fake("alpha", {"sku": {"type": "string"}})
    b = _fake("beta", {"sku": {"type": "integer"}})
    b["components"]["schemas"]["AlphaLine"] = {"type": "string"}

    doc = merge_specs({"alpha": a, "beta": b})

    schemas = doc["components"]["schemas"]
    assert schemas["AlphaLine"] == {"type": "string"}
    assert schemas["AlphaOrder"]["items"] == {"$ref": "#/components/schemas/AlphaLine2"}
    assert schemas["AlphaLine2"]["properties"]["sku"]["type"] == "string"


def test_merge_rejects_a_path_defined_twice() -> None:
    clash = {"/api/v1/alpha/orders": {"get": {"responses": {"200": {"description": "OK"}}}}}
    with pytest.raises(ValueError, match="/api/v1/alpha/orders"):
        merge_specs({"alpha": _fake("alpha", {}), "beta": _fake("beta", {}, clash)})
    with pytest.raises(ValueError, match="gateway"):
        merge_specs({"alpha": _fake("alpha", {})}, gateway_paths=clash)


# --- serving ------------------------------------------------------------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> FlaskClient:
    """An anonymous client of a gateway whose services are all unreachable: what answers here was not proxied."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    urls = dict.fromkeys(("purchasing", "sales", "inventory", "finance", "reporting"), dead)
    env = {"PSI_GATEWAY_CONNECT_TIMEOUT": "0.2", "GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}"}
    return create_app(service_urls=urls, env=env, migrate=True, allow_generated_admin_password=True).test_client()


def test_gateway_serves_the_merged_document(client: FlaskClient, merged: dict[str, Any]) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.get_json() == merged
    again = client.get("/api/v1/openapi.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_docs_page_uses_the_local_swagger_ui(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'src="/api/v1/docs/static/swagger-ui-bundle.js"' in page
    assert 'href="/api/v1/docs/static/swagger-ui.css"' in page
    assert 'data-spec-url="/api/v1/openapi.json"' in page
    assert "http://" not in page and "https://" not in page, "no CDN: every asset comes from the gateway"
    for src in re.findall(r'(?:src|href)="([^"]+)"', page):
        assert client.get(src).status_code == 200, src


def test_swagger_ui_static_files_are_served(client: FlaskClient) -> None:
    response = client.get("/api/v1/docs/static/swagger-ui-bundle.js")
    assert response.status_code == 200
    assert response.mimetype in {"text/javascript", "application/javascript"}
    assert b"SwaggerUIBundle" in response.data
    css = client.get("/api/v1/docs/static/swagger-ui.css")
    assert css.status_code == 200 and css.mimetype == "text/css"
    init = client.get("/api/v1/docs/initializer.js")
    assert init.status_code == 200 and init.mimetype in {"text/javascript", "application/javascript"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/docs/static/index.html",
        "/api/v1/docs/static/swagger-initializer.js",
        "/api/v1/docs/static/../__init__.py",
        "/api/v1/docs/static/nope.js",
    ],
)
def test_only_the_pages_files_are_served(client: FlaskClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
