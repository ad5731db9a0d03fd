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


#: Where ``psi dev`` keeps the first admin's generated password (like Jenkins' initialAdminPassword file).
ADMIN_PASSWORD_FILE = "admin-password"


def _remember_admin_password(var_dir: Path, password: str) -> Path:
    """Keep the generated password in ``var/`` (owner-only), so it survives a scrolled-away terminal."""
    path = var_dir / ADMIN_PASSWORD_FILE
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(password + "\n", encoding="utf-8")
    return path


def _banner(stack: Any, var_dir: Path) -> list[str]:
    """The few lines a person needs, printed last so nothing scrolls them away."""
    gateway = stack.gateway_url
    lines = [
        "",
        f"PSI is running. Gateway: {gateway}",
        f"  API docs:  {gateway}/api/v1/docs   (JSON API under {gateway}/api/v1/)",
    ]
    password_file = var_dir / ADMIN_PASSWORD_FILE
    if stack.admin_password:
        _remember_admin_password(var_dir, stack.admin_password)
        lines.append(f"  Sign in:   {stack.admin_username} / {stack.admin_password}   (also in {password_file})")
    elif password_file.exists():
        lines.append(f"  Sign in:   {stack.admin_username} / the password in {password_file}")
    else:
        lines.append(f"  Sign in:   {stack.admin_username} / your password (forgot it? psi users reset-password)")
    services = ", ".join(f"{name} {url}" for name, url in stack.service_urls.items())
    lines += [f"  Services:  {services}", f"  Logs:      {stack.log_file}", "Press Ctrl-C to stop."]
    return lines


@main.command()
@click.option("--var", "var_dir", default="var", type=click.Path(file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1")
@click.option("--port", default=8000, type=int, help="gateway port; services take the next ones")
def dev(var_dir: Path, host: str, port: int) -> None:
    """Start the whole system in this process until Ctrl-C."""
    from psi_chassis.embedded import start_embedded

    stop = processes.stop_on_signals()
    click.echo(f"Starting PSI (data in {var_dir}/, logs in {var_dir}/logs/) ...")
    stack = start_embedded(dict(os.environ), var_dir, host=host, port=port)
    for line in _banner(stack, var_dir):
        click.echo(line)
    stop.wait()
    click.echo("stopping...")
    stack.stop()
    click.echo("stopped.")


if __name__ == "__main__":
    main()
