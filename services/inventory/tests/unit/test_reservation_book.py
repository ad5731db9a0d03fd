"""The reservation book's rules without I/O: an order's revisions (an amendment replaces the older reservation, a
repeat is answered again, a stale one is ignored, a retry after a refusal reserves), the API's once-per-reference
rule, and shipments and cancellations on whichever revision is active. Every figure is worked out beside it."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal as D

import pytest

from psi_inventory.domain.commands import ReservationLine
from psi_inventory.domain.errors import AlreadyReserved
from psi_inventory.domain.reservation_book import (
    ACTIVE,
    CONSUMED,
    RELEASED,
    Answer,
    ReservationBook,
    ReservationRow,
    ShortLine,
)
from psi_inventory.domain.stock_book import OpenLayer, Position, Source, StockBook

NOW = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
WH = "WH-1"
ORDER = "SO-1"


def _book(on_hand: dict[str, str], rows: list[ReservationRow] | None = None) -> ReservationBook:
    """A book over SKUs with ``on_hand`` each at 2.00 a unit, nothing reserved unless ``rows`` hold it."""
    positions = {}
    for sku, quantity in on_hand.items():
        held = sum((r.left for r in rows or () if r.sku == sku and r.status == ACTIVE), D(0))
        layers = [OpenLayer(1, D(quantity), D(2), D(quantity))]
        positions[(sku, WH)] = Position(
            sku, WH, D(quantity), held, D(quantity) * 2, D(quantity) * 2, False, None, layers
        )
    return ReservationBook.of(StockBook(positions, {}, NOW), rows or [], NOW)


def _lines(*lines: tuple[int, str, str]) -> list[ReservationLine]:
    return [ReservationLine(no, sku, D(quantity)) for no, sku, quantity in lines]


def _reserved(book: ReservationBook, sku: str) -> tuple[D, D]:
    pos = book.stock.position(sku, WH)
    return pos.on_hand, pos.reserved


def _rows(book: ReservationBook) -> list[tuple[int, int, str, D, D, str]]:
    """(revision, line, sku, quantity, consumed, status) of the order's rows."""
    return sorted((r.revision, r.line_no, r.sku, r.quantity, r.consumed, r.status) for r in book.rows.get(ORDER, []))


def test_a_first_confirmation_reserves_every_line_at_its_revision() -> None:
    book = _book({"A": "10", "B": "5"})
    answer = book.confirm(ORDER, 1, WH, _lines((1, "A", "4"), (2, "B", "2")))
    assert answer == Answer(1, reserved=tuple(_lines((1, "A", "4"), (2, "B", "2"))))
    assert _reserved(book, "A") == (D(10), D(4)) and _reserved(book, "B") == (D(5), D(2))
    assert _rows(book) == [(1, 1, "A", D(4), D(0), ACTIVE), (1, 2, "B", D(2), D(0), ACTIVE)]


def test_an_amendment_replaces_the_older_revision() -> None:
    book = _book({"A": "10", "B": "5"})
    book.confirm(ORDER, 1, WH, _lines((1, "A", "4"), (2, "B", "2")))
    answer = book.confirm(ORDER, 2, WH, _lines((1, "A", "6")))
    assert answer == Answer(2, reserved=tuple(_lines((1, "A", "6"))))
    # Reserved equals the new lines only: A 4 released then 6 reserved = 6, B 2 released = 0.
    assert _reserved(book, "A") == (D(10), D(6)) and _reserved(book, "B") == (D(5), D(0))
    assert _rows(book) == [
        (1, 1, "A", D(4), D(0), RELEASED),
        (1, 2, "B", D(2), D(0), RELEASED),
        (2, 1, "A", D(6), D(0), ACTIVE),
    ]
    assert book.held_for(ORDER, WH) == {"A": D(6)}


def test_an_amendment_may_use_what_the_older_revision_held() -> None:
    # 7 on hand, 5 held by revision 1: 2 free; released first, so revision 2 finds 7 and takes all 7.
    book = _book({"A": "7"})
    book.confirm(ORDER, 1, WH, _lines((1, "A", "5")))
    assert book.confirm(ORDER, 2, WH, _lines((1, "A", "7"))) == Answer(2, reserved=tuple(_lines((1, "A", "7"))))
    assert _reserved(book, "A") == (D(7), D(7))


def test_a_short_amendment_is_rejected_and_the_order_holds_nothing() -> None:
    loaded = [ReservationRow(11, ORDER, 1, "A", WH, D(5), D(0), ACTIVE, 1)]
    book = _book({"A": "7", "B": "1"}, loaded)
    assert _reserved(book, "A") == (D(7), D(5))
    answer = book.confirm(ORDER, 2, WH, _lines((1, "A", "8"), (2, "B", "1")))
    # A: 7 on hand − 0 reserved once revision 1 is released = 7 < 8; B fits, but all or nothing.
    assert answer == Answer(2, short=(ShortLine(1, "A", D(8), D(7)),))
    assert answer.rejected
    assert _reserved(book, "A") == (D(7), D(0)) and _reserved(book, "B") == (D(1), D(0))
    assert _rows(book) == [(1, 1, "A", D(5), D(0), RELEASED)]
    assert book.new_rows == [] and book.held_for(ORDER, WH) == {}


def test_a_repeat_is_answered_again_each_time_and_reserves_nothing_more() -> None:
    book = _book({"A": "10"})
    first = book.confirm(ORDER, 1, WH, _lines((2, "A", "3"), (1, "A", "4")))
    for _ in range(2):
        assert book.confirm(ORDER, 1, WH, _lines((1, "A", "4"), (2, "A", "3"))) == first
    assert first == Answer(1, reserved=tuple(_lines((1, "A", "4"), (2, "A", "3"))))
    assert _reserved(book, "A") == (D(10), D(7))  # 4 + 3, once
    assert len(book.new_rows) == 2


def test_a_repeat_answers_the_rows_it_holds_not_the_repeated_lines() -> None:
    # Loaded from the database: revision 3 holds 4 of A (1 already shipped). The repeat answers that.
    loaded = [ReservationRow(7, ORDER, 1, "A", WH, D(4), D(1), ACTIVE, 3)]
    book = _book({"A": "9"}, loaded)
    assert book.confirm(ORDER, 3, WH, _lines((1, "A", "4"))) == Answer(3, reserved=tuple(_lines((1, "A", "4"))))
    assert _reserved(book, "A") == (D(9), D(3)) and not loaded[0].changed


def test_a_repeat_after_a_cancellation_answers_nothing() -> None:
    book = _book({"A": "10"})
    book.confirm(ORDER, 1, WH, _lines((1, "A", "4")))
    assert book.release(ORDER) == 1
    assert book.confirm(ORDER, 1, WH, _lines((1, "A", "4"))) is None
    assert _reserved(book, "A") == (D(10), D(0))


def test_a_stale_revision_changes_nothing() -> None:
    loaded = [
        ReservationRow(1, ORDER, 1, "A", WH, D(4), D(0), RELEASED, 1),
        ReservationRow(2, ORDER, 1, "A", WH, D(6), D(0), ACTIVE, 2),
    ]
    book = _book({"A": "10"}, loaded)
    assert book.confirm(ORDER, 1, WH, _lines((1, "A", "4"))) is None
    assert _reserved(book, "A") == (D(10), D(6))
    assert [r.changed for r in loaded] == [False, False] and book.new_rows == []


def test_a_retry_after_a_rejection_is_a_new_reservation() -> None:
    book = _book({"A": "3"})
    assert book.confirm(ORDER, 1, WH, _lines((1, "A", "5"))) == Answer(1, short=(ShortLine(1, "A", D(5), D(3)),))
    assert book.latest_revision(ORDER) is None  # a refusal writes no rows
    book.stock.receive("A", WH, "receipt", D(3), D(2), Source(NOW, "GRN-1"))  # 3 + 3 = 6 on hand
    assert book.confirm(ORDER, 1, WH, _lines((1, "A", "5"))) == Answer(1, reserved=tuple(_lines((1, "A", "5"))))
    assert _reserved(book, "A") == (D(6), D(5))


def test_revisions_confirmed_in_one_batch_end_as_the_last_one() -> None:
    book = _book({"A": "10"})
    book.confirm(ORDER, 1, WH, _lines((1, "A", "4")))
    book.confirm(ORDER, 2, WH, _lines((1, "A", "5")))
    book.confirm(ORDER, 3, WH, _lines((1, "A", "2")))
    assert _reserved(book, "A") == (D(10), D(2))  # 4, then 5, then 2: each replaces the one before
    assert [(r.revision, r.status) for r in book.new_rows] == [(1, RELEASED), (2, RELEASED), (3, ACTIVE)]


def test_what_a_shipment_consumed_stays_consumed_after_an_amendment() -> None:
    book = _book({"A": "10"})
    book.confirm(ORDER, 1, WH, _lines((1, "A", "5")))
    covered = book.take_for_shipment(ORDER, "A", WH, D(2))
    book.stock.issue("A", WH, "issue", D(2), Source(NOW, ORDER), from_reserved=covered)
    assert _reserved(book, "A") == (D(8), D(3))  # 10 − 2 shipped; 5 − 2 still held
    book.confirm(ORDER, 2, WH, _lines((1, "A", "4")))
    # The 3 still held go back, then 4 are held: 8 on hand, 4 reserved; revision 1 keeps its 2 consumed.
    assert _reserved(book, "A") == (D(8), D(4))
    assert _rows(book) == [(1, 1, "A", D(5), D(2), RELEASED), (2, 1, "A", D(4), D(0), ACTIVE)]
    # A shipment takes from the active revision, whichever it is: 4 of 4, the row is used up.
    assert book.take_for_shipment(ORDER, "A", WH, D(4)) == D(4)
    assert _rows(book)[-1] == (2, 1, "A", D(4), D(4), CONSUMED)


def test_the_api_reserves_once_per_reference_at_revision_one() -> None:
    book = _book({"A": "10"})
    assert book.reserve("POS-1", WH, _lines((1, "A", "2"))) == []
    assert [(r.revision, r.status) for r in book.rows["POS-1"]] == [(1, ACTIVE)]
    with pytest.raises(AlreadyReserved):
        book.reserve("POS-1", WH, _lines((1, "A", "1")))
    book.release("POS-1")
    with pytest.raises(AlreadyReserved):  # released rows count too
        book.reserve("POS-1", WH, _lines((1, "A", "1")))
    assert _reserved(book, "A") == (D(10), D(0))
