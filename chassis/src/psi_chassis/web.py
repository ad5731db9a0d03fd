"""The HTTP edges every PSI web app shares, services and gateway alike: problem details, the request id, the
input rules every request meets before routing (text no database stores, JSON bodies only, the strict JSON
loader of :mod:`psi_chassis.jsonbody`), and RED metrics by route template. Light on purpose (Flask and
prometheus only), so the gateway can use it too."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, g, jsonify, request
from werkzeug.routing import IntegerConverter, Map

from psi_chassis import metrics
from psi_chassis.actor import Actor
from psi_chassis.context import new_request_id, set_request_id
from psi_chassis.jsonbody import StrictJSONProvider, bad_text, loads_strict

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
#: Scraped and probed all day long: counted nowhere, logged nowhere.
_QUIET_ROUTES = frozenset({"/metrics", "/alive", "/health"})
_access_log = logging.getLogger("psi.access")
_log = logging.getLogger(__name__)


def problem_response(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    code: str | None = None,
    errors: Mapping[str, Any] | None = None,
    headers: Mapping[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code or title.upper().replace(" ", "_"),
        "request_id": g.get("request_id"),
    }
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_JSON
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


#: Methods whose body a PSI API reads; a body on any of them must be JSON.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _invalid_character() -> Response:
    return problem_response(
        422,
        "Unprocessable Entity",
        "Text may not contain NUL (U+0000) or unpaired surrogates.",
        code="INVALID_CHARACTER",
    )


def _check_body() -> Response | None:
    """Every body is JSON and every JSON body is one :func:`loads_strict` accepts, before routing and the token
    check, and without recursion: a deep, duplicated, broken or mislabelled body is answered here, cheaply."""
    if request.method not in _BODY_METHODS:
        return None
    body = request.get_data(cache=True)  # under MAX_CONTENT_LENGTH (413); kept for the view
    if not body:
        return None
    if not request.is_json:
        sent = request.headers.get("Content-Type")
        got = f"the request says Content-Type: {sent}" if sent else "the request has no Content-Type header"
        return problem_response(
            415,
            "Unsupported Media Type",
            f"The body must be JSON sent with the header Content-Type: application/json ({got}).",
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    # Raises a ProblemError (400, or 422 INVALID_CHARACTER), rendered by the app's handler. The parsed body is
    # kept for the view's schema (psi_chassis.jsonbody.StrictFlaskParser): a body is parsed once per request.
    g.json_body = loads_strict(body)
    return None


def _refuse_bad_input() -> Response | None:
    """No text column (PostgreSQL's least of all) can hold U+0000: refuse it at the door, whatever the field;
    then the body rules of :func:`_check_body`."""
    if bad_text(request.path) or any(bad_text(k) or bad_text(v) for k, v in request.args.items(multi=True)):
        return _invalid_character()
    return _check_body()


DATABASE_RETRY_AFTER = 2


def database_unavailable(service: str, error: BaseException) -> Response:
    """The 503 for a database that could not be used: logged in one line (no traceback: it is not a bug),
    counted, and answered with ``Retry-After``."""
    _log.warning(
        "database unavailable on %s %s: %s: %s",
        request.method,
        request.path,
        type(error).__name__,
        str(error).splitlines()[0] if str(error) else "",
    )
    metrics.ERRORS.labels(service, "database", type(error).__name__).inc()
    return problem_response(
        503,
        "Service Unavailable",
        "The service lost or could not get its database connection. If this request changed something, check "
        "before sending it again (or send it again with the same Idempotency-Key through the gateway).",
        code="DATABASE_UNAVAILABLE",
        headers={"Retry-After": str(DATABASE_RETRY_AFTER)},
    )


def accept_request_id(incoming: str | None) -> str:
    """The client's X-Request-ID when it is a sane token, else a new one (never trust it into logs unchecked)."""
    return incoming if incoming and _REQUEST_ID_RE.match(incoming) else new_request_id()


def url_rule_label() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def install_request_hooks(app: Flask, service: str, route_label: Callable[[], str] = url_rule_label) -> None:
    """Request id in and out, the input rules (NUL, body type and JSON shape), in-progress gauge, request
    counter, duration histogram by ``route_label()``, and an access log line. ``request.get_json`` reads with
    the same strict loader."""
    app.json = StrictJSONProvider(app)

    @app.before_request
    def _start() -> Response | None:
        request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_id = request_id
        g.started = time.perf_counter()
        set_request_id(request_id)
        metrics.HTTP_IN_PROGRESS.labels(service).inc()
        g.in_progress = True
        return _refuse_bad_input()

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        route = route_label()
        if route not in _QUIET_ROUTES:
            metrics.HTTP_REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
            started = g.get("started")
            elapsed = time.perf_counter() - started if started is not None else 0.0
            metrics.HTTP_DURATION.labels(service, request.method, route).observe(elapsed)
            # The access log: one JSON line per request, carrying the request id (see psi_chassis.logs).
            # A view may add fields to it (``g.access_log_extra``): the gateway names the service and its answer.
            extra = {"route": route, "status": response.status_code, "duration_ms": round(elapsed * 1000, 1)}
            added = g.get("access_log_extra")
            if added:
                extra.update(added)
            _access_log.info("%s %s %s", request.method, request.path, response.status_code, extra=extra)
        return response

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        if g.pop("in_progress", False):
            metrics.HTTP_IN_PROGRESS.labels(service).dec()
        set_request_id(None)


#: The largest id a BIGINT column holds; a bigger one in a path can name nothing.
MAX_ID = 2**63 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that stops at BIGINT's range, so an absurd id is a 404 instead of a database overflow."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:  # noqa: A002 - werkzeug's signature
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def bound_int_paths(app: Flask) -> None:
    """Use :class:`BoundedIntConverter` for every ``<int:...>`` rule added to ``app`` from now on."""
    app.url_map.converters["int"] = BoundedIntConverter


def current_actor() -> Actor:
    """The verified caller of this request (``g.principal``, set by the role check) as a command's :class:`Actor`."""
    principal = g.principal
    return Actor(user_id=principal.user_id, username=principal.username, roles=frozenset(principal.roles))
