"""The skeleton is wired into the chassis: entry point, settings and an app that serves the operational routes."""

from psi_chassis.app import create_service_app
from psi_chassis.registry import service


def test_reporting_is_installed_and_serves_alive() -> None:
    definition = service("reporting")
    assert definition.migrations == "psi_reporting:migrations"
    settings = definition.load_settings({"AMQP_URL": "memory://", "REPORTING_DATABASE_URL": "sqlite://"})
    assert settings.service_name == "reporting" and settings.database_url == "sqlite://"
    app = create_service_app(definition, settings, configure_logs=False)
    response = app.test_client().get("/alive")
    assert response.get_json() == {"service": "reporting", "status": "alive"}
