"""Events applied per second by ONE ``psi consume inventory`` process, next to the raw broker and database rates.

1. consumer: a fresh inventory database; ``psi declare inventory`` creates the queues; --events distinct
   purchasing.GoodsReceived.v1 envelopes (--skus SKUs, one line each) are published to the exchange (publisher
   confirms); then the consumer starts and the drain is timed from the first applied row to the last (the inbox's
   received_at, polled with a deadline). Each event is one transaction: inbox claim, balance row lock, ledger
   move, cost layer, balance update, reorder check, outbox row (inventory.StockReceived.v1).
2. raw kombu: --events small persistent messages published to a temporary durable queue (quorum, like PSI's
   handler queues, and classic), then consumed with manual ack, prefetch 100, timed.
3. raw PostgreSQL: --events single-row INSERT + COMMIT on one psycopg connection (bigserial key + default time).
4. mixed (--mixed-events, default 5,000): receipts on the purchasing queue and, on the sales queue, order stories
   (confirm 2, ship 1, return 1, cancel) interleaved on the same few SKUs, applied by one consumer on its own
   database and topology; events/s over both queues, and the books checked (nothing left reserved, on hand =
   received - shipped + returned).
5. the peer (bench/peer.py): a hand-written nameko 2.14 service (eventlet, green psycopg2 pool) doing the same
   statements for the same events into a fresh inventory database, with --peer-workers workers (default 10;
   "10,1" runs both); skipped with --peer-workers "".

    python bench/consumer.py [--events 5000] [--skus 5] [--prefetch 20] [--peer-workers 10]
"""

from __future__ import annotations

import argparse
import json
import time
from typing import Any

import psycopg
from _common import (
    BenchStack,
    CpuMeter,
    add_common_arguments,
    machine,
    now_iso,
    psycopg_dsn,
    report,
    server_versions,
    wait_until_quiet,
)
from kombu import Connection, Consumer, Exchange, Producer, Queue
from peer import peer_rate

from psi_chassis.testing import wait_for
from psi_chassis.testing.helpers import goods_received, publish_envelopes, publish_raw, queue_depth
from psi_contracts.topology import dlq_name, exchange_name, producer_of


# -- 1. the PSI consumer --------------------------------------------------------------------------------------------
def consumer_rate(stack: BenchStack, events: int, skus: int, prefetch: int, deadline_s: float) -> dict[str, Any]:
    url = stack.database("inventory")
    queues = stack.declare("inventory")
    queue = next(q for q in queues if q.endswith(".on_purchasing_events"))
    envelopes = [goods_received(f"SKU-{i % skus:03d}", "2", "1.25", number=f"GRN-{i}") for i in range(events)]
    event_type = envelopes[0]["type"]
    started = time.perf_counter()
    publish_raw(
        stack.amqp_url,
        exchange_name(producer_of(event_type), prefix=stack.prefix),
        event_type,
        [json.dumps(e) for e in envelopes],
        [e["id"] for e in envelopes],
    )
    publish_s = time.perf_counter() - started
    wait_for(lambda: queue_depth(stack.amqp_url, queue) == events, timeout=60, message=f"{events} messages in {queue}")

    with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:

        def applied() -> int:
            return int(conn.execute("SELECT count(*) FROM inbox").fetchone()[0])

        launched = time.perf_counter()
        process, _metrics = stack.consumer("inventory", PSI_CONSUMER_PREFETCH=str(prefetch))
        ready_s = time.perf_counter() - launched
        meter = CpuMeter({"consumer": process.pid}).start()
        applied_before_meter = applied()  # CPU per event is counted over the events applied while metered
        first_seen = last_seen = None
        deadline = time.monotonic() + deadline_s
        count = 0
        while time.monotonic() < deadline:
            count = applied()
            now = time.perf_counter()
            if count and first_seen is None:
                first_seen = now
            if count >= events:
                last_seen = now
                break
            if not process.running():
                raise RuntimeError(f"consumer exited:\n{process.logs()[-4000:]}")
            time.sleep(0.05)
        cpu = meter.stop()
        if count < events:
            raise RuntimeError(f"drain incomplete after {deadline_s}s: {count}/{events} applied")
        first, last, span = conn.execute(
            "SELECT min(received_at), max(received_at), extract(epoch FROM max(received_at) - min(received_at))"
            " FROM inbox"
        ).fetchone()
        moves = int(conn.execute("SELECT count(*) FROM stock_moves").fetchone()[0])
        on_hand = conn.execute("SELECT sum(on_hand) FROM stock_balances").fetchone()[0]
        # one StockReceived per receipt (the first receipt into the unlisted WH1 also announces the warehouse)
        outbox = int(
            conn.execute("SELECT count(*) FROM outbox WHERE event_type = 'inventory.StockReceived.v1'").fetchone()[0]
        )
    dead = queue_depth(stack.amqp_url, dlq_name(queue))
    span = float(span)
    consistent = moves == events and int(on_hand) == 2 * events and outbox == events and dead == 0
    return {
        "events": events,
        "skus": skus,
        "prefetch": prefetch,
        "events_per_s": round((events - 1) / span, 1) if span > 0 else None,
        "drain_s": round(span, 3),
        "first_applied": str(first),
        "last_applied": str(last),
        # Coarse cross-check from the 50 ms polls (None when the drain ended before the consumer was reported ready).
        "poll_events_per_s": (
            round((events - applied_before_meter) / (last_seen - first_seen), 1)
            if last_seen and first_seen and last_seen > first_seen
            else None
        ),
        "consumer_ready_s": round(ready_s, 2),
        "publish_with_confirms_per_s": round(events / publish_s, 1),
        "checks": {"stock_moves": moves, "on_hand_sum": str(on_hand), "outbox_rows": outbox, "dlq": dead},
        "consistent": consistent,
        "cpu": cpu,
        "cpu_metered_events": events - applied_before_meter,
        "cpu_ms_per_event": {
            k: round(1000 * v / max(events - applied_before_meter, 1), 3) for k, v in cpu["cpu_s"].items()
        },
    }


# -- mixed batches ---------------------------------------------------------------------------------------------
def _mixed_stream(events: int, skus: int) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Receipts and order stories interleaved: every 5th event a receipt of 10, the rest 4-event orders of 2."""
    from datetime import UTC, datetime
    from decimal import Decimal

    from psi_contracts.envelope import make_envelope

    stream: list[dict[str, Any]] = []
    totals = {"received": 0, "shipped": 0, "returned": 0}
    order = 0
    while len(stream) < events:
        sku = f"SKU-{order % skus:03d}"
        stream.append(goods_received(sku, "10", "1.25", number=f"GRN-{order}"))
        totals["received"] += 10
        ref, now = f"SO-{order}", datetime.now(UTC)
        base = {"order_id": ref, "order_number": ref, "warehouse_code": "WH1"}
        line = {"line_no": 1, "sku": sku, "quantity": Decimal(1)}
        stream += [
            make_envelope(
                "sales.OrderConfirmed.v1",
                {
                    **base,
                    "customer_id": "C",
                    "confirmed_at": now,
                    "currency": "CNY",
                    "lines": [{**line, "quantity": Decimal(2), "unit_price": Decimal(3)}],
                },
                source="sales",
            ),
            make_envelope(
                "sales.OrderShipped.v1",
                {**base, "shipment_id": ref, "shipment_number": f"SHP-{order}", "shipped_at": now, "lines": [line]},
                source="sales",
            ),
            make_envelope(
                "sales.ReturnReceived.v1",
                {
                    "return_id": ref,
                    "return_number": f"RMA-{order}",
                    "order_id": ref,
                    "order_number": ref,
                    "warehouse_code": "WH1",
                    "received_at": now,
                    "lines": [line],
                },
                source="sales",
            ),
            make_envelope("sales.OrderCancelled.v1", {**base, "cancelled_at": now}, source="sales"),
        ]
        totals["shipped"] += 1
        totals["returned"] += 1
        order += 1
    return stream, totals


def mixed_rate(stack: BenchStack, events: int, skus: int, deadline_s: float) -> dict[str, Any]:
    prefix = f"{stack.prefix}mix"
    stream, totals = _mixed_stream(events, skus)
    url = stack.databases.create("inventory", "psi_inventory:migrations")
    from psi_chassis.registry import service
    from psi_contracts.topology import dlq_name, queue_name, retry_queue_name

    env = {"PSI_TOPOLOGY_PREFIX": prefix, "INVENTORY_DATABASE_URL": url}
    delays = service("inventory").load_settings(stack.env(**env)).consumer_retry_delays_ms
    queues = [queue_name("inventory", h, prefix=prefix) for h in ("on_purchasing_events", "on_sales_events")]
    stack.queues.update(q for queue in queues for q in (queue, dlq_name(queue)))
    stack.queues.update(retry_queue_name(queue, delay) for queue in queues for delay in delays)  # deleted at the end
    stack.exchanges.update({f"{prefix}.purchasing.events", f"{prefix}.sales.events"})
    process, _metrics = stack.consumer("inventory", **env)
    process.stop()  # its queues are declared; the events wait in them
    publish_envelopes(stack.amqp_url, prefix, stream)
    process, _metrics = stack.consumer("inventory", **env)
    meter = CpuMeter({"consumer": process.pid}).start()
    with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:
        deadline = time.monotonic() + deadline_s
        while int(conn.execute("SELECT count(*) FROM inbox").fetchone()[0]) < len(stream):
            if time.monotonic() > deadline or not process.running():
                raise RuntimeError(f"mixed drain incomplete:\n{process.logs()[-4000:]}")
            time.sleep(0.05)
        cpu = meter.stop()
        span = float(
            conn.execute("SELECT extract(epoch FROM max(received_at) - min(received_at)) FROM inbox").fetchone()[0]
        )
        on_hand, reserved = conn.execute("SELECT sum(on_hand), sum(reserved) FROM stock_balances").fetchone()
    process.stop()
    expected = totals["received"] - totals["shipped"] + totals["returned"]
    return {
        "events": len(stream),
        "events_per_s": round((len(stream) - 1) / span, 1) if span > 0 else None,
        "drain_s": round(span, 3),
        "consistent": int(on_hand) == expected and int(reserved) == 0,
        "checks": {"on_hand": str(on_hand), "expected_on_hand": expected, "reserved": str(reserved)},
        "cpu": cpu,
        "cpu_ms_per_event": {k: round(1000 * v / len(stream), 3) for k, v in cpu["cpu_s"].items()},
    }


# -- 2. raw kombu consume + ack ---------------------------------------------------------------------------------------
def kombu_rate(stack: BenchStack, messages: int, queue_type: str) -> dict[str, Any]:
    name = f"{stack.prefix}.bench.raw-{queue_type}"
    stack.queues.add(name)
    queue = Queue(
        name, exchange=Exchange(""), routing_key=name, durable=True, queue_arguments={"x-queue-type": queue_type}
    )
    body = json.dumps(
        {"id": "0" * 36, "type": "bench.Raw.v1", "data": {"sku": "SKU-000", "quantity": "2.000000", "note": "x" * 120}}
    )
    with Connection(stack.amqp_url, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel())
        queue.bind(producer.channel).declare()
        started = time.perf_counter()
        for _ in range(messages):
            producer.publish(body, exchange="", routing_key=name, delivery_mode=2, content_type="application/json")
        publish_s = time.perf_counter() - started
    wait_for(lambda: queue_depth(stack.amqp_url, name) == messages, timeout=60, message=f"{messages} in {name}")

    received = 0
    with Connection(stack.amqp_url) as conn:
        channel = conn.channel()

        def on_message(_body: Any, message: Any) -> None:
            nonlocal received
            message.ack()
            received += 1

        with Consumer(
            channel,
            queues=[queue],
            callbacks=[on_message],
            prefetch_count=100,
            accept=["application/json"],
            no_ack=False,
        ):
            started = time.perf_counter()
            deadline = time.monotonic() + 120
            while received < messages and time.monotonic() < deadline:
                conn.drain_events(timeout=5)
            consume_s = time.perf_counter() - started
        channel.queue_delete(name)
    stack.queues.discard(name)
    return {
        "queue_type": queue_type,
        "messages": messages,
        "body_bytes": len(body),
        "publish_with_confirms_per_s": round(messages / publish_s, 1),
        "consume_ack_per_s": round(received / consume_s, 1),
        "received": received,
    }


# -- 3. raw PostgreSQL commit ---------------------------------------------------------------------------------------
def pg_commit_rate(url: str, rows: int) -> dict[str, Any]:
    with psycopg.connect(psycopg_dsn(url)) as conn:
        conn.execute(
            "CREATE TABLE bench_commit (id bigserial PRIMARY KEY, payload text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
        conn.commit()
        started = time.perf_counter()
        for i in range(rows):
            conn.execute("INSERT INTO bench_commit (payload) VALUES (%s)", (f"row {i}",))
            conn.commit()
        elapsed = time.perf_counter() - started
        count = conn.execute("SELECT count(*) FROM bench_commit").fetchone()[0]
        conn.execute("DROP TABLE bench_commit")
        conn.commit()
    return {
        "rows": rows,
        "commits_per_s": round(rows / elapsed, 1),
        "mean_ms": round(1000 * elapsed / rows, 3),
        "committed": int(count),
    }


def run(args: argparse.Namespace) -> int:
    background = wait_until_quiet(args.quiet_below, args.quiet_wait)
    with BenchStack("consumer", keep_logs=args.keep_logs) as stack:
        if not stack.amqp_url:
            raise SystemExit("TEST_AMQP_URL is not set (e.g. amqp://guest:guest@127.0.0.1:5672/psi_test)")
        consumer = consumer_rate(stack, args.events, args.skus, args.prefetch, args.deadline)
        mixed = mixed_rate(stack, args.mixed_events, args.skus, args.deadline) if args.mixed_events else None
        raw_kombu = [kombu_rate(stack, args.events, qt) for qt in ("quorum", "classic")]
        pg = pg_commit_rate(stack.database_urls["inventory"], args.events)
        workers = [int(w) for w in args.peer_workers.split(",") if w.strip()]
        peers = [peer_rate(stack, args.events, args.skus, w, args.deadline) for w in workers]
        rate = consumer["events_per_s"] or 0.0
        quorum = raw_kombu[0]
        ratios = {
            "consumer_vs_pg_commit": round(rate / pg["commits_per_s"], 3),
            "consumer_vs_kombu_quorum_consume": round(rate / quorum["consume_ack_per_s"], 3),
            "consumer_vs_kombu_classic_consume": round(rate / raw_kombu[1]["consume_ack_per_s"], 3),
            **{
                f"consumer_vs_nameko_{p['workers']}_workers": round(rate / p["events_per_s"], 2)
                for p in peers
                if p["events_per_s"]
            },
        }
        result: dict[str, Any] = {
            "bench": "consumer",
            "date": now_iso(),
            "params": {"events": args.events, "skus": args.skus, "prefetch": args.prefetch},
            "machine": machine(),
            "servers": server_versions(stack.database_admin_url),
            "background_busy_pct": background,
            "consumer": consumer,
            "raw_kombu": raw_kombu,
            "raw_pg": pg,
            "mixed": mixed,
            "peers": peers,
            "ratios": ratios,
        }
        cpu = consumer["cpu_ms_per_event"]
        summary = [
            f"consumer: {args.events} GoodsReceived events ({args.skus} SKUs), one `psi consume inventory`, "
            f"prefetch {args.prefetch}"
            + (f"   [machine {background}% busy before the run]" if background >= args.quiet_below else ""),
            f"  {'PSI consumer (events applied/s)':44} {rate:>10}",
            *(
                [
                    f"  {'PSI consumer, mixed batches (events/s)':44} {mixed['events_per_s']:>10}"
                    f"   CPU ms/event {mixed['cpu_ms_per_event'].get('consumer')}"
                ]
                if mixed
                else []
            ),
            f"  {'raw kombu consume+ack/s, quorum queue':44} {quorum['consume_ack_per_s']:>10}",
            f"  {'raw kombu consume+ack/s, classic queue':44} {raw_kombu[1]['consume_ack_per_s']:>10}",
            f"  {'raw PostgreSQL INSERT+COMMIT/s (1 conn)':44} {pg['commits_per_s']:>10}",
            *[
                f"  {'nameko peer, ' + str(p['workers']) + ' workers (events/s)':44} {p['events_per_s']:>10}"
                f"   CPU ms/event {p['cpu_ms_per_event'].get('peer')}"
                for p in peers
            ],
            f"  consumer / PG commit = {ratios['consumer_vs_pg_commit']}, consumer / kombu quorum = "
            f"{ratios['consumer_vs_kombu_quorum_consume']}",
            f"  drain {consumer['drain_s']} s; CPU ms per event {cpu}",
            f"  publish with confirms: GoodsReceived {consumer['publish_with_confirms_per_s']}/s, raw quorum "
            f"{quorum['publish_with_confirms_per_s']}/s, raw classic {raw_kombu[1]['publish_with_confirms_per_s']}/s",
            f"  checks {consumer['checks']}: {'consistent' if consumer['consistent'] else 'INCONSISTENT'}",
        ]
        report(result, summary, args.json_out)
        ok = (
            consumer["consistent"]
            and all(r["received"] == args.events for r in raw_kombu)
            and all(p["consistent"] for p in peers)
            and (mixed is None or mixed["consistent"])
        )
        stack.failed = not ok
        return 0 if ok else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=5000, help="events (and raw messages, raw commits); 5000")
    parser.add_argument("--skus", type=int, default=5, help="distinct SKUs the events spread over (default 5)")
    parser.add_argument("--prefetch", type=int, default=500, help="PSI_CONSUMER_PREFETCH (default 500, as deployed)")
    parser.add_argument(
        "--mixed-events", type=int, default=5000, help="events of the mixed scenario (default 5000; 0 skips it)"
    )
    parser.add_argument(
        "--peer-workers",
        default="10",
        help='nameko peer worker counts, comma-separated (default "10"; "" skips the peer)',
    )
    parser.add_argument("--deadline", type=float, default=300, help="seconds allowed for the drain (default 300)")
    add_common_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
