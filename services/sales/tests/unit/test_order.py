"""The sales order's life, figures by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

import pytest

from psi_chassis.errors import InvalidStatus
from psi_sales.domain.errors import OverReturn, OverShipment
from psi_sales.domain.order import OrderLine, OrderStatus, ReturnLine, SalesOrder, ShipLine

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _order() -> SalesOrder:
    return SalesOrder(
        status=OrderStatus.DRAFT,
        currency="CNY",
        lines=[
            OrderLine(1, "WIDGET", D(10), D("100"), D("87.5425"), D("0.13")),
            OrderLine(2, "GADGET", D(3), D("20"), D("19"), D("0.13")),
        ],
    )


def test_totals_round_each_line_then_add() -> None:
    order = _order()
    # line 1: 10 x 87.5425 = 875.425; tax 0.13 x 875.425 = 113.80525
    # line 2: 3 x 19 = 57; tax 7.41
    assert order.net_amount == D("932.425000")
    assert order.tax_amount == D("121.215250")
    assert order.total_amount == D("1053.640250")


def test_the_reservation_saga_happy_path_and_stale_replies() -> None:
    order = _order()
    assert order.confirm(held=False, now=NOW) is True and order.status is OrderStatus.CONFIRMED
    assert order.reserved(revision=2) is False  # not this revision: stale, nothing changes
    assert order.reserved(revision=1) is True and order.status is OrderStatus.RESERVED
    assert order.reserved(revision=1) is False  # delivered twice: the second changes nothing
    assert order.rejected(revision=1, short_lines=[]) is False and order.status is OrderStatus.RESERVED


def test_a_rejection_backorders_and_a_retry_asks_again() -> None:
    order = _order()
    order.confirm(held=False, now=NOW)
    short = [{"line_no": 2, "sku": "GADGET", "requested_quantity": "3", "available_quantity": "1"}]
    assert order.rejected(1, short) and order.status is OrderStatus.BACKORDERED and order.short_lines == short
    order.retry_reservation(NOW + timedelta(hours=1), 300)
    assert order.status is OrderStatus.CONFIRMED and order.short_lines == []


def test_credit_hold_waits_for_a_release() -> None:
    order = _order()
    assert order.confirm(held=True, now=NOW) is False and order.status is OrderStatus.CREDIT_HOLD
    order.release_credit(NOW)
    assert order.status is OrderStatus.CONFIRMED and order.reservation_requested_at == NOW


def test_two_partial_shipments_complete_the_order_and_no_more_than_reserved_ships() -> None:
    order = _order()
    order.confirm(held=False, now=NOW)
    order.reserved(1)
    order.ship([ShipLine(1, D(4))])
    assert order.status is OrderStatus.PARTIALLY_SHIPPED and order.line(1).open_quantity == D(6)
    with pytest.raises(OverShipment) as over:
        order.ship([ShipLine(1, D("6.000001"))])  # 6 left on line 1
    assert (
        over.value.code == "OVER_SHIPMENT" and over.value.status == 409 and order.line(1).shipped == D(4)
    )  # nothing changed
    order.ship([ShipLine(1, D(6)), ShipLine(2, D(3))])
    assert order.status is OrderStatus.SHIPPED
    # shipped 10 x 87.5425 x 1.13 = 989.23025 and 3 x 19 x 1.13 = 64.41
    assert order.shipped_amount == D("1053.640250")
    order.complete()
    assert order.status is OrderStatus.COMPLETED


def test_a_refused_shipment_is_taken_back() -> None:
    order = _order()
    order.confirm(held=False, now=NOW)
    order.reserved(1)
    order.ship([ShipLine(1, D(4))])
    order.shipment_refused([ShipLine(1, D(4))])
    assert order.status is OrderStatus.RESERVED and order.line(1).shipped == D(0)


def test_cancel_tells_inventory_only_when_it_may_hold_a_reservation() -> None:
    draft = _order()
    assert draft.cancel() is False
    confirmed = _order()
    confirmed.confirm(held=False, now=NOW)
    assert confirmed.cancel() is True and confirmed.status is OrderStatus.CANCELLED
    shipped = _order()
    shipped.confirm(held=False, now=NOW)
    shipped.reserved(1)
    shipped.ship([ShipLine(1, D(1))])
    with pytest.raises(InvalidStatus):
        shipped.cancel()


def test_an_amendment_after_confirmation_raises_the_revision_and_reruns_the_saga() -> None:
    order = _order()
    order.confirm(held=False, now=NOW)
    order.reserved(1)
    assert order.amend([OrderLine(1, "WIDGET", D(12), D("100"), D("87.5425"), D("0.13"))]) is True
    assert order.revision == 2 and order.status is OrderStatus.DRAFT
    order.confirm(held=False, now=NOW)
    assert order.reserved(1) is False and order.reserved(2) is True


def test_a_reply_that_never_comes_is_overdue_after_the_timeout() -> None:
    order = _order()
    order.confirm(held=False, now=NOW)
    assert not order.reservation_overdue(NOW + timedelta(seconds=299), 300)
    assert order.reservation_overdue(NOW + timedelta(seconds=301), 300)
    order.reserved(1)
    assert not order.reservation_overdue(NOW + timedelta(days=1), 300)


def test_returns_take_at_most_what_was_shipped_and_not_returned() -> None:
    order = _order()
    order.confirm(held=False, now=NOW)
    order.reserved(1)
    with pytest.raises(InvalidStatus):
        order.receive_return([ReturnLine(1, D(1))])  # nothing shipped yet
    order.ship([ShipLine(1, D(4))])
    with pytest.raises(OverReturn) as over:  # 3 + 2 on the same line is more than the 4 shipped
        order.receive_return([ReturnLine(1, D(3)), ReturnLine(1, D(2), "damaged")])
    assert over.value.status == 409 and order.line(1).returned == D(0)
    taken = order.receive_return([ReturnLine(1, D(3)), ReturnLine(1, D(1), "damaged")])
    assert [(ln.line_no, rl.quantity, rl.condition) for ln, rl in taken] == [
        (1, D(3), "resaleable"),
        (1, D(1), "damaged"),
    ]
    assert order.line(1).returned == D(4) and order.line(1).returnable == D(0)
    assert order.status is OrderStatus.PARTIALLY_SHIPPED


def test_a_stale_answer_changes_nothing() -> None:
    order = _order()
    order.confirm(held=False, now=NOW)
    order.amend(order.lines)  # revision 2, back to draft
    order.confirm(held=False, now=NOW)
    assert order.revision == 2
    assert order.rejected(1, [{"line_no": 1}]) is False and order.status is OrderStatus.CONFIRMED
    assert order.reserved(2) is True and order.status is OrderStatus.RESERVED
    assert order.reserved(2) is False  # delivered twice: nothing more
