"""The skeleton is wired into the chassis: entry point, settings and an app that serves the operational routes."""

from psi_chassis.app import create_service_app
from psi_chassis.registry import service


def test_sales_is_installed_and_serves_alive() -> None:
    definition = service("sales")
    assert definition.migrations == "psi_sales:migrations"
    settings = definition.load_settings({"AMQP_URL": "memory://", "SALES_DATABASE_URL": "sqlite://"})
    assert settings.service_name == "sales" and settings.database_url == "sqlite://"
    app = create_service_app(definition, settings, configure_logs=False)
    response = app.test_client().get("/alive")
    assert response.get_json() == {"service": "sales", "status": "alive"}
