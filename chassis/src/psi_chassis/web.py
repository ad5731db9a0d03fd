"""The HTTP edges every PSI web app shares, services and gateway alike: problem details, the request id, and
RED metrics by route template. Light on purpose (Flask and prometheus only), so the gateway can use it too."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask, Response, g, jsonify, request

from psi_chassis import metrics
from psi_chassis.context import new_request_id, set_request_id

PROBLEM_JSON = "application/problem+json"
REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


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


def accept_request_id(incoming: str | None) -> str:
    """The client's X-Request-ID when it is a sane token, else a new one (never trust it into logs unchecked)."""
    return incoming if incoming and _REQUEST_ID_RE.match(incoming) else new_request_id()


def url_rule_label() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"


def install_request_hooks(app: Flask, service: str, route_label: Callable[[], str] = url_rule_label) -> None:
    """Request id in and out, in-progress gauge, request counter and duration histogram by ``route_label()``."""
    @app.before_request
    def _start() -> None:
        request_id = accept_request_id(request.headers.get(REQUEST_ID_HEADER))
        g.request_id = request_id
        g.started = time.perf_counter()
        set_request_id(request_id)
        metrics.HTTP_IN_PROGRESS.labels(service).inc()
        g.in_progress = True

    @app.after_request
    def _finish(response: Response) -> Response:
        response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
        route = route_label()
        if route != "/metrics":
            metrics.HTTP_REQUESTS.labels(service, request.method, route, str(response.status_code)).inc()
            started = g.get("started")
            if started is not None:
                metrics.HTTP_DURATION.labels(service, request.method, route).observe(time.perf_counter() - started)
        return response

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        if g.pop("in_progress", False):
            metrics.HTTP_IN_PROGRESS.labels(service).dec()
        set_request_id(None)
