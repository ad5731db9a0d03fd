"""Events published per second by ONE ``psi relay purchasing`` process, beside raw kombu publish rates.

1. relay: --events outbox rows (purchasing.GoodsReceived.v1 envelopes) are written into a fresh purchasing
   database; a sink queue is bound to the purchasing exchange; then the relay starts and the drain is timed from
   the first published_at to the last. Check: every row published once, the sink holds --events messages.
2. raw kombu, the same bodies: one confirm per message (synchronous, confirm_publish) and confirms collected per
   batch of --batch (asynchronous, what the relay does), to a temporary durable queue.

    python bench/relay.py [--events 10000] [--batch 500]
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
from kombu import Connection, Exchange, Producer, Queue

from psi_chassis.db import Database
from psi_chassis.outbox import Outgoing, record_events
from psi_chassis.testing import ServiceProcess, wait_for
from psi_chassis.testing.helpers import goods_received, queue_depth
from psi_contracts.topology import exchange_name


def relay_rate(stack: BenchStack, events: int, batch: int, deadline_s: float) -> dict[str, Any]:
    url = stack.database("purchasing")
    envelope = goods_received("SKU-000", "2", "1.25")
    db = Database(url)
    with db.unit_of_work() as session:
        for start in range(0, events, 1000):
            record_events(
                session,
                [Outgoing(envelope["type"], envelope["data"], "PO-B") for _ in range(min(1000, events - start))],
                source="purchasing",
            )
        session.commit()
    db.dispose()
    sink = f"{stack.prefix}.bench.relay-sink"
    stack.queues.add(sink)
    exchange = exchange_name("purchasing", prefix=stack.prefix)
    stack.exchanges.add(exchange)
    with Connection(stack.amqp_url) as conn:
        Queue(
            sink,
            Exchange(exchange, type="topic", durable=True),
            routing_key="#",
            durable=True,
            queue_arguments={"x-queue-type": "quorum"},
        ).bind(conn.default_channel).declare()
    process = ServiceProcess.psi(
        "purchasing-relay", ["relay", "purchasing"], stack.env(PSI_RELAY_BATCH_SIZE=str(batch)), stack.log_dir
    )
    stack.processes.append(process.start())
    meter = CpuMeter({"relay": process.pid}).start()
    with psycopg.connect(psycopg_dsn(url), autocommit=True) as conn:

        def pending() -> int:
            return int(conn.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL").fetchone()[0])

        deadline = time.monotonic() + deadline_s
        while pending() and time.monotonic() < deadline:
            if not process.running():
                raise RuntimeError(f"relay exited:\n{process.logs()[-4000:]}")
            time.sleep(0.05)
        cpu = meter.stop()
        span = float(
            conn.execute("SELECT extract(epoch FROM max(published_at) - min(published_at)) FROM outbox").fetchone()[0]
        )
        left = pending()
    process.stop()
    wait_for(lambda: queue_depth(stack.amqp_url, sink) == events, timeout=60, message=f"{events} in the sink")
    return {
        "events": events,
        "batch": batch,
        "events_per_s": round((events - 1) / span, 1) if span > 0 else None,
        "drain_s": round(span, 3),
        "consistent": left == 0 and queue_depth(stack.amqp_url, sink) == events,
        "cpu": cpu,
        "cpu_ms_per_event": {k: round(1000 * v / events, 4) for k, v in cpu["cpu_s"].items()},
        "body_bytes": len(json.dumps(envelope)),
    }


def raw_publish_rates(stack: BenchStack, messages: int, batch: int) -> dict[str, Any]:
    body = json.dumps(goods_received("SKU-000", "2", "1.25"))
    name = f"{stack.prefix}.bench.raw-publish"
    stack.queues.add(name)
    queue = Queue(
        name, exchange=Exchange(""), routing_key=name, durable=True, queue_arguments={"x-queue-type": "quorum"}
    )
    out: dict[str, Any] = {"messages": messages, "body_bytes": len(body)}
    with Connection(stack.amqp_url, transport_options={"confirm_publish": True}) as conn:
        producer = Producer(conn.channel())
        queue.bind(producer.channel).declare()
        started = time.perf_counter()
        for _ in range(messages):
            producer.publish(body, exchange="", routing_key=name, delivery_mode=2, content_type="application/json")
        out["one_confirm_per_message_per_s"] = round(messages / (time.perf_counter() - started), 1)
    with Connection(stack.amqp_url) as conn:
        channel = conn.channel()
        channel.confirm_select()
        acked = [0]
        channel.events["basic_ack"].add(lambda tag, multiple: acked.__setitem__(0, max(acked[0], tag)))
        producer = Producer(channel)
        started = time.perf_counter()
        sent = 0
        while sent < messages:
            for _ in range(min(batch, messages - sent)):
                producer.publish(body, exchange="", routing_key=name, delivery_mode=2, content_type="application/json")
                sent += 1
            while acked[0] < sent:
                conn.drain_events(timeout=10)
        out["confirms_per_batch_per_s"] = round(messages / (time.perf_counter() - started), 1)
        channel.queue_delete(name)
    stack.queues.discard(name)
    return out


def run(args: argparse.Namespace) -> int:
    background = wait_until_quiet(args.quiet_below, args.quiet_wait)
    with BenchStack("relay", keep_logs=args.keep_logs) as stack:
        relay = relay_rate(stack, args.events, args.batch, args.deadline)
        raw = raw_publish_rates(stack, args.events, args.batch)
        rate = relay["events_per_s"] or 0.0
        ratios = {
            "relay_vs_raw_one_confirm": round(rate / raw["one_confirm_per_message_per_s"], 2),
            "relay_vs_raw_batched_confirms": round(rate / raw["confirms_per_batch_per_s"], 3),
        }
        result = {
            "bench": "relay",
            "date": now_iso(),
            "params": {"events": args.events, "batch": args.batch},
            "machine": machine(),
            "servers": server_versions(stack.database_admin_url),
            "background_busy_pct": background,
            "relay": relay,
            "raw_kombu": raw,
            "ratios": ratios,
        }
        summary = [
            f"relay: {args.events} outbox rows, one `psi relay purchasing`, batch {args.batch}"
            + (f"   [machine {background}% busy before the run]" if background >= args.quiet_below else ""),
            f"  {'PSI relay (events published/s)':44} {rate:>10}"
            f"   CPU ms/event {relay['cpu_ms_per_event'].get('relay')}",
            f"  {'raw kombu, one confirm per message/s':44} {raw['one_confirm_per_message_per_s']:>10}",
            f"  {'raw kombu, confirms per batch/s':44} {raw['confirms_per_batch_per_s']:>10}",
            f"  ratios {ratios}; {'consistent' if relay['consistent'] else 'INCONSISTENT'}",
        ]
        report(result, summary, args.json_out)
        stack.failed = not relay["consistent"]
        return 0 if relay["consistent"] else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=10000, help="outbox rows to publish (default 10000)")
    parser.add_argument("--batch", type=int, default=500, help="PSI_RELAY_BATCH_SIZE (default 500, as deployed)")
    parser.add_argument("--deadline", type=float, default=300, help="seconds allowed for the drain")
    add_common_arguments(parser)
    return run(parser.parse_args())


if __name__ == "__main__":
    raise SystemExit(main())
