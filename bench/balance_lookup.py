"""Stock look-ups on a big ledger: the current balance of one SKU, and the as-of query summed from the ledger.

A fresh inventory database gets --moves ledger rows in one INSERT ... SELECT FROM generate_series (--skus SKUs x 2
warehouses, occurred_at spread over a year, in time order so each SKU's moves are scattered over the table like a
real ledger; receipts of 3 and, every fourth round, issues of 1), then stock_balances is set from the ledger sums
with one INSERT ... SELECT ... GROUP BY, and both tables are VACUUM ANALYZEd. Cost layers are not filled: neither
query reads them. Then:

(a) GET /api/v1/inventory/stock/<sku> through the inventory API (--stock-calls calls, random SKUs);
(b) GET /api/v1/inventory/stock-as-of?at=...&sku=... (--as-of-calls calls, random SKUs and times);
(c) the SQL those endpoints run (captured from psi_inventory.service.queries), under EXPLAIN (ANALYZE, BUFFERS):
    execution-time percentiles and the indexes the plans use (ix_stock_moves_sku_wh_time for the as-of query).

    python bench/balance_lookup.py [--moves 1000000] [--skus 1000] [--stock-calls 500] [--as-of-calls 200]
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import requests
from _common import (
    BenchStack,
    CpuMeter,
    add_common_arguments,
    latency_summary,
    machine,
    now_iso,
    percentile,
    psycopg_dsn,
    report,
    server_versions,
    wait_until_quiet,
)
from sqlalchemy import event

from psi_chassis.db import Database
from psi_inventory.service import queries

YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)
YEAR = timedelta(days=365)
WAREHOUSES = ("WH1", "WH2")


def sku_name(i: int) -> str:
    return f"SKU-{i:05d}"


def fill(url: str, moves: int, skus: int) -> dict[str, Any]:
    """The ledger and the balances, in three statements; returns timings and sizes."""
    step_s = YEAR.total_seconds() / moves
    timings: dict[str, float] = {}
    with psycopg.connect(psycopg_dsn(url)) as conn:
        started = time.perf_counter()
        conn.execute(
            "INSERT INTO warehouses (code, name, active, valuation_method, created_at, updated_at)"
            " SELECT code, code, true, 'moving_average', now(), now() FROM unnest(%s::text[]) AS code",
            (list(WAREHOUSES),),
        )
        conn.execute(
            "INSERT INTO items (sku, name, unit_of_measure, safety_stock, active, version, created_at, updated_at)"
            " SELECT 'SKU-' || lpad(i::text, 5, '0'), 'Item ' || i, 'pcs', 0, true, 1, now(), now()"
            " FROM generate_series(0, %s - 1) AS i",
            (skus,),
        )
        # Round r = g / (skus * 2): every (sku, warehouse) gets one move per round, in time order; rounds
        # r % 4 == 3 issue 1 unit, the others receive 3, so every running balance stays positive.
        conn.execute(
            """
            INSERT INTO stock_moves (sku, warehouse_code, kind, quantity, unit_cost, value, value_fifo,
                                     document_ref, occurred_at, recorded_at)
            SELECT m.sku, m.wh, m.kind, m.qty, 2.5, m.qty * 2.5, m.qty * 2.5, 'BENCH-' || m.g, m.at, m.at
            FROM (
                SELECT g,
                       'SKU-' || lpad((g %% %(skus)s)::text, 5, '0') AS sku,
                       CASE WHEN (g / %(skus)s) %% 2 = 0 THEN 'WH1' ELSE 'WH2' END AS wh,
                       CASE WHEN (g / (%(skus)s * 2)) %% 4 = 3 THEN 'issue' ELSE 'receipt' END AS kind,
                       CASE WHEN (g / (%(skus)s * 2)) %% 4 = 3 THEN -1 ELSE 3 END AS qty,
                       %(start)s::timestamptz + g * make_interval(secs => %(step)s) AS at
                FROM generate_series(0, %(moves)s - 1) AS g
            ) AS m
            """,
            {"skus": skus, "moves": moves, "start": YEAR_START, "step": step_s},
        )
        conn.commit()
        timings["insert_moves_s"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        conn.execute(
            "INSERT INTO stock_balances (sku, warehouse_code, on_hand, reserved, value, value_fifo, below_reorder,"
            " updated_at) SELECT sku, warehouse_code, sum(quantity), 0, sum(value), sum(value_fifo), false, now()"
            " FROM stock_moves GROUP BY sku, warehouse_code"
        )
        conn.commit()
        timings["insert_balances_s"] = round(time.perf_counter() - started, 2)
        conn.autocommit = True
        started = time.perf_counter()
        conn.execute("VACUUM ANALYZE stock_moves")
        conn.execute("VACUUM ANALYZE stock_balances")
        timings["vacuum_analyze_s"] = round(time.perf_counter() - started, 2)
        sizes = conn.execute(
            "SELECT (SELECT count(*) FROM stock_moves), (SELECT count(*) FROM stock_balances),"
            " pg_size_pretty(pg_table_size('stock_moves')), pg_size_pretty(pg_indexes_size('stock_moves')),"
            " pg_size_pretty(pg_relation_size('ix_stock_moves_sku_wh_time'))"
        ).fetchone()
    return {
        **timings,
        "stock_moves": sizes[0],
        "stock_balances": sizes[1],
        "stock_moves_table": sizes[2],
        "stock_moves_indexes": sizes[3],
        "ix_stock_moves_sku_wh_time": sizes[4],
    }


def http_calls(base: str, token: str, paths: list[str], warm_up: int) -> tuple[list[float], dict[str, int], Any]:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    for path in paths[:warm_up]:
        session.get(f"{base}{path}", timeout=30)
    latencies, statuses, last = [], {}, None
    for path in paths:
        started = time.perf_counter()
        response = session.get(f"{base}{path}", timeout=30)
        latencies.append(time.perf_counter() - started)
        statuses[str(response.status_code)] = statuses.get(str(response.status_code), 0) + 1
        last = response.json() if response.ok else response.text
    return latencies, statuses, last


def _plan_nodes(plan: dict[str, Any]) -> list[dict[str, Any]]:
    nodes = [plan]
    for child in plan.get("Plans", []):
        nodes.extend(_plan_nodes(child))
    return nodes


def explain(db: Database, run_query: Any, args_list: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """Run the service's query function once per args (capturing its SQL), then EXPLAIN ANALYZE each statement.

    Returns one entry per statement position (the as-of endpoint runs two: the count and the page).
    """
    captured: list[tuple[str, Any]] = []
    capturing = [False]

    def before(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool) -> None:
        if capturing[0]:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", before)
    per_statement: dict[int, dict[str, Any]] = {}
    try:
        for args in args_list:
            captured.clear()
            capturing[0] = True
            started = time.perf_counter()
            with db.unit_of_work() as session:
                run_query(session, *args)
            in_process = time.perf_counter() - started
            capturing[0] = False
            statements = list(captured)
            with db.engine.connect() as conn:
                for position, (statement, parameters) in enumerate(statements):
                    plan = conn.exec_driver_sql(
                        "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters
                    ).scalar_one()[0]
                    entry = per_statement.setdefault(
                        position,
                        {
                            "sql": " ".join(statement.split()),
                            "execution_ms": [],
                            "planning_ms": [],
                            "indexes": set(),
                            "node_types": set(),
                            "shared_hit": 0,
                            "shared_read": 0,
                            "in_process_ms": [],
                            "example_plan": plan["Plan"],
                        },
                    )
                    entry["execution_ms"].append(plan["Execution Time"])
                    entry["planning_ms"].append(plan["Planning Time"])
                    if position == 0:
                        entry["in_process_ms"].append(in_process * 1000)
                    for node in _plan_nodes(plan["Plan"]):
                        entry["node_types"].add(node["Node Type"])
                        if "Index Name" in node:
                            entry["indexes"].add(node["Index Name"])
                        entry["shared_hit"] += node.get("Shared Hit Blocks", 0) if node is plan["Plan"] else 0
                        entry["shared_read"] += node.get("Shared Read Blocks", 0) if node is plan["Plan"] else 0
                conn.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    out = []
    for position in sorted(per_statement):
        entry = per_statement[position]
        runs = len(entry["execution_ms"])
        out.append(
            {
                "sql": entry["sql"],
                "runs": runs,
                "execution_p50_ms": round(percentile(entry["execution_ms"], 50), 3),
                "execution_p95_ms": round(percentile(entry["execution_ms"], 95), 3),
                "planning_p50_ms": round(percentile(entry["planning_ms"], 50), 3),
                "indexes_used": sorted(entry["indexes"]),
                "node_types": sorted(entry["node_types"]),
                "avg_shared_blocks_hit": round(entry["shared_hit"] / runs, 1),
                "avg_shared_blocks_read": round(entry["shared_read"] / runs, 1),
                "example_plan": _plan_text(entry["example_plan"]),
            }
        )
        if entry["in_process_ms"]:
            out[-1]["service_function_p50_ms"] = round(percentile(entry["in_process_ms"], 50), 3)
    return out


def _plan_text(plan: dict[str, Any], depth: int = 0) -> list[str]:
    """A compact text form of a JSON plan: node type, relation/index, rows and time."""
    label = plan["Node Type"]
    if "Index Name" in plan:
        label += f" using {plan['Index Name']}"
    if "Relation Name" in plan:
        label += f" on {plan['Relation Name']}"
    cond = plan.get("Index Cond") or plan.get("Recheck Cond") or plan.get("Filter")
    line = f"{'  ' * depth}{label} (rows={plan.get('Actual Rows')}, time={plan.get('Actual Total Time')} ms)"
    if cond:
        line += f" [{cond}]"
    lines = [line]
    for child in plan.get("Plans", []):
        lines.extend(_plan_text(child, depth + 1))
    return lines


def run(args: argparse.Namespace) -> int:
    rng = random.Random(args.seed)
    background = wait_until_quiet(args.quiet_below, args.quiet_wait)
    with BenchStack("balance-lookup", keep_logs=args.keep_logs) as stack:
        url = stack.database("inventory")
        stack.database("gateway")
        filled = fill(url, args.moves, args.skus)
        inventory = stack.api("inventory", workers=args.workers)
        stack.api("gateway", workers=1)
        token = stack.login()

        stock_paths = [f"/api/v1/inventory/stock/{sku_name(rng.randrange(args.skus))}" for _ in range(args.stock_calls)]
        as_of_args = [
            (YEAR_START + YEAR * rng.random(), sku_name(rng.randrange(args.skus))) for _ in range(args.as_of_calls)
        ]
        as_of_paths = [
            f"/api/v1/inventory/stock-as-of?at={requests.utils.quote(at.isoformat())}&sku={sku}"
            for at, sku in as_of_args
        ]
        api_pid = next(p.pid for p in stack.processes if p.name == "inventory-api")
        meter = CpuMeter({"inventory_api": api_pid}).start()
        stock_lat, stock_statuses, stock_last = http_calls(inventory, token, stock_paths, args.warm_up)
        as_of_lat, as_of_statuses, as_of_last = http_calls(inventory, token, as_of_paths, args.warm_up)
        cpu = meter.stop()

        db = Database(url)
        try:
            sql_stock = explain(
                db, queries.balances_of_sku, [(sku_name(rng.randrange(args.skus)),) for _ in range(args.sql_runs)]
            )
            sql_as_of = explain(
                db,
                lambda session, at, sku: queries.stock_as_of(
                    session, at, sku=sku, warehouse_code=None, page=1, page_size=50
                ),
                [(YEAR_START + YEAR * rng.random(), sku_name(rng.randrange(args.skus))) for _ in range(args.sql_runs)],
            )
        finally:
            db.dispose()

        as_of_uses_index = all("ix_stock_moves_sku_wh_time" in s["indexes_used"] for s in sql_as_of)
        errors = (args.stock_calls - stock_statuses.get("200", 0)) + (args.as_of_calls - as_of_statuses.get("200", 0))
        result: dict[str, Any] = {
            "bench": "balance_lookup",
            "date": now_iso(),
            "params": {
                "moves": args.moves,
                "skus": args.skus,
                "warehouses": len(WAREHOUSES),
                "stock_calls": args.stock_calls,
                "as_of_calls": args.as_of_calls,
                "sql_runs": args.sql_runs,
                "workers": args.workers,
                "seed": args.seed,
            },
            "machine": machine(),
            "servers": server_versions(stack.database_admin_url),
            "background_busy_pct": background,
            "fill": filled,
            "http_stock": {"statuses": stock_statuses, **latency_summary(stock_lat)},
            "http_as_of": {"statuses": as_of_statuses, **latency_summary(as_of_lat)},
            "http_cpu": cpu,
            "sql_stock": sql_stock,
            "sql_as_of": sql_as_of,
            "as_of_uses_ix_stock_moves_sku_wh_time": as_of_uses_index,
            "errors": errors,
            "sample_responses": {"stock": stock_last, "as_of": as_of_last},
        }
        hs, ha = result["http_stock"], result["http_as_of"]
        summary = [
            f"balance_lookup: {filled['stock_moves']} ledger moves ({args.skus} SKUs x {len(WAREHOUSES)} warehouses,"
            f" a year), {filled['stock_balances']} balances; table {filled['stock_moves_table']}, indexes "
            f"{filled['stock_moves_indexes']}; filled in {filled['insert_moves_s']} + {filled['insert_balances_s']}"
            f" + {filled['vacuum_analyze_s']} s"
            + (f"   [machine {background}% busy before the run]" if background >= args.quiet_below else ""),
            f"  (a) GET /stock/<sku>     x{args.stock_calls}: p50 {hs['p50_ms']} ms, p95 {hs['p95_ms']} ms, "
            f"p99 {hs['p99_ms']} ms  {stock_statuses}",
            f"  (b) GET /stock-as-of     x{args.as_of_calls}: p50 {ha['p50_ms']} ms, p95 {ha['p95_ms']} ms, "
            f"p99 {ha['p99_ms']} ms  {as_of_statuses}",
        ]
        for label, stmts in (("balance", sql_stock), ("as-of", sql_as_of)):
            for s in stmts:
                summary.append(
                    f"  (c) SQL {label:7} exec p50 {s['execution_p50_ms']} ms, p95 {s['execution_p95_ms']} ms, "
                    f"plan p50 {s['planning_p50_ms']} ms; indexes {s['indexes_used']}; {s['sql'][:90]}..."
                )
        summary.append(f"  as-of query uses ix_stock_moves_sku_wh_time: {as_of_uses_index}")
        summary.append(f"  during the HTTP calls: machine busy {cpu['machine_busy_pct']} %, CPU s {cpu['cpu_s']}")
        summary.append("  as-of plan (one run):")
        summary.extend(f"    {line}" for line in sql_as_of[-1]["example_plan"])
        report(result, summary, args.json_out)
        ok = errors == 0
        stack.failed = not ok
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--moves", type=int, default=1_000_000, help="ledger rows (default 10^6)")
    parser.add_argument("--skus", type=int, default=1000, help="SKUs, each in 2 warehouses (default 1000)")
    parser.add_argument("--stock-calls", type=int, default=500, help="GET /stock/<sku> calls (default 500)")
    parser.add_argument("--as-of-calls", type=int, default=200, help="GET /stock-as-of calls (default 200)")
    parser.add_argument("--sql-runs", type=int, default=50, help="EXPLAIN ANALYZE runs per query (default 50)")
    parser.add_argument("--warm-up", type=int, default=20, help="unmeasured calls before each series (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers of the inventory API (default 2)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for SKUs and times (default 1)")
    add_common_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
