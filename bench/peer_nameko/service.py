"""A hand-written peer of ``psi consume inventory``: nameko 2.14 on eventlet, psycopg2 pool, no framework of ours.

What a competent team would write without PSI's chassis: one ``@event_handler`` for
``purchasing.GoodsReceived.v1``, the same statements inventory makes for a receipt written by hand (inbox claim,
balance row upsert, row lock, ledger move, FIFO layer, balance update, outbox row, commit), JSON parsed but not
validated against the contract, connections from a green psycopg2 pool. It writes into a real, migrated PSI
inventory database, so its effects are checked exactly like PSI's.

Configured by the environment (bench/peer.py sets it): PEER_SOURCE (the producer "service" whose exchange
``<PEER_SOURCE>.events`` it binds, i.e. ``<prefix>.purchasing``), PEER_DSN (libpq DSN), PEER_POOL (connections).
"""

import datetime
import json
import os
import uuid
from decimal import Decimal

from psycogreen.eventlet import patch_psycopg

patch_psycopg()

import psycopg2.pool  # noqa: E402 - after the green patch
from nameko.events import event_handler  # noqa: E402

SOURCE = os.environ["PEER_SOURCE"]
CONSUMER = "peer.on_goods_received"
POOL = psycopg2.pool.ThreadedConnectionPool(1, int(os.environ.get("PEER_POOL", "10")), os.environ["PEER_DSN"])
Q6 = Decimal("0.000001")


def _receive(cur, now, event):
    data = event["data"]
    warehouse = data["warehouse_code"]
    lines = []
    total = Decimal(0)
    for line in sorted(data["lines"], key=lambda ln: (ln["sku"], ln["line_no"])):
        quantity, cost = Decimal(line["accepted_quantity"]), Decimal(line["unit_cost_base"])
        if quantity <= 0:
            continue
        value = (quantity * cost).quantize(Q6)
        cur.execute(
            "INSERT INTO stock_balances (sku, warehouse_code, on_hand, reserved, value, value_fifo, below_reorder,"
            " updated_at) VALUES (%s, %s, 0, 0, 0, 0, false, %s) ON CONFLICT DO NOTHING",
            (line["sku"], warehouse, now),
        )
        cur.execute(
            "SELECT on_hand, value, value_fifo FROM stock_balances WHERE sku = %s AND warehouse_code = %s FOR UPDATE",
            (line["sku"], warehouse),
        )
        on_hand, ma_value, fifo_value = cur.fetchone()
        cur.execute(
            "INSERT INTO stock_moves (sku, warehouse_code, kind, quantity, unit_cost, value, value_fifo,"
            " source_event_id, source_line, document_ref, occurred_at, recorded_at)"
            " VALUES (%s, %s, 'receipt', %s, %s, %s, %s, %s, %s, %s, %s, %s) RETURNING id",
            (
                line["sku"],
                warehouse,
                quantity,
                cost,
                value,
                value,
                event["id"],
                line["line_no"],
                data["receipt_number"],
                data["received_at"],
                now,
            ),
        )
        move_id = cur.fetchone()[0]
        cur.execute(
            "INSERT INTO cost_layers (sku, warehouse_code, move_id, original_quantity, remaining, unit_cost,"
            " occurred_at) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (line["sku"], warehouse, move_id, quantity, quantity, cost, data["received_at"]),
        )
        cur.execute(
            "UPDATE stock_balances SET on_hand = %s, value = %s, value_fifo = %s, updated_at = %s"
            " WHERE sku = %s AND warehouse_code = %s",
            (on_hand + quantity, ma_value + value, fifo_value + value, now, line["sku"], warehouse),
        )
        lines.append({"sku": line["sku"], "quantity": str(quantity), "unit_cost": str(cost), "value": str(value)})
        total += value
    return lines, total


class PeerInventory:
    name = "peerinventory"

    @event_handler(SOURCE, "purchasing.GoodsReceived.v1")
    def on_goods_received(self, event):
        conn = POOL.getconn()
        try:
            with conn.cursor() as cur:
                now = datetime.datetime.now(datetime.UTC)
                cur.execute(
                    "INSERT INTO inbox (consumer, event_id, event_type, received_at) VALUES (%s, %s, %s, %s)"
                    " ON CONFLICT DO NOTHING RETURNING event_id",
                    (CONSUMER, event["id"], event["type"], now),
                )
                if cur.fetchone() is None:
                    conn.rollback()
                    return
                lines, total = _receive(cur, now, event)
                body = {
                    "specversion": "1.0",
                    "id": str(uuid.uuid4()),
                    "type": "inventory.StockReceived.v1",
                    "source": "inventory",
                    "time": now.isoformat(),
                    "data": {
                        "source_event_id": event["id"],
                        "document_ref": event["data"]["receipt_number"],
                        "lines": lines,
                        "total_value": str(total),
                    },
                }
                cur.execute(
                    "INSERT INTO outbox (event_id, event_type, body, created_at) VALUES (%s, %s, %s, %s)",
                    (body["id"], body["type"], json.dumps(body), now),
                )
            conn.commit()
        except Exception:
            conn.rollback()
            raise
        finally:
            POOL.putconn(conn)
