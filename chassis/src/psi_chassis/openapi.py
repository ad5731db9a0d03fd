"""A service's OpenAPI description, built the one way the CLI and the snapshot test both use.

``psi openapi <service> FILE`` writes :func:`render_spec` of :func:`openapi_spec`; the committed snapshots under
``contracts/src/psi_contracts/openapi/`` are those files, and ``tests/test_openapi_snapshots.py`` rebuilds the
documents here and compares. The document depends on the code only: settings are fixed (no database is opened,
the broker URL is the in-process one), so it is the same on every machine.
"""

from __future__ import annotations

import json
from typing import Any

from psi_chassis.service import ServiceDefinition

__all__ = ["openapi_spec", "render_spec"]

#: The only setting the spec build supplies; everything else takes the service's defaults.
_SPEC_ENV = {"AMQP_URL": "memory://"}


def openapi_spec(definition: ServiceDefinition) -> dict[str, Any]:
    """The OpenAPI document of ``definition``'s API, as flask-smorest describes it (JSON-ready)."""
    from psi_chassis.app import create_service_app

    settings = definition.load_settings(dict(_SPEC_ENV))
    app = create_service_app(definition, settings, configure_logs=False)
    spec: dict[str, Any] = json.loads(json.dumps(app.extensions["psi_api"].spec.to_dict()))
    return spec


def render_spec(spec: dict[str, Any]) -> str:
    """The snapshot text of ``spec``: sorted keys, two-space indent, trailing newline."""
    return json.dumps(spec, indent=2, sort_keys=True) + "\n"
