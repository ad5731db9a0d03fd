"""Discovering installed services through entry points, so the chassis never imports a service by name."""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Any

from psi_chassis.service import ServiceDefinition

SERVICES_GROUP = "psi.services"
GATEWAY_GROUP = "psi.gateway"

#: Start order for the embedded runner and default ports (gateway first).
KNOWN_ORDER = ("purchasing", "sales", "inventory", "finance", "reporting")


def installed_services() -> dict[str, ServiceDefinition]:
    found: dict[str, ServiceDefinition] = {}
    for ep in entry_points(group=SERVICES_GROUP):
        definition = ep.load()
        if not isinstance(definition, ServiceDefinition):
            raise TypeError(f"entry point {ep.name} in {SERVICES_GROUP} is not a ServiceDefinition")
        found[definition.name] = definition
    order = {name: i for i, name in enumerate(KNOWN_ORDER)}
    return dict(sorted(found.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0])))


def service(name: str) -> ServiceDefinition:
    services = installed_services()
    if name not in services:
        raise KeyError(f"service {name!r} is not installed (installed: {', '.join(services) or 'none'})")
    return services[name]


def gateway_factory() -> Callable[..., Any] | None:
    for ep in entry_points(group=GATEWAY_GROUP):
        return ep.load()
    return None
