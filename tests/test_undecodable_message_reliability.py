"""Issue 8, point 2: a message nested 100,000 levels deep goes to the DLQ with a reason, at once, and the real
inventory consumer process neither dies nor loops on it while 1,000 good events behind it are applied."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from psi_chassis.testing import metric_sum, scrape, wait_for
from psi_chassis.testing.helpers import drain_queue, publish_raw, queue_depth
from psi_contracts.topology import dlq_name, exchange_name, queue_name

pytestmark = [pytest.mark.integration, pytest.mark.slow]

DEPTH = 100_000
GOOD = 1_000


def _balance(db_url: str) -> tuple[Decimal, Decimal, int, int]:
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text("SELECT on_hand, value FROM stock_balances WHERE sku = 'SKU-BEHIND' AND warehouse_code = 'WH1'")
            ).first()
            moves = conn.execute(text("SELECT count(*) FROM stock_moves WHERE sku = 'SKU-BEHIND'")).scalar()
            inbox = conn.execute(text("SELECT count(*) FROM inbox")).scalar()
    finally:
        engine.dispose()
    on_hand, value = (Decimal(row.on_hand), Decimal(row.value)) if row else (Decimal(0), Decimal(0))
    return on_hand, value, int(moves or 0), int(inbox or 0)


def test_a_message_nested_100000_deep_is_dead_lettered_and_the_rest_flow(
    stack: Any, database_for: Any, make_goods_received: Any
) -> None:
    import json

    db = database_for("inventory")
    consumer = stack.consumer("inventory")
    exchange = exchange_name("purchasing", prefix=stack.prefix)
    routing_key = "purchasing.GoodsReceived.v1"
    deep = ("[" * DEPTH + "]" * DEPTH).encode()  # valid JSON, 200,000 bytes, far too deep for json.loads
    good = [make_goods_received("SKU-BEHIND", "1", "1.25", number=f"GRN-{i}") for i in range(GOOD)]

    publish_raw(stack.amqp_url, exchange, routing_key, [deep])
    publish_raw(stack.amqp_url, exchange, routing_key, [json.dumps(e) for e in good], [e["id"] for e in good])

    # 1,000 receipts of 1 unit at 1.25: 1,000 units worth 1,250.00, one move and one inbox row each.
    # Promptly: the deep message costs one dead-letter publish, not a restart per delivery. This machine applies
    # 1,000 receipts in about 6 s; the bound leaves room for a loaded CI machine, not for a crash loop.
    wait_for(
        lambda: _balance(db) == (Decimal(GOOD), Decimal("1250"), GOOD, GOOD),
        timeout=60,
        message="the 1,000 receipts behind the deep message applied",
    )
    queue = queue_name("inventory", "on_purchasing_events", prefix=stack.prefix)
    wait_for(lambda: queue_depth(stack.amqp_url, dlq_name(queue)) == 1, message="the deep message in the DLQ")

    dead = drain_queue(stack.amqp_url, dlq_name(queue))
    assert len(dead) == 1
    body = dead[0].body  # py-amqp hands a utf-8 body back as text
    assert (body.encode() if isinstance(body, str) else body) == deep, "the DLQ keeps the body as it came"
    headers = dead[0].headers
    assert headers["x-psi-dead-letter-reason"] == "undecodable"
    assert "nested deeper than" in headers["x-psi-error"], headers["x-psi-error"]
    assert headers["x-psi-original-queue"] == queue
    assert not headers.get("x-delivery-count"), "dead-lettered on its first delivery, never redelivered"

    url = stack.metrics_urls["inventory-consumer"]
    # Counted just after each ack, so it may trail the inbox by the last delivery: poll.
    wait_for(
        lambda: metric_sum(scrape(url), "psi_messages_consumed_total", outcome="ack") == GOOD,
        message="1,000 acks counted",
    )
    samples = scrape(url)
    assert metric_sum(samples, "psi_messages_dead_lettered_total", reason="undecodable") == 1
    assert metric_sum(samples, "psi_errors_total", component="consumer") == 0, "the consumer loop never failed"
    assert consumer.running() and "consumer loop failed" not in consumer.logs()
