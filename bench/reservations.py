"""Reservations per second on ONE hot SKU through the inventory API under gunicorn.

One inventory API (gunicorn, --workers) and the gateway (only to sign in) on fresh databases; one SKU seeded with
--stock units so reservations never run out; then --requests reservations of 1 unit from --clients threads, each
with its own requests.Session, calling POST /api/v1/inventory/reservations directly. Reports reservations/s, the
latency percentiles, the errors (must be 0), and checks that the SKU's reserved quantity equals the successes.

    python bench/reservations.py [--requests 5000] [--clients 50] [--workers 4]
"""

from __future__ import annotations

import argparse
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

import requests
from _common import (
    BenchStack,
    CpuMeter,
    add_common_arguments,
    latency_summary,
    machine,
    now_iso,
    report,
    server_versions,
    wait_until_quiet,
)
from sqlalchemy import func, insert, select

from psi_chassis.db import Database
from psi_chassis.types import utcnow
from psi_inventory.adapters.tables import items, reservations, stock_balances, warehouses
from psi_inventory.service.ledger import Ledger, Source

HOT, WARM, WAREHOUSE = "HOT-1", "WARM-1", "WH1"


def seed(url: str, stock: int, warm_up: int) -> None:
    db = Database(url)
    now = utcnow()
    with db.unit_of_work() as session:
        session.execute(
            insert(warehouses).values(
                code=WAREHOUSE,
                name="Main",
                active=True,
                valuation_method="moving_average",
                created_at=now,
                updated_at=now,
            )
        )
        session.execute(
            insert(items),
            [
                {
                    "sku": sku,
                    "name": sku,
                    "unit_of_measure": "pcs",
                    "active": True,
                    "version": 1,
                    "created_at": now,
                    "updated_at": now,
                }
                for sku in (HOT, WARM)
            ],
        )
        ledger = Ledger(session)
        ledger.receive(HOT, WAREHOUSE, "receipt", Decimal(stock), Decimal("1.5"), Source(now, "BENCH-SEED"))
        ledger.receive(WARM, WAREHOUSE, "receipt", Decimal(max(warm_up, 1)), Decimal("1.5"), Source(now, "BENCH-SEED"))
        session.commit()
    db.dispose()


def state(url: str) -> tuple[Decimal, Decimal, int]:
    db = Database(url)
    with db.unit_of_work() as session:
        on_hand, reserved = session.execute(
            select(stock_balances.c.on_hand, stock_balances.c.reserved).where(
                stock_balances.c.sku == HOT, stock_balances.c.warehouse_code == WAREHOUSE
            )
        ).one()
        rows = session.execute(
            select(func.count()).select_from(reservations).where(reservations.c.sku == HOT)
        ).scalar_one()
    db.dispose()
    return on_hand, reserved, int(rows)


def run(args: argparse.Namespace) -> int:
    background = wait_until_quiet(args.quiet_below, args.quiet_wait)
    with BenchStack("reservations", keep_logs=args.keep_logs) as stack:
        url = stack.database("inventory")
        stack.database("gateway")
        seed(url, args.stock, args.warm_up)
        inventory = stack.api("inventory", workers=args.workers)
        stack.api("gateway", workers=1)
        token = stack.login()
        endpoint = f"{inventory}/api/v1/inventory/reservations"
        local = threading.local()

        def reserve(reference: str, sku: str) -> tuple[int | str, float]:
            session = getattr(local, "session", None)
            if session is None:
                session = local.session = requests.Session()
                session.headers["Authorization"] = f"Bearer {token}"
            body = {"reference": reference, "warehouse_code": WAREHOUSE, "lines": [{"sku": sku, "quantity": "1"}]}
            started = time.perf_counter()
            try:
                status: int | str = session.post(endpoint, json=body, timeout=30).status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            return status, time.perf_counter() - started

        pool = ThreadPoolExecutor(max_workers=args.clients)
        try:
            # Warm-up on another SKU: every gunicorn worker has loaded its code, keys and connections.
            warm = list(pool.map(lambda i: reserve(f"W-{i}", WARM), range(args.warm_up)))
            meter = CpuMeter({"inventory_api": inventory_pid(stack), "gateway_api": gateway_pid(stack)}).start()
            started = time.perf_counter()
            results = list(pool.map(lambda i: reserve(f"R-{i}", HOT), range(args.requests)))
            elapsed = time.perf_counter() - started
            cpu = meter.stop()
        finally:
            pool.shutdown(wait=True, cancel_futures=True)  # on Ctrl-C/SIGTERM: drop the requests not yet sent

        statuses = Counter(str(status) for status, _ in results)
        successes = statuses.get("201", 0)
        errors = args.requests - successes
        on_hand, reserved, rows = state(url)
        consistent = reserved == Decimal(successes) and rows == successes and on_hand == Decimal(args.stock)
        latency = latency_summary([lat for status, lat in results if status == 201])
        cpu_ms_per_reservation = {k: round(1000 * v / max(successes, 1), 3) for k, v in cpu["cpu_s"].items()}
        result: dict[str, Any] = {
            "bench": "reservations",
            "date": now_iso(),
            "params": {
                "requests": args.requests,
                "clients": args.clients,
                "workers": args.workers,
                "stock": args.stock,
                "warm_up": args.warm_up,
            },
            "machine": machine(),
            "servers": server_versions(stack.database_admin_url),
            "background_busy_pct": background,
            "reservations_per_s": round(successes / elapsed, 1),
            "elapsed_s": round(elapsed, 3),
            "successes": successes,
            "errors": errors,
            "statuses": dict(statuses),
            "warm_up_statuses": dict(Counter(str(s) for s, _ in warm)),
            "latency": latency,
            "final": {"on_hand": str(on_hand), "reserved": str(reserved), "reservation_rows": rows},
            "consistent": consistent,
            "cpu": cpu,
            "cpu_ms_per_reservation": cpu_ms_per_reservation,
        }
        summary = [
            f"reservations: {args.requests} x 1 unit on one SKU, {args.clients} clients, inventory API "
            f"{args.workers} gunicorn workers"
            + (f"   [machine {background}% busy before the run]" if background >= args.quiet_below else ""),
            f"  {result['reservations_per_s']} reservations/s over {elapsed:.2f} s; successes {successes}, "
            f"errors {errors} {dict(statuses)}",
            f"  latency p50 {latency.get('p50_ms')} ms, p95 {latency.get('p95_ms')} ms, p99 {latency.get('p99_ms')} ms,"
            f" max {latency.get('max_ms')} ms",
            f"  final reserved {reserved} / reservation rows {rows} / successes {successes}: "
            f"{'consistent' if consistent else 'INCONSISTENT'}",
            f"  machine busy {cpu['machine_busy_pct']} %; CPU ms per reservation {cpu_ms_per_reservation}",
        ]
        report(result, summary, args.json_out)
        ok = errors == 0 and consistent
        stack.failed = not ok
        return 0 if ok else 1


def inventory_pid(stack: BenchStack) -> int:
    return next(p.pid for p in stack.processes if p.name == "inventory-api")


def gateway_pid(stack: BenchStack) -> int:
    return next(p.pid for p in stack.processes if p.name == "gateway-api")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=5000, help="reservations to make (default 5000)")
    parser.add_argument("--clients", type=int, default=50, help="concurrent client threads (default 50)")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers of the inventory API (default 4)")
    parser.add_argument("--stock", type=int, default=1_000_000, help="units of the hot SKU (default 10^6)")
    parser.add_argument("--warm-up", type=int, default=100, help="reservations on another SKU first (default 100)")
    add_common_arguments(parser)
    args = parser.parse_args()
    if args.requests > args.stock:
        parser.error("--requests must not exceed --stock (reservations must never run out)")
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
