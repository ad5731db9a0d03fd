"""Gateway settings come from an environment mapping only."""

from __future__ import annotations

from pathlib import Path

import pytest

from psi_chassis.settings import SettingsError
from psi_gateway.config import DEFAULT_SERVICE_URLS, load_settings


def test_defaults() -> None:
    settings = load_settings({})

    assert dict(settings.service_urls) == dict(DEFAULT_SERVICE_URLS)
    assert settings.service_urls["inventory"] == "http://127.0.0.1:8003"
    assert (settings.connect_timeout, settings.read_timeout) == (2.0, 10.0)
    assert settings.max_body_bytes == 1024 * 1024
    assert settings.log_level == "INFO"
    assert settings.purge_interval_seconds == 600.0  # every 10 minutes per worker


def test_environment_overrides() -> None:
    settings = load_settings(
        {
            "PSI_INVENTORY_URL": "http://inventory.internal:9000/",
            "PSI_GATEWAY_CONNECT_TIMEOUT": "0.5",
            "PSI_GATEWAY_READ_TIMEOUT": "3",
            "PSI_GATEWAY_MAX_BODY_BYTES": "4096",
            "LOG_LEVEL": "DEBUG",
        }
    )

    assert settings.service_urls["inventory"] == "http://inventory.internal:9000"
    assert settings.service_urls["sales"] == "http://127.0.0.1:8002"
    assert (settings.connect_timeout, settings.read_timeout, settings.max_body_bytes) == (0.5, 3.0, 4096)
    assert settings.log_level == "DEBUG"


def test_given_service_urls_are_the_complete_set() -> None:
    settings = load_settings({}).with_service_urls({"inventory": "http://127.0.0.1:1234/"})

    assert dict(settings.service_urls) == {"inventory": "http://127.0.0.1:1234"}


@pytest.mark.parametrize(
    "env",
    [
        {"PSI_SALES_URL": "127.0.0.1:8002"},
        {"PSI_SALES_URL": "ftp://127.0.0.1"},
        {"PSI_GATEWAY_READ_TIMEOUT": "soon"},
        {"PSI_GATEWAY_CONNECT_TIMEOUT": "0"},
        {"PSI_GATEWAY_MAX_BODY_BYTES": "-1"},
        {"PSI_GATEWAY_PURGE_INTERVAL_SECONDS": "-1"},
        {"PSI_GATEWAY_PURGE_INTERVAL_SECONDS": "hourly"},
    ],
)
def test_bad_settings_refuse_to_start(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError):
        load_settings(env)


def test_a_server_without_users_needs_an_admin_password(tmp_path: Path) -> None:
    from psi_gateway.app import create_app

    env = {"GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gw.db'}"}
    with pytest.raises(SettingsError, match="PSI_ADMIN_PASSWORD"):
        create_app(service_urls={}, env=env, migrate=True)
    app = create_app(service_urls={}, env=env, migrate=True, allow_generated_admin_password=True)
    generated = app.config["PSI_GENERATED_ADMIN_PASSWORD"]
    login = app.test_client().post("/api/v1/auth/token", json={"username": "admin", "password": generated})
    assert login.status_code == 200 and login.get_json()["roles"] == ["admin"]
