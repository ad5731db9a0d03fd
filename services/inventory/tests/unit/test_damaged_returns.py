"""Damaged goods a customer sent back, in the stock book without I/O: received at the cost that left, then written
off by a move that takes out exactly that, so the balance, its values and its low-stock flag end where they were.
Every figure is worked out beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

from psi_inventory.domain.low_stock import LowStock, ReorderRule
from psi_inventory.domain.source_documents import is_damaged
from psi_inventory.domain.stock_book import OpenLayer, Position, Posted, Source, StockBook
from psi_inventory.domain.valuation import FIFO

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
WH = "WH-1"


def _book(method: str | None = None) -> tuple[StockBook, list[LowStock]]:
    """10 of A on hand at 10.00 (worth 100.00 both ways), reorder point 12: below it (10 available)."""
    position = Position(
        "A",
        WH,
        D(10),
        D(0),
        D(100),
        D(100),
        True,
        ReorderRule(D(12), D(20), D(0)),
        [OpenLayer(1, D(10), D(10), D(10))],
    )
    alerts: list[LowStock] = []
    book = StockBook({("A", WH): position}, {WH: method} if method else {}, NOW, on_low_stock=alerts.append)
    return book, alerts


def _write_off(book: StockBook, quantity: str, moving_average: str, fifo: str) -> tuple[Posted, Posted]:
    q = D(quantity)
    return book.receive_written_off(
        "A",
        WH,
        "customer_return",
        q,
        D(moving_average) if book.method_of(WH) != FIFO else D(fifo),
        Source(NOW, "RMA-1", "event-1", 2, reason_code="customer_return"),
        fifo_layers=[(q, D(fifo))],
        value=q * D(moving_average),
        write_off_kind="adjustment",
        write_off=Source(NOW, "ADJ-000001", line=1, reason_code="return_damaged"),
    )


def test_a_damaged_return_is_received_at_cost_and_written_off_at_the_same_cost() -> None:
    book, _ = _book()
    received, written_off = _write_off(book, "2", "8", "8")
    # In: 2 × 8.00 = 16.00 both ways. Out: the same 16.00, at 8.00 a unit.
    assert (received.quantity, received.value, received.value_fifo) == (D(2), D(16), D(16))
    assert (written_off.quantity, written_off.value, written_off.value_fifo) == (D(-2), D(-16), D(-16))
    assert written_off.unit_cost == D(8) and written_off.layers == ((D(2), D(8)),)
    assert [(m.kind, m.quantity, m.value, m.source.document_ref) for m in book.moves] == [
        ("customer_return", D(2), D(16), "RMA-1"),
        ("adjustment", D(-2), D(-16), "ADJ-000001"),
    ]
    pos = book.position("A", WH)
    # 10 + 2 − 2 = 10 on hand, 100 + 16 − 16 = 100.00 both ways; not 116 × 2 / 12 = 19.33 out by the average.
    assert (pos.on_hand, pos.reserved, pos.value, pos.value_fifo) == (D(10), D(0), D(100), D(100))
    # Its FIFO layer is made and used up at once; the old layer of 10 @ 10.00 is untouched.
    assert [(ly.original_quantity, ly.remaining, ly.unit_cost) for ly in pos.layers or []] == [
        (D(10), D(10), D(10)),
        (D(2), D(0), D(8)),
    ]


def test_the_write_off_announces_no_crossing() -> None:
    book, alerts = _book()
    _write_off(book, "3", "8", "8")
    # Still 10 available < 12: below before and after, nothing to announce.
    assert book.position("A", WH).below_reorder and alerts == []
    # A receipt then an ordinary issue would have risen to 13 (recovered) and fallen to 10 (announced again).
    plain, plain_alerts = _book()
    plain.receive("A", WH, "customer_return", D(3), D(8), Source(NOW, "RMA-1"))
    plain.issue("A", WH, "adjustment", D(3), Source(NOW, "ADJ-1"))
    assert len(plain_alerts) == 1


def test_a_fifo_warehouse_writes_off_the_fifo_cost_that_came_back() -> None:
    book, _ = _book(FIFO)
    # Shipped at 8.50 by the average and 8.00 by FIFO: 2 back are 17.00 and 16.00; the books (FIFO) say 8.00.
    received, written_off = _write_off(book, "2", "8.5", "8")
    assert (received.value, received.value_fifo, received.unit_cost) == (D(17), D(16), D(8))
    assert (written_off.value, written_off.value_fifo, written_off.unit_cost) == (D(-17), D(-16), D(8))
    pos = book.position("A", WH)
    assert (pos.on_hand, pos.value, pos.value_fifo) == (D(10), D(100), D(100))


def test_which_return_lines_are_written_off() -> None:
    assert is_damaged({"condition": "damaged"})
    assert not is_damaged({"condition": "resaleable"}) and not is_damaged({})  # absent: resaleable
