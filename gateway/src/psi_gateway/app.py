"""The gateway's WSGI app: allow-listed /api/v1 routes forwarded to the services, plus its own small pages.

    gunicorn -c gateway/gunicorn.conf.py 'psi_gateway.app:create_app()'

The embedded runner (``psi dev``) finds :func:`create_app` through the ``psi.gateway`` entry point and calls
it with the URLs of the services it started.

Request pipeline of a proxied call (later issues slot in where marked): request id -> route match (404/405) ->
[authentication, rate limit] -> body read under the size limit (413) -> [idempotency] -> forward through the
service's client [retry, circuit breaker] -> the service's answer, unchanged.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, Response, current_app, g, jsonify, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge
from werkzeug.middleware.proxy_fix import ProxyFix

from psi_chassis import metrics
from psi_chassis.auth import TokenVerifier, authorize
from psi_chassis.db import Database, connection_lost
from psi_chassis.errors import ProblemError
from psi_chassis.logs import configure_logging
from psi_chassis.migrations import upgrade
from psi_chassis.web import bound_int_paths, database_unavailable, install_request_hooks, problem_response
from psi_contracts.permissions import lookup
from psi_gateway import idempotency
from psi_gateway.auth_api import blueprint as auth_blueprint
from psi_gateway.config import GatewaySettings, load_settings
from psi_gateway.idempotency import IdempotencyStore
from psi_gateway.identity import Identity
from psi_gateway.openapi import openapi_blueprint
from psi_gateway.proxy import (
    OUTCOME_HEADER,
    CircuitOpen,
    ConnectTimedOut,
    Proxy,
    ServiceUnreachable,
    UpstreamError,
    UpstreamResponse,
    to_flask_response,
)
from psi_gateway.purge import Purger
from psi_gateway.ratelimit import RateLimits
from psi_gateway.routes import API_PREFIX, RouteTable

SERVICE_NAME = "gateway"
MIGRATIONS = "psi_gateway:migrations"
_PROXY_ENDPOINT = "api_proxy"
_UNMATCHED = "<unmatched>"
_log = logging.getLogger(__name__)

LANDING_TEXT = f"""PSI - purchase, sales and inventory

PSI is an event-driven purchase-sales-inventory system: purchasing, sales, inventory, finance and reporting
services that keep each other up to date through events.

This is its API gateway. The JSON API lives under {API_PREFIX}/<domain>/... (domains: purchasing, sales,
inventory, finance, reporting). Errors are application/problem+json.

  {API_PREFIX}/inventory/stock          stock balances
  {API_PREFIX}/purchasing/purchase-orders  purchase orders

Operational: /alive, /health (reachability of each service), /metrics (Prometheus).
"""


@dataclass
class GatewayRuntime:
    """What the running gateway has at hand (``app.extensions["psi_gateway"]``)."""

    settings: GatewaySettings
    routes: RouteTable
    proxy: Proxy
    db: Database
    identity: Identity
    limits: RateLimits
    idempotency: IdempotencyStore
    purger: Purger | None = None
    generated_admin_password: str | None = None
    _verifier: TokenVerifier | None = None

    @property
    def verifier(self) -> TokenVerifier:
        """Our own tokens are checked against our own key, no HTTP round trip."""
        if self._verifier is None:
            self._verifier = self.identity.verifier()
        return self._verifier


def runtime() -> GatewayRuntime:
    return current_app.extensions["psi_gateway"]


def create_app(
    service_urls: Mapping[str, str] | None = None,
    env: Mapping[str, str] | None = None,
    *,
    configure_logs: bool | None = None,
    migrate: bool = False,
    allow_generated_admin_password: bool = False,
) -> Flask:
    """Build the gateway.

    ``env`` replaces the process environment as the source of settings; ``service_urls``, when given, is
    the complete set of services (a routed service missing from it answers 503). ``configure_logs``
    defaults to configuring JSON logs only when no ``service_urls`` are passed: a host that passes them
    (the embedded runner, tests) owns the process-wide logging.
    """
    settings = load_settings(env)
    if service_urls is not None:
        settings = settings.with_service_urls(service_urls)
    if configure_logs is None:
        configure_logs = service_urls is None
    if configure_logs:
        configure_logging(SERVICE_NAME, settings.log_level)

    app = Flask("psi_gateway")
    app.config.update(MAX_CONTENT_LENGTH=settings.max_body_bytes)
    bound_int_paths(app)
    app.url_map.merge_slashes = False  # "//" is not silently redirected: paths match the table exactly or 404
    if migrate:
        upgrade(MIGRATIONS, settings.database_url)
    rt = _runtime(settings, Database(settings.database_url))
    identity = rt.identity
    rt.generated_admin_password = identity.ensure_first_admin(allow_generated_admin_password)
    app.config["PSI_GENERATED_ADMIN_PASSWORD"] = rt.generated_admin_password  # printed once by `psi dev`
    app.config["PSI_ADMIN_USERNAME"] = settings.admin_username
    identity.key  # noqa: B018 - a malformed PSI_JWT_PRIVATE_KEY fails the start, not every sign-in later
    if settings.trusted_proxies:
        # Behind a load balancer the client is the X-Forwarded-For entry the trusted proxies added.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.trusted_proxies)  # type: ignore[method-assign]
    app.extensions["psi_gateway"] = rt
    install_request_hooks(app, SERVICE_NAME, route_label=_route_label)
    _install_purge(app, rt)
    _install_error_handlers(app)
    _install_operational_routes(app)
    app.register_blueprint(auth_blueprint)
    app.register_blueprint(openapi_blueprint)  # /api/v1/openapi.json and /api/v1/docs: served here, never proxied
    app.add_url_rule(
        f"{API_PREFIX}/<path:_rest>",
        endpoint=_PROXY_ENDPOINT,
        view_func=_api_proxy,
        methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
        provide_automatic_options=False,
    )
    _log.info("gateway ready", extra={"services": dict(settings.service_urls)})
    return app


def _runtime(settings: GatewaySettings, db: Database) -> GatewayRuntime:
    """The gateway's long-lived parts: routes, forwarding client, identity, rate limits, idempotency, purger."""
    identity = Identity(settings, db)
    rt = GatewayRuntime(
        settings=settings,
        routes=RouteTable(),
        proxy=Proxy(settings),
        db=db,
        identity=identity,
        limits=RateLimits(settings),
        idempotency=IdempotencyStore(
            db,
            settings.idempotency_ttl_seconds,
            wait_seconds=settings.read_timeout,
            lease_seconds=settings.idempotency_lease_seconds,
        ),
    )
    rt.purger = Purger(rt.idempotency, identity, settings.purge_interval_seconds)
    return rt


# --- the API ------------------------------------------------------------------------------------------------


def _api_proxy(_rest: str) -> Response:
    """Forward an allow-listed request; anything else under the API prefix is a 404 or 405 problem.

    In order: route match (404/405), rate limit per IP, token and role (401/403), rate limit per user, body
    under the size limit (413), idempotency, then the service's answer, unchanged.
    """
    rt = runtime()
    matched = rt.routes.match(request.method, request.path)
    template = matched.route.path_template
    g.route_template = template
    rt.limits.hit("ip", request.remote_addr or "unknown")
    method = "GET" if request.method == "HEAD" else request.method
    permission = lookup(method, template)
    principal = authorize(permission, request.headers.get("Authorization"), rt.verifier, template)
    if principal is not None:
        rt.limits.hit("user", principal.user_id)
    body = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH, chunked bodies included
    service = matched.route.service
    key = request.headers.get(idempotency.HEADER)
    if key is None or permission is None or not permission.idempotent_create or principal is None:
        return _respond(rt, service, _forward(rt, service, body))
    key = IdempotencyStore.validate_key(key)
    print_ = idempotency.fingerprint(request.method, request.path, request.query_string, body)
    stored = rt.idempotency.claim(principal.user_id, key, print_)
    if stored is not None:
        return _replay(stored)
    answer = _forward_claimed(rt, service, body, principal.user_id, key)
    response = _respond(rt, service, answer)
    _settle(rt, principal.user_id, key, answer, response)
    return response


def _forward_claimed(rt: GatewayRuntime, service: str, body: bytes, user: str, key: str) -> UpstreamResponse:
    """Forward a request that holds an idempotency claim; a failure to get an answer settles the claim."""
    try:
        return _forward(rt, service, body)
    except (CircuitOpen, ServiceUnreachable, ConnectTimedOut):
        rt.idempotency.release(user, key)  # the request never reached the service
        raise
    except UpstreamError as exc:
        rt.idempotency.mark_unknown(user, key, exc.detail)  # timed out, dropped or broken: it may have run
        raise
    except BaseException:
        rt.idempotency.mark_unknown(user, key, "the gateway failed while forwarding the request")
        raise


def _settle(rt: GatewayRuntime, user: str, key: str, answer: UpstreamResponse, response: Response) -> None:
    """What a retry with the key will meet: the stored 2xx; a free key after an answer that proves nothing was
    written (any 4xx: a refusal commits nothing; a 5xx with ``PSI-Outcome: none``); else "outcome unknown"."""
    if answer.status < 400:
        rt.idempotency.complete(
            user,
            key,
            idempotency.StoredAnswer(
                response.status_code,
                response.headers.get("Content-Type"),
                response.get_data(),
                response.headers.get("Location"),
            ),
        )
    elif answer.status < 500 or _wrote_nothing(answer):
        rt.idempotency.release(user, key)
    else:
        rt.idempotency.mark_unknown(user, key, f"the service answered {answer.status} after a COMMIT was attempted")


def _wrote_nothing(answer: UpstreamResponse) -> bool:
    return any(name.lower() == OUTCOME_HEADER and value.strip().lower() == "none" for name, value in answer.headers)


def _forward(rt: GatewayRuntime, service: str, body: bytes) -> UpstreamResponse:
    return rt.proxy.forward(
        service,
        method=request.method,
        path=request.path,
        query_string=request.query_string,
        headers=request.headers.items(),
        body=body,
        request_id=g.request_id,
        remote_addr=_tcp_peer(),
    )


def _tcp_peer() -> str | None:
    """The address the gateway's TCP connection comes from, which X-Forwarded-For gets appended. Behind trusted
    proxies ``remote_addr`` is the client ProxyFix read from that header; the peer is the last proxy."""
    original = request.environ.get("werkzeug.proxy_fix.orig") or {}
    return original.get("REMOTE_ADDR") or request.remote_addr


def _respond(rt: GatewayRuntime, service: str, answer: UpstreamResponse) -> Response:
    return to_flask_response(answer, method=request.method, base_url=rt.settings.service_urls.get(service))


def _replay(stored: idempotency.StoredAnswer) -> Response:
    response = Response(stored.body, status=stored.status)
    if stored.content_type:
        response.headers["Content-Type"] = stored.content_type
    else:
        del response.headers["Content-Type"]
    if stored.location:
        response.headers["Location"] = stored.location
    response.headers[idempotency.REPLAYED_HEADER] = "true"
    return response


# --- edges: request id, metrics, problem details ------------------------------------------------------------


def _route_label() -> str:
    template = g.get("route_template")
    if template:
        return template
    rule = request.url_rule
    if rule is None or rule.endpoint == _PROXY_ENDPOINT:
        return _UNMATCHED
    return rule.rule


def _http_problem(error: HTTPException) -> Response:
    status = error.code or 500
    if status < 400:  # a routing redirect is not an error
        return error.get_response()
    if status >= 500:
        return problem_response(status, error.name, "The gateway could not complete the request.")
    code = error.name.upper().replace(" ", "_")  # the chassis's convention: NOT_FOUND, METHOD_NOT_ALLOWED, ...
    headers: dict[str, str] = {}
    if isinstance(error, MethodNotAllowed):
        allowed = sorted(error.valid_methods or ())
        headers["Allow"] = ", ".join(allowed)
        detail = f"{request.path} does not allow {request.method}; allowed: {', '.join(allowed)}."
    elif status == 404:
        detail = f"No API route matches {request.path}."
    elif isinstance(error, RequestEntityTooLarge):
        detail = f"The request body exceeds the limit of {runtime().settings.max_body_bytes} bytes."
    else:
        detail = error.description or error.name
    return problem_response(status, error.name, detail, code=code, headers=headers)


def _install_error_handlers(app: Flask) -> None:
    @app.errorhandler(ProblemError)
    def _problem(error: ProblemError) -> Response:
        return problem_response(
            error.status, error.title, error.detail, code=error.code, errors=error.errors, headers=error.headers
        )

    @app.errorhandler(UpstreamError)
    def _upstream(error: UpstreamError) -> Response:
        metrics.ERRORS.labels(SERVICE_NAME, "proxy", error.code).inc()
        return problem_response(error.status, error.title, error.detail, code=error.code)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        return _http_problem(error)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        if connection_lost(error):  # the gateway's own database (users, tokens, idempotency keys)
            return database_unavailable(SERVICE_NAME, error)
        _log.exception("unhandled error on %s %s", request.method, request.path)
        metrics.ERRORS.labels(SERVICE_NAME, "api", type(error).__name__).inc()
        return problem_response(500, "Internal Server Error", "The gateway could not complete the request.")


def _install_purge(app: Flask, rt: GatewayRuntime) -> None:
    """Purge expired rows now and then, after a response has gone out (see psi_gateway.purge)."""

    @app.after_request
    def _purge_when_due(response: Response) -> Response:
        if rt.purger is not None and rt.purger.due():
            response.call_on_close(rt.purger.run_if_due)
        return response


# --- the gateway's own pages --------------------------------------------------------------------------------


def _install_operational_routes(app: Flask) -> None:
    @app.get("/")
    def landing() -> Response:
        return Response(LANDING_TEXT, mimetype="text/plain")

    @app.get("/alive")
    def alive() -> Response:
        return jsonify({"status": "alive", "service": SERVICE_NAME})

    @app.get("/health")
    def health() -> Response:
        """Always 200 while the gateway runs; the body says which services answer their /alive."""
        rt = runtime()
        services = rt.proxy.health(timeout=min(rt.settings.read_timeout, 2.0))
        for name in rt.routes.services:
            services.setdefault(name, {"status": "not_configured"})
        status = "ok" if all(s["status"] == "up" for s in services.values()) else "degraded"
        return jsonify({"status": status, "service": SERVICE_NAME, "services": services})

    @app.get("/metrics")
    def metrics_view() -> Response:
        payload, content_type = metrics.render_latest(runtime().settings.prometheus_multiproc_dir)
        return Response(payload, content_type=content_type)
