"""``psi``: one command line for every service process, and for the embedded system.

    psi list                      installed services
    psi migrate inventory         apply the service's migrations to its database
    psi declare inventory         declare the service's queues and bindings on the broker
    psi api inventory             the service's API on the development server (production: gunicorn)
    psi consume inventory         the consumer process
    psi relay inventory           the outbox relay process
    psi openapi inventory FILE    write the service's OpenAPI description
    psi dev                       everything in one process on SQLite and the in-process bus (``make run``)

Other installed packages add command groups through the ``psi.commands`` entry point, loaded only when used:
the gateway adds ``psi users ...`` (list, reset-password) and ``psi gateway ...`` (migrate, purge).
"""

from __future__ import annotations

import os
import sys
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import click

from psi_chassis import processes
from psi_chassis.registry import installed_services, service

_PLUGIN_GROUP = "psi.commands"


class _PluginGroup(click.Group):
    """The ``psi`` group plus the command groups other packages register under ``psi.commands``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *(ep.name for ep in entry_points(group=_PLUGIN_GROUP))})

    def get_command(self, ctx: click.Context, name: str) -> Any:
        command = super().get_command(ctx, name)
        if command is not None:
            return command
        found = [ep for ep in entry_points(group=_PLUGIN_GROUP) if ep.name == name]
        return found[0].load() if found else None


@click.group(cls=_PluginGroup)
def main() -> None:
    """PSI service processes."""


@main.command("list")
def list_services() -> None:
    for name, definition in installed_services().items():
        handlers = ", ".join(h.name for h in definition.handlers) or "-"
        click.echo(f"{name:12} {definition.title:30} consumers: {handlers}")


@main.command()
@click.argument("name")
def migrate(name: str) -> None:
    processes.migrate(service(name))


@main.command()
@click.argument("name")
def declare(name: str) -> None:
    """Declare the service's consumer queues and bindings (run at deploy, before any relay publishes)."""
    for queue in processes.declare_topology(service(name)):
        click.echo(f"declared {queue}")


@main.command()
@click.argument("name")
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8001, type=int)
def api(name: str, host: str, port: int) -> None:
    from psi_chassis.app import create_service_app

    definition = service(name)
    app = create_service_app(definition, definition.load_settings(None))
    app.run(host=host, port=port, threaded=True)


@main.command()
@click.argument("name")
def consume(name: str) -> None:
    processes.run_consumer(service(name))


@main.command()
@click.argument("name")
def relay(name: str) -> None:
    processes.run_relay(service(name))


@main.command()
@click.argument("name")
@click.argument("output", type=click.Path(dir_okay=False, path_type=Path), required=False)
def openapi(name: str, output: Path | None) -> None:
    from psi_chassis.openapi import openapi_spec, render_spec

    spec = render_spec(openapi_spec(service(name)))
    if output is None:
        sys.stdout.write(spec)
    else:
        output.write_text(spec)


@main.command()
@click.option("--var", "var_dir", default="var", type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int, help="gateway port; services take the next ones")
def dev(var_dir: Path, host: str, port: int) -> None:
    """Start the whole system in this process until Ctrl-C."""
    from psi_chassis.embedded import start_embedded

    stop = processes.stop_on_signals()
    stack = start_embedded(dict(os.environ), var_dir, host=host, port=port)
    click.echo("")
    click.echo(f"PSI is running. Gateway: {stack.gateway_url}   (API under {stack.gateway_url}/api/v1/)")
    for name, url in stack.service_urls.items():
        click.echo(f"  {name:11} {url}   docs: {url}/openapi.json")
    if stack.admin_password:
        click.echo(f"First start: sign in as {stack.admin_username} / {stack.admin_password}"
                   "  (POST /api/v1/auth/token)")
    else:
        click.echo("Sign in with your existing users (PSI_ADMIN_PASSWORD sets the admin's on a fresh var/).")
    click.echo("Press Ctrl-C to stop.")
    stop.wait()
    click.echo("stopping...")
    stack.stop()
    click.echo("stopped.")


if __name__ == "__main__":
    main()
