"""The gateway's OpenAPI document and its interactive docs page.

The document is built from the committed snapshots in :mod:`psi_contracts.openapi` (one per service, kept equal
to the code by ``tests/test_openapi_snapshots.py``), never by calling a service, so it is served even when a
service is down and always describes the code that was released together.

    GET /api/v1/openapi.json              the merged OpenAPI 3.0.3 document (built once, then cached)
    GET /api/v1/docs                      Swagger UI on that document
    GET /api/v1/docs/static/<file>        Swagger UI's files, from the swagger-ui-bundle package (no CDN)

Merging (:func:`merge_specs`): only operations under ``/api/v1/`` are kept (the services' operational routes are
not the public API); each operation is tagged with its service; components of every kind are merged by name, and
where two services define *different* components under one name, each service's copy is renamed with the
service as prefix (``Balance`` -> ``InventoryBalance``, ``DEFAULT_ERROR`` -> ``INVENTORY_DEFAULT_ERROR``) and
every ``$ref`` in that service's part of the document is rewritten to match. Identical definitions (the shared
``Error`` schema, say) are kept once under their own name.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, Response, abort, request, send_from_directory, url_for
from swagger_ui_bundle import swagger_ui_path

from psi_chassis.api_schemas import MAX_PAGE
from psi_chassis.registry import KNOWN_ORDER
from psi_chassis.web import MAX_ID
from psi_contracts import openapi as snapshots
from psi_contracts.permissions import ROLES
from psi_gateway import __version__
from psi_gateway.routes import API_PREFIX

__all__ = ["merged_spec", "merge_specs", "openapi_blueprint", "GATEWAY_PATHS", "GATEWAY_TAG"]

OPENAPI_VERSION = "3.0.3"
TITLE = "PSI API"
GATEWAY_TAG = "gateway"
#: Service routes that are operational, not API: never part of the merged document even if a spec lists them.
_OPERATIONAL = frozenset({"/health", "/alive", "/metrics", "/openapi.json"})
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_REF_PREFIX = "#/components/"

ComponentKey = tuple[str, str]  # (kind, name), e.g. ("schemas", "Balance")


# --- merging ------------------------------------------------------------------------------------------------


def merged_spec(gateway_paths: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The committed snapshots of every service merged into one document, plus the gateway's own paths."""
    order = {name: i for i, name in enumerate(KNOWN_ORDER)}
    names = sorted(snapshots.services(), key=lambda name: (order.get(name, len(order)), name))
    return merge_specs({name: snapshots.load_spec(name) for name in names}, gateway_paths=gateway_paths)


def merge_specs(
    specs: Mapping[str, Mapping[str, Any]],
    *,
    gateway_paths: Mapping[str, Any] | None = None,
    title: str = TITLE,
    version: str = __version__,
) -> dict[str, Any]:
    """Merge OpenAPI 3.0 documents keyed by service name (in the order given) into one document.

    ``gateway_paths`` are path items the gateway serves itself; their operations are tagged ``gateway`` unless
    they carry tags, and their ``$ref`` s must point at components of the merged document. Raises
    ``ValueError`` when two sources define the same path or a document is not OpenAPI 3.0.
    """
    specs = {service: copy.deepcopy(dict(spec)) for service, spec in specs.items()}
    for service, spec in specs.items():
        if not str(spec.get("openapi", "")).startswith("3.0."):
            raise ValueError(f"{service}: expected an OpenAPI 3.0 document, got {spec.get('openapi')!r}")
    renames = _collision_renames(specs)

    paths: dict[str, Any] = {}
    owner: dict[str, str] = {}
    components: dict[str, dict[str, Any]] = {}
    tags: list[dict[str, str]] = []
    for service, spec in specs.items():
        rewrite = _ref_rewriter(renames[service])
        _merge_components(service, spec, renames[service], rewrite, components)
        service_paths = _api_paths(service, spec, rewrite)
        _add_paths(service, service_paths, paths, owner)
        if service_paths:
            tags.append({"name": service, "description": _tag_description(service, spec)})

    if gateway_paths:
        _add_paths("the gateway", _tagged_gateway_paths(gateway_paths), paths, owner)
        tags.append({"name": GATEWAY_TAG, "description": "The gateway's own endpoints"})

    titles = ", ".join(
        f"{spec.get('info', {}).get('title', service)} {spec.get('info', {}).get('version', '')}".strip()
        for service, spec in specs.items()
    )
    document: dict[str, Any] = {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": title,
            "version": version,
            "description": (
                f"The public PSI API behind the gateway, one tag per service. Errors are application/problem+json. "
                f"Merged from the committed service descriptions: {titles}."
            ),
        },
        "tags": tags,
        "paths": dict(sorted(paths.items())),
    }
    if components:
        document["components"] = {kind: dict(sorted(defs.items())) for kind, defs in sorted(components.items())}
    return document


def _merge_components(
    service: str,
    spec: Mapping[str, Any],
    renames: Mapping[tuple[str, str], str],
    rewrite: Callable[[Any], Any],
    components: dict[str, dict[str, Any]],
) -> None:
    """Add the service's components (renamed where they collide, refs rewritten) to ``components``."""
    for kind, definitions in (spec.get("components") or {}).items():
        if kind.startswith("x-") or not isinstance(definitions, Mapping):
            continue
        merged = components.setdefault(kind, {})
        for name, definition in definitions.items():
            new_name = renames.get((kind, name), name)
            body = rewrite(definition)
            if new_name in merged and merged[new_name] != body:  # cannot happen after renaming; a guard
                raise ValueError(f"{service}: component {kind}/{new_name} clashes after renaming")
            merged[new_name] = body


def _add_paths(source: str, new: Mapping[str, Any], paths: dict[str, Any], owner: dict[str, str]) -> None:
    """Add ``new`` path items to ``paths``; a path two sources define is an error, never an overwrite."""
    for path, item in new.items():
        if path in paths:
            raise ValueError(f"path {path} is defined by both {owner[path]} and {source}")
        paths[path] = item
        owner[path] = source


def _tagged_gateway_paths(gateway_paths: Mapping[str, Any]) -> dict[str, Any]:
    """The gateway's own path items, each operation tagged ``gateway`` unless it carries tags."""
    tagged: dict[str, Any] = {}
    for path, item in gateway_paths.items():
        item = copy.deepcopy(dict(item))
        for method in _HTTP_METHODS:
            if method in item:
                item[method].setdefault("tags", [GATEWAY_TAG])
        tagged[path] = item
    return tagged


def _api_paths(service: str, spec: Mapping[str, Any], rewrite: Callable[[Any], Any]) -> dict[str, Any]:
    """The service's public path items, refs rewritten, every operation tagged with the service."""
    security = spec.get("security")
    kept: dict[str, Any] = {}
    for path, item in (spec.get("paths") or {}).items():
        if path in _OPERATIONAL or not path.startswith(API_PREFIX + "/"):
            continue
        item = rewrite(item)
        for method in _HTTP_METHODS:
            operation = item.get(method)
            if operation is None:
                continue
            operation["tags"] = [service]
            if security is not None:  # a document-wide requirement moves onto each operation that lacks one
                operation.setdefault("security", copy.deepcopy(security))
            if "operationId" in operation:
                operation["operationId"] = f"{service}_{operation['operationId']}"
        kept[path] = item
    return kept


def _tag_description(service: str, spec: Mapping[str, Any]) -> str:
    title = (spec.get("info") or {}).get("title") or service
    groups = [tag.get("description") or tag.get("name") for tag in spec.get("tags") or () if tag.get("name")]
    return f"{title}: {', '.join(groups)}" if groups else str(title)


def _collision_renames(specs: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[ComponentKey, str]]:
    """Per service, the components to rename because another service defines a different one by that name.

    Two definitions are "the same" only if they are equal once their own references are renamed, so the
    comparison repeats until nothing new collides (an ``Order`` pointing at two different ``Line`` s differs).
    """
    renames: dict[str, dict[ComponentKey, str]] = {service: {} for service in specs}
    taken: dict[str, set[str]] = {}
    for spec in specs.values():
        for kind, definitions in (spec.get("components") or {}).items():
            if isinstance(definitions, Mapping):
                taken.setdefault(kind, set()).update(definitions)
    while True:
        variants: dict[ComponentKey, dict[str, list[str]]] = {}
        for service, spec in specs.items():
            rewrite = _ref_rewriter(renames[service])
            for kind, definitions in (spec.get("components") or {}).items():
                if kind.startswith("x-") or not isinstance(definitions, Mapping):
                    continue
                for name, definition in definitions.items():
                    if (kind, name) in renames[service]:
                        continue
                    canonical = json.dumps(rewrite(definition), sort_keys=True)
                    variants.setdefault((kind, name), {}).setdefault(canonical, []).append(service)
        collided = {key: by_body for key, by_body in variants.items() if len(by_body) > 1}
        if not collided:
            return renames
        for (kind, name), by_body in collided.items():
            for services in by_body.values():
                for service in services:
                    new_name = _unique(_prefixed(service, name), taken.setdefault(kind, set()))
                    renames[service][(kind, name)] = new_name


def _prefixed(service: str, name: str) -> str:
    words = [word for word in re.split(r"[^A-Za-z0-9]+", service) if word]
    if name.isupper():  # DEFAULT_ERROR -> INVENTORY_DEFAULT_ERROR
        return "_".join(word.upper() for word in words) + "_" + name
    return "".join(word[:1].upper() + word[1:] for word in words) + name  # Balance -> InventoryBalance


def _unique(name: str, taken: set[str]) -> str:
    candidate, n = name, 2
    while candidate in taken:
        candidate, n = f"{name}{n}", n + 1
    taken.add(candidate)
    return candidate


def _ref_rewriter(renames: Mapping[ComponentKey, str]) -> Callable[[Any], Any]:
    """A function returning a deep copy of a JSON value with local component references renamed."""

    def rename_ref(ref: str) -> str:
        if not ref.startswith(_REF_PREFIX):
            return ref
        kind, _, rest = ref[len(_REF_PREFIX) :].partition("/")
        raw_name, slash, tail = rest.partition("/")
        name = raw_name.replace("~1", "/").replace("~0", "~")
        new_name = renames.get((kind, name))
        if new_name is None:
            return ref
        escaped = new_name.replace("~", "~0").replace("/", "~1")
        return f"{_REF_PREFIX}{kind}/{escaped}{slash}{tail}"

    def walk(value: Any) -> Any:
        if isinstance(value, Mapping):
            out = {}
            for key, item in value.items():
                if key == "$ref" and isinstance(item, str):
                    out[key] = rename_ref(item)
                elif key == "discriminator" and isinstance(item, Mapping) and isinstance(item.get("mapping"), Mapping):
                    out[key] = {**walk(item), "mapping": {k: rename_ref(v) for k, v in item["mapping"].items()}}
                else:
                    out[key] = walk(item)
            return out
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk


# --- serving ------------------------------------------------------------------------------------------------

_JSON_RESPONSE = {"application/json": {"schema": {"type": "object"}}}
#: The gateway's own endpoints under the API prefix, described in the merged document.
GATEWAY_PATHS: dict[str, Any] = {
    f"{API_PREFIX}/openapi.json": {
        "get": {
            "summary": "This document: every service's API merged into one OpenAPI description.",
            "responses": {"200": {"description": "OK", "content": _JSON_RESPONSE}},
        }
    },
    f"{API_PREFIX}/docs": {
        "get": {
            "summary": "Interactive documentation (Swagger UI) of this document.",
            "responses": {"200": {"description": "OK", "content": {"text/html": {"schema": {"type": "string"}}}}},
        }
    },
}

_PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
_ROLES = {"type": "array", "items": {"type": "string", "enum": list(ROLES)}, "minItems": 1}
_USER = {
    "type": "object",
    "required": ["id", "username", "roles", "active", "created_at", "updated_at"],
    "properties": {
        "id": {"type": "integer"},
        "username": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string"}},
        "active": {"type": "boolean"},
        "created_at": {"type": "string", "format": "date-time"},
        "updated_at": {"type": "string", "format": "date-time"},
    },
}
_TOKENS = {
    "type": "object",
    "required": ["access_token", "token_type", "expires_in", "refresh_token", "roles"],
    "properties": {
        "access_token": {"type": "string"},
        "token_type": {"type": "string", "enum": ["Bearer"]},
        "expires_in": {"type": "integer"},
        "refresh_token": {"type": "string"},
        "roles": {"type": "array", "items": {"type": "string"}},
    },
}


def _body(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": properties, "required": required, "additionalProperties": False}
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _ok(schema: dict[str, Any], status: str = "200") -> dict[str, Any]:
    return {
        status: {"description": "OK", "content": {"application/json": {"schema": schema}}},
        "default": {"description": "Problem details", "content": _PROBLEM},
    }


_PUBLIC: list[dict[str, Any]] = []  # an empty security requirement: no token needed
_USER_ID = [
    {"name": "user_id", "in": "path", "required": True, "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID}}
]
_AUTH_PATHS: dict[str, Any] = {
    f"{API_PREFIX}/auth/token": {
        "post": {
            "summary": "Sign in: an access token (15 min) and a refresh token.",
            "security": _PUBLIC,
            "requestBody": _body(
                {
                    "username": {"type": "string", "minLength": 1, "maxLength": 64},
                    "password": {"type": "string", "minLength": 1, "maxLength": 128},
                },
                ["username", "password"],
            ),
            "responses": _ok(_TOKENS),
        }
    },
    f"{API_PREFIX}/auth/refresh": {
        "post": {
            "summary": "Trade a refresh token (used once) for a new pair.",
            "security": _PUBLIC,
            "requestBody": _body(
                {"refresh_token": {"type": "string", "minLength": 1, "maxLength": 256}}, ["refresh_token"]
            ),
            "responses": _ok(_TOKENS),
        }
    },
    f"{API_PREFIX}/auth/jwks": {
        "get": {
            "summary": "The public keys that verify access tokens (JWKS).",
            "security": _PUBLIC,
            "responses": _ok(
                {
                    "type": "object",
                    "required": ["keys"],
                    "properties": {"keys": {"type": "array", "items": {"type": "object"}}},
                }
            ),
        }
    },
    f"{API_PREFIX}/auth/me": {
        "get": {
            "summary": "Who the token belongs to.",
            "responses": _ok(
                {
                    "type": "object",
                    "required": ["id", "username", "roles"],
                    "properties": {
                        "id": {"type": "string"},
                        "username": {"type": "string"},
                        "roles": {"type": "array", "items": {"type": "string"}},
                    },
                }
            ),
        }
    },
    f"{API_PREFIX}/auth/users": {
        "get": {
            "summary": "Users (admin).",
            "parameters": [
                {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}},
                {"name": "page_size", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 200}},
            ],
            "responses": _ok(
                {
                    "type": "object",
                    "required": ["items", "page", "page_size", "total"],
                    "properties": {
                        "items": {"type": "array", "items": _USER},
                        "page": {"type": "integer"},
                        "page_size": {"type": "integer"},
                        "total": {"type": "integer"},
                    },
                }
            ),
        },
        "post": {
            "summary": "Create a user (admin).",
            "requestBody": _body(
                {
                    "username": {"type": "string", "pattern": "^[A-Za-z0-9_.@-]{3,64}$"},
                    "password": {"type": "string", "minLength": 8, "maxLength": 128},
                    "roles": _ROLES,
                    "active": {"type": "boolean"},
                },
                ["username", "password", "roles"],
            ),
            "responses": _ok(_USER, "201"),
        },
    },
    f"{API_PREFIX}/auth/users/{{user_id}}": {
        "get": {"summary": "One user (admin).", "parameters": _USER_ID, "responses": _ok(_USER)},
        "patch": {
            "summary": "Change roles, password or active flag (admin); ends the user's sessions.",
            "parameters": _USER_ID,
            "requestBody": _body(
                {
                    "password": {"type": "string", "minLength": 8, "maxLength": 128},
                    "roles": _ROLES,
                    "active": {"type": "boolean"},
                },
                [],
            ),
            "responses": _ok(_USER),
        },
    },
}
for _operations in _AUTH_PATHS.values():
    for _operation in _operations.values():
        _operation.setdefault("security", [{"bearerAuth": []}])  # all but token, refresh and jwks need one
GATEWAY_PATHS.update(_AUTH_PATHS)

#: The Swagger UI files the docs page uses; nothing else in the bundle's folder is served.
_STATIC_FILES = frozenset(
    {
        "swagger-ui.css",
        "swagger-ui-bundle.js",
        "favicon-32x32.png",
        "favicon-16x16.png",
    }
)
_STATIC_MAX_AGE = 24 * 3600

_DOCS_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>{title} - docs</title>
    <link rel="stylesheet" type="text/css" href="{css}">
    <link rel="icon" type="image/png" href="{icon32}" sizes="32x32">
    <link rel="icon" type="image/png" href="{icon16}" sizes="16x16">
  </head>
  <body>
    <div id="swagger-ui" data-spec-url="{spec}"></div>
    <script src="{bundle}" charset="UTF-8"></script>
    <script src="{init}" charset="UTF-8"></script>
  </body>
</html>
"""

# A file, not an inline script, so a Content-Security-Policy of script-src 'self' does not break the page.
_INITIALIZER_JS = """window.addEventListener("load", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""

openapi_blueprint = Blueprint("openapi", __name__, url_prefix=API_PREFIX)


@functools.cache
def _spec_body() -> bytes:
    return json.dumps(merged_spec(GATEWAY_PATHS), indent=2, sort_keys=True).encode()


@openapi_blueprint.get("/openapi.json")
def spec() -> Response:
    response = Response(_spec_body(), mimetype="application/json")
    response.add_etag()
    return response.make_conditional(request)


@openapi_blueprint.get("/docs")
def docs() -> Response:
    def static(name: str) -> str:
        return url_for("openapi.static_file", filename=name)

    page = _DOCS_PAGE.format(
        title=TITLE,
        css=static("swagger-ui.css"),
        icon32=static("favicon-32x32.png"),
        icon16=static("favicon-16x16.png"),
        bundle=static("swagger-ui-bundle.js"),
        init=url_for("openapi.initializer"),
        spec=url_for("openapi.spec"),
    )
    return Response(page, mimetype="text/html")


@openapi_blueprint.get("/docs/initializer.js")
def initializer() -> Response:
    return Response(_INITIALIZER_JS, mimetype="text/javascript")


@openapi_blueprint.get("/docs/static/<path:filename>")
def static_file(filename: str) -> Response:
    if filename not in _STATIC_FILES:
        abort(404)
    return send_from_directory(swagger_ui_path, filename, max_age=_STATIC_MAX_AGE)
