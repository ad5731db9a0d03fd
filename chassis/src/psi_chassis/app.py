"""The Flask app factory every PSI API shares.

It gives each service the same edges: application/problem+json for every failure (a lost database connection is
a 503 with Retry-After, and a 5xx that wrote nothing says so in ``PSI-Outcome: none`` for the gateway),
X-Request-ID in and out, the input rules of psi_chassis.web, JSON logs, RED metrics by route template, /health,
/alive and /metrics, and an OpenAPI description from the flask-smorest schemas.
"""

from __future__ import annotations

import http
import logging
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from flask_smorest import Api
from flask_smorest.utils import prepare_response
from marshmallow import Schema, fields
from sqlalchemy import text
from werkzeug.exceptions import HTTPException, InternalServerError

from psi_chassis import metrics
from psi_chassis.auth import PermissionLookup, TokenVerifier, install_authorization
from psi_chassis.broker import check_broker
from psi_chassis.db import Database, commit_attempted, connection_lost, reset_commit_tracking
from psi_chassis.errors import ProblemError
from psi_chassis.jsonbody import install_strict_parser
from psi_chassis.logs import configure_logging
from psi_chassis.service import ServiceDefinition
from psi_chassis.settings import ServiceSettings
from psi_chassis.web import (
    MAX_ID,
    PROBLEM_JSON,
    BoundedIntConverter,
    bound_int_paths,
    database_unavailable,
    install_request_hooks,
    problem_response,
)
from psi_contracts.permissions import lookup

_log = logging.getLogger(__name__)
BEARER = "bearerAuth"
# Before any service's API module is imported (create_service_app imports them): @blp.arguments reads JSON bodies
# with the strict loader. psi_chassis.api_schemas does the same on import.
install_strict_parser()


@dataclass
class ServiceRuntime:
    """What a running API needs at hand: its definition, settings and database."""

    definition: ServiceDefinition
    settings: ServiceSettings
    db: Database


def runtime() -> ServiceRuntime:
    return current_app.extensions["psi"]


def current_db() -> Database:
    return runtime().db


def _flatten_validation(messages: Any) -> Any:
    """webargs reports ``{"json": {...}}``; clients want the field errors themselves when there is one location."""
    if isinstance(messages, dict) and len(messages) == 1:
        (only,) = messages.values()
        return only
    return messages


class ProblemSchema(Schema):
    """RFC 9457 problem details as every PSI API returns them (application/problem+json)."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    code = fields.String(required=True, metadata={"description": "Stable machine-readable error code"})
    errors = fields.Dict(metadata={"description": "Field errors, keyed like the request body"})
    request_id = fields.String(allow_none=True)


class ProblemApi(Api):
    """flask-smorest Api whose error responses are RFC 9457 problem details, and documented as such."""

    ERROR_SCHEMA = ProblemSchema

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_JSON)
            self.spec.components.response(status.name, response, lazy=True)
        response = {"description": "Problem details", "schema": self.ERROR_SCHEMA}
        prepare_response(response, self.spec, PROBLEM_JSON)
        self.spec.components.response("DEFAULT_ERROR", response, lazy=True)

    def handle_http_exception(self, error: HTTPException) -> Response:  # type: ignore[override]
        data = getattr(error, "data", None) or {}
        status = error.code or 500
        errors = data.get("errors") or data.get("messages")
        if status == 422:
            return problem_response(
                422,
                "Unprocessable Entity",
                "The request failed validation; see errors.",
                code="VALIDATION_FAILED",
                errors=_flatten_validation(errors),
            )
        if status >= 500:
            return problem_response(status, error.name, "The server could not complete the request.")
        detail = data.get("message") or error.description
        if status == 400 and request.mimetype == "application/json":
            detail = "The request body is not valid JSON."
        code = error.name.upper().replace(" ", "_")
        return problem_response(status, error.name, detail, code=code, errors=errors, headers=data.get("headers"))


def _install_error_handlers(app: Flask, service: str) -> None:
    @app.errorhandler(ProblemError)
    def _problem(error: ProblemError) -> Response:
        return problem_response(
            error.status, error.title, error.detail, code=error.code, errors=error.errors, headers=error.headers
        )

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if isinstance(error, HTTPException):
            return app.extensions["psi_api"].handle_http_exception(error)
        if connection_lost(error):
            return database_unavailable(service, error)
        _log.exception("unhandled error on %s %s", request.method, request.path)
        metrics.ERRORS.labels(service, "api", type(error).__name__).inc()
        return app.extensions["psi_api"].handle_http_exception(InternalServerError())


#: Set on a 5xx answer of a request that sent no COMMIT: nothing was written, so the gateway may let a retry with
#: the same Idempotency-Key through. The gateway removes it before the answer reaches the client.
OUTCOME_HEADER = "PSI-Outcome"


def _install_outcome_tracking(app: Flask) -> None:
    """Mark every 5xx of a request that never attempted a COMMIT with ``PSI-Outcome: none``."""

    @app.before_request
    def _reset() -> None:
        reset_commit_tracking()

    @app.after_request
    def _mark(response: Response) -> Response:
        if response.status_code >= 500 and not commit_attempted():
            response.headers[OUTCOME_HEADER] = "none"
        return response


def _install_operational_routes(app: Flask, rt: ServiceRuntime) -> None:
    @app.get("/alive")
    def alive() -> Response:
        return jsonify({"status": "alive", "service": rt.definition.name})

    @app.get("/health")
    def health() -> Response:
        checks: dict[str, str] = {}
        healthy = True
        probes = {"database": lambda: _check_database(rt.db), "broker": lambda: check_broker(rt.settings.amqp_url)}
        probes.update(rt.definition.extra_health_checks)
        for name, probe in probes.items():
            try:
                probe()
                checks[name] = "ok"
            except Exception as exc:  # noqa: BLE001 - a failing dependency is reported, not raised
                healthy = False
                checks[name] = f"error: {type(exc).__name__}: {exc}"[:300]
                _log.warning("health check %s failed: %s", name, exc)
        status = "ok" if healthy else "unavailable"
        response = jsonify({"status": status, "service": rt.definition.name, "checks": checks})
        response.status_code = 200 if healthy else 503
        return response

    @app.get("/metrics")
    def metrics_view() -> Response:
        payload, content_type = metrics.render_latest(rt.settings.prometheus_multiproc_dir)
        return Response(payload, content_type=content_type)


def _check_database(db: Database) -> None:
    with db.engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def create_service_app(
    definition: ServiceDefinition,
    settings: ServiceSettings,
    db: Database | None = None,
    *,
    configure_logs: bool = True,
    verifier: TokenVerifier | None = None,
    permissions: PermissionLookup = lookup,
) -> Flask:
    """Build the WSGI app of one service. The database engine is created lazily, after any fork.

    Every API route is checked against the permission table with the caller's verified token; ``verifier``
    defaults to the gateway's key set at ``settings.jwks_url``.
    """
    if configure_logs:
        configure_logging(definition.name, settings.log_level)
    app = Flask(f"psi_{definition.name}")
    app.config.update(
        API_TITLE=definition.title,
        API_VERSION=definition.version,
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX="/",
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=1024 * 1024,
        JSON_SORT_KEYS=False,
    )
    rt = ServiceRuntime(definition=definition, settings=settings, db=db or Database(settings.database_url))
    app.extensions["psi"] = rt
    bound_int_paths(app)
    api = ProblemApi(app, spec_kwargs={"security": [{BEARER: []}]})
    api.register_converter(BoundedIntConverter, lambda _c: {"type": "integer", "minimum": 0, "maximum": MAX_ID})
    api.spec.components.security_scheme(
        BEARER,
        {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": "Access token from POST /api/v1/auth/token at the gateway",
        },
    )
    app.extensions["psi_api"] = api
    for blueprint in definition.blueprints():
        api.register_blueprint(blueprint)
    _install_outcome_tracking(app)  # first: the reset runs before any other hook could write
    install_request_hooks(app, definition.name)
    if verifier is None:
        verifier = TokenVerifier(
            jwks_url=settings.jwks_url,
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            service=definition.name,
        )
    verifier.prefetch()  # in the background: the first token finds the key set cached (or fetches it)
    install_authorization(app, verifier, permissions)
    _install_error_handlers(app, definition.name)
    _install_operational_routes(app, rt)
    return app
