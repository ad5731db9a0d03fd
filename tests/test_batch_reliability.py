"""Issue 9, acceptance 2 and 3: batched apply keeps every promise of the one-at-a-time consumer.

2. A consumer SIGKILLed between a batch's commit and its ack: after a restart every effect is there exactly once.
3. 5,000 receipts and supplier returns interleaved on 5 SKUs (with duplicates, some returns refused for want of
   stock), applied by two consumer processes on one queue (single active consumer; the active one is killed
   half way and the standby takes over) with batching on, end in exactly the balances, ledger, FIFO layers and
   outgoing events of a reference run of the same stream through a consumer applying one event at a time.
"""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from psi_chassis.testing import ServiceProcess, wait_for
from psi_chassis.testing.helpers import goods_received, publish_envelopes, queue_depth
from psi_contracts.envelope import make_envelope
from psi_contracts.topology import dlq_name, queue_name

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _count(url: str, sql: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar() or 0)
    finally:
        engine.dispose()


def test_a_batch_killed_between_commit_and_ack_is_applied_once(stack: Any, database_for: Any) -> None:
    db = database_for("inventory")
    receipts = [goods_received("SKU-KILL", "2", "1.5", number=f"GRN-{i}") for i in range(50)]
    # Published before any consumer runs, so the first batch holds all 50 (it waits up to 2 s to fill).
    stack.consumer("inventory", key="declare-only").stop()
    publish_envelopes(stack.amqp_url, stack.prefix, receipts)
    # Started without waiting for it to be ready: it dies at its first batch.
    crashing = stack.start(
        "crashing",
        ServiceProcess.psi(
            "crashing",
            ["consume", "inventory"],
            stack.env(
                "inventory",
                PSI_FAULT="consumer_after_commit_before_ack",
                PSI_CONSUMER_BATCH_SIZE="50",
                PSI_CONSUMER_BATCH_WAIT_MS="2000",
            ),
            stack.log_dir,
        ),
    )
    assert crashing.wait_exit(timeout=60) == -9, "the fault point kills the consumer with SIGKILL"
    # The whole batch was committed before the kill: 50 moves, 2 x 50 = 100 on hand.
    assert _count(db, "SELECT count(*) FROM stock_moves") == 50
    restarted = stack.consumer("inventory", key="restarted")
    queue = queue_name("inventory", "on_purchasing_events", prefix=stack.prefix)
    wait_for(
        lambda: queue_depth(stack.amqp_url, queue) == 0 and _count(db, "SELECT count(*) FROM inbox") == 50,
        timeout=60,
        message="the redelivered batch recognised as duplicates",
    )
    assert restarted.running()
    assert _count(db, "SELECT count(*) FROM stock_moves") == 50
    assert _count(db, "SELECT sum(on_hand) FROM stock_balances") == 100
    assert _count(db, "SELECT count(*) FROM outbox WHERE event_type = 'inventory.StockReceived.v1'") == 50


# --- acceptance 3 --------------------------------------------------------------------------------------------


def _return_request(sku: str, quantity: int, cost: Decimal, po_number: str, number: str) -> dict[str, Any]:
    return make_envelope(
        "purchasing.GoodsReturnRequested.v1",
        {
            "return_id": number,
            "return_number": number,
            "po_id": "1",
            "po_number": po_number,
            "supplier_id": "1",
            "warehouse_code": "WH1",
            "requested_at": datetime.now(UTC),
            "reason": "wrong colour",
            "lines": [{"line_no": 1, "sku": sku, "quantity": Decimal(quantity), "unit_cost_base": cost}],
        },
        source="purchasing",
    )


def _stream(events: int, seed: int = 20261201) -> list[dict[str, Any]]:
    """Receipts at varying costs and returns of earlier receipts, 5 SKUs, ~3 % sent twice, ~2 % refused."""
    rng = random.Random(seed)
    available = {f"SKU-M{i}": 0 for i in range(5)}
    received: dict[str, list[tuple[str, Decimal]]] = {sku: [] for sku in available}
    stream: list[dict[str, Any]] = []
    for i in range(events):
        sku = rng.choice(sorted(available))
        if available[sku] < 5 or rng.random() < 0.55:
            quantity, cost = rng.randint(1, 10), Decimal(rng.randint(100, 2000)) / 100
            stream.append(goods_received(sku, str(quantity), str(cost), number=f"GRN-{i}", po_number=f"PO-{i}"))
            available[sku] += quantity
            received[sku].append((f"PO-{i}", cost))
        else:
            po_number, cost = rng.choice(received[sku])
            if rng.random() < 0.02:
                quantity = available[sku] + 5  # more than is there: refused
            else:
                quantity = rng.randint(1, min(available[sku], 8))
                available[sku] -= quantity
            stream.append(_return_request(sku, quantity, cost, po_number, f"RTN-{uuid.uuid4().hex[:10]}"))
        if rng.random() < 0.03:
            stream.append(stream[-1])  # a duplicate delivery, right behind it
    return stream


def _state(url: str) -> dict[str, Any]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:

            def rows(sql: str) -> list[tuple[Any, ...]]:
                return [tuple(r) for r in conn.execute(text(sql)).all()]

            outgoing = []
            for event_type, body in rows("SELECT event_type, body FROM outbox ORDER BY id"):
                data = json.loads(body)["data"]
                if event_type.endswith("Rejected.v1"):
                    data.pop("occurred_at")  # when inventory refused it: the moment, not the stream
                if event_type.startswith("inventory.Warehouse"):
                    data.pop("changed_at")  # the unlisted WH1 was created when the first receipt came
                outgoing.append((event_type, data))
            return {
                "balances": rows(
                    "SELECT sku, warehouse_code, on_hand, reserved, value, value_fifo, below_reorder"
                    " FROM stock_balances ORDER BY sku, warehouse_code"
                ),
                "moves": rows(
                    "SELECT sku, warehouse_code, kind, quantity, unit_cost, value, value_fifo,"
                    " source_event_id, source_line, document_ref, reason_code, occurred_at"
                    " FROM stock_moves ORDER BY id"
                ),
                "layers": rows(
                    "SELECT sku, warehouse_code, original_quantity, remaining, unit_cost, po_number,"
                    " po_line, occurred_at FROM cost_layers ORDER BY id"
                ),
                "outgoing": outgoing,
                "documents": rows("SELECT kind, number, status, reason_code FROM source_documents ORDER BY id"),
            }
    finally:
        engine.dispose()


def _applied(url: str) -> int:
    return _count(url, "SELECT count(*) FROM inbox")


def test_batched_consumers_end_exactly_where_a_one_at_a_time_run_ends(
    stack: Any, database_for: Any, psi_databases: Any
) -> None:
    stream = _stream(5000)
    distinct = len({e["id"] for e in stream})
    batched_db = database_for("inventory")
    reference_db = psi_databases.create("inventory", "psi_inventory:migrations")
    reference_prefix = f"{stack.prefix}ref"

    # The reference: one event per transaction, its own database and topology.
    reference = stack.consumer(
        "inventory",
        key="reference",
        INVENTORY_DATABASE_URL=reference_db,
        PSI_TOPOLOGY_PREFIX=reference_prefix,
        PSI_CONSUMER_BATCH_SIZE="1",
    )
    publish_envelopes(stack.amqp_url, reference_prefix, stream)

    # Two batched consumers on one queue: the first is active, the second a standby.
    first = stack.consumer("inventory", key="batched-1")
    stack.consumer("inventory", key="batched-2")
    publish_envelopes(stack.amqp_url, stack.prefix, stream)
    wait_for(lambda: _applied(batched_db) >= distinct // 3, timeout=120, message="a third applied")
    first.kill()  # SIGKILL mid-stream: the standby takes over where the first left off
    wait_for(lambda: _applied(batched_db) == distinct, timeout=300, message="every event applied (batched)")
    wait_for(lambda: _applied(reference_db) == distinct, timeout=600, message="every event applied (reference)")
    try:
        for prefix in (stack.prefix, reference_prefix):
            queue = queue_name("inventory", "on_purchasing_events", prefix=prefix)
            assert queue_depth(stack.amqp_url, dlq_name(queue)) == 0, f"{queue}: nothing dead-lettered"
        batched, expected = _state(batched_db), _state(reference_db)
        for part in ("balances", "moves", "layers", "outgoing", "documents"):
            assert batched[part] == expected[part], f"{part} differ from the one-at-a-time run"
        # The stream did what it says: moves out and refusals both happened.
        kinds = {m[2] for m in expected["moves"]}
        assert kinds == {"receipt", "supplier_return"}
        assert any(t == "inventory.SupplierReturnRejected.v1" for t, _ in expected["outgoing"])
    finally:
        reference.stop()
        from psi_chassis.testing.helpers import delete_queues

        delete_queues(
            stack.amqp_url,
            [queue_name("inventory", h, prefix=reference_prefix) for h in ("on_purchasing_events", "on_sales_events")],
        )
