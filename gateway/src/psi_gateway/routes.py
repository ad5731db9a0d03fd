"""The gateway's allow-list: every public API route, the service behind it, and how a request is matched.

There is no catch-all: a path the table does not name is a 404 at the gateway and never reaches a service,
and a named path with another method is a 405 carrying an ``Allow`` header. Templates use werkzeug rule syntax
and are matched with a werkzeug ``Map``; the matched template is also the ``route`` label of the HTTP metrics.

The routes come from the permission table in psi_contracts, which also says who may call each one and whether a
POST honours ``Idempotency-Key``: one table is the source of truth for routing and for access.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.exceptions import MethodNotAllowed, NotFound
from werkzeug.routing import Map, RequestRedirect, Rule

from psi_contracts.permissions import PERMISSIONS

API_PREFIX = "/api/v1"
#: Routes under /api/v1/auth are the gateway's own (identity), not forwarded.
LOCAL_DOMAIN = "auth"
_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Route:
    """One allowed ``method`` on one ``path_template`` (werkzeug rule syntax), served by ``service``."""

    method: str
    path_template: str
    service: str


@dataclass(frozen=True)
class RouteMatch:
    """A request resolved against the table: the route and the converted path arguments."""

    route: Route
    arguments: Mapping[str, Any]


#: The services' public API: every route of the permission table except the gateway's own (``auth``).
#: Add a route to psi_contracts.permissions when a service exposes it; nothing else is forwarded.
ROUTES: tuple[Route, ...] = tuple(Route(p.method, p.path, p.service) for p in PERMISSIONS if p.service != LOCAL_DOMAIN)


class RouteTable:
    """The allow-list compiled into a werkzeug ``Map``.

    ``match`` raises werkzeug's ``NotFound`` for a path no route names and ``MethodNotAllowed`` (with the
    allowed methods, HEAD included wherever GET is) for a named path with another method.
    """

    def __init__(self, routes: Iterable[Route] = ROUTES) -> None:
        self._routes = tuple(routes)
        seen: set[tuple[str, str]] = set()
        rules = []
        for route in self._routes:
            if route.method not in _METHODS:
                raise ValueError(f"route {route}: method must be one of {sorted(_METHODS)}")
            if not route.path_template.startswith(API_PREFIX + "/"):
                raise ValueError(f"route {route}: path must be under {API_PREFIX}/")
            if not route.service:
                raise ValueError(f"route {route}: no service")
            key = (route.method, route.path_template)
            if key in seen:
                raise ValueError(f"route {route} is listed twice")
            seen.add(key)
            rules.append(Rule(route.path_template, methods=[route.method], endpoint=route))
        # No slash merging or redirects: a path either names a route exactly or it is not found.
        self._map = Map(rules, strict_slashes=True, merge_slashes=False, redirect_defaults=False)

    @property
    def routes(self) -> tuple[Route, ...]:
        return self._routes

    @property
    def services(self) -> tuple[str, ...]:
        """The services some route points at, in table order."""
        return tuple(dict.fromkeys(route.service for route in self._routes))

    def match(self, method: str, path: str) -> RouteMatch:
        """Resolve ``method`` and the (decoded) ``path``; raises ``NotFound`` or ``MethodNotAllowed``."""
        # A "." or ".." segment could be normalised away on the way to the service and reach a path that is
        # not on the list, so such paths are never routes.
        if any(segment in {".", ".."} for segment in path.split("/")):
            raise NotFound()
        adapter = self._map.bind("gateway.invalid")
        try:
            rule, arguments = adapter.match(path, method.upper(), return_rule=True)
        except RequestRedirect as redirect:
            raise NotFound() from redirect
        except MethodNotAllowed as error:
            raise MethodNotAllowed(valid_methods=sorted(error.valid_methods or ())) from None
        return RouteMatch(route=rule.endpoint, arguments=arguments)
