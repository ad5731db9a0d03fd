"""``psi-inventory``: the inventory service's own maintenance commands."""

from __future__ import annotations

import sys

import click

from psi_chassis.db import Database, run_command
from psi_inventory import config
from psi_inventory.service.rebuild import rebuild_balances


@click.group()
def main() -> None:
    """Inventory maintenance."""


@main.command("rebuild-balances")
@click.option("--apply", is_flag=True, help="correct the balance rows (default: only report)")
def rebuild(apply: bool) -> None:
    """Recompute every balance from the ledger and report differences; exit 1 if any were found."""
    db = Database(config.load_settings().database_url)
    differences = run_command(db, lambda session: rebuild_balances(session, apply))
    db.dispose()
    for d in differences:
        click.echo(f"{d.sku}\t{d.warehouse_code}\t{d.field}\tstored {d.stored}\tledger {d.from_ledger}")
    verb = "corrected" if apply else "found"
    click.echo(f"{len(differences)} difference(s) {verb}")
    # FIFO layers are never corrected automatically (which receipt is short is a judgement call).
    left = [d for d in differences if not apply or d.field == "fifo_layers_remaining"]
    if apply and left:
        click.echo(f"{len(left)} FIFO layer difference(s) need correcting by hand")
    sys.exit(1 if left else 0)


if __name__ == "__main__":
    main()
