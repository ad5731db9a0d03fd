"""A requisition's estimate in the base currency (issue 8 point 12); every figure by hand; no I/O."""

from __future__ import annotations

from decimal import Decimal

from psi_purchasing.domain.approval import Tier
from psi_purchasing.domain.estimate import Estimate, EstimateLine, PlanningPrice, approver_role, estimate
from psi_purchasing.domain.fx import RateBand

D = Decimal
BANDS = {"USD": RateBand(D("6.5"), D("7.6"))}


def line(n: int, quantity: str, *prices: PlanningPrice) -> EstimateLine:
    return EstimateLine(n, f"S{n}", D(quantity), prices)


def test_foreign_prices_convert_at_the_top_of_the_band_and_base_prices_as_they_are():
    result = estimate(
        [
            line(1, "10", PlanningPrice("USD", D("2.5"))),  # 10 × 2.50 × 7.6 = 190
            line(2, "3", PlanningPrice("CNY", D("4.1"))),  # 3 × 4.10 = 12.30
        ],
        "CNY",
        BANDS,
    )
    assert result == Estimate(D("202.300000"), ())  # 190 + 12.30


def test_the_preferred_entry_wins_else_the_cheapest_once_converted():
    # preferred 20 CNY wins over a cheaper 2 USD (= 15.20 CNY): 5 × 20 = 100
    assert estimate(
        [line(1, "5", PlanningPrice("USD", D(2)), PlanningPrice("CNY", D(20), preferred=True))], "CNY", BANDS
    ).amount == D(100)
    # no preferred: 2 USD × 7.6 = 15.20 beats 16 CNY: 5 × 15.20 = 76
    assert estimate([line(1, "5", PlanningPrice("USD", D(2)), PlanningPrice("CNY", D(16)))], "CNY", BANDS).amount == D(
        76
    )
    # an unconvertible entry is skipped when another can be converted: 5 × 16 = 80
    assert estimate([line(1, "5", PlanningPrice("CHF", D(1)), PlanningPrice("CNY", D(16)))], "CNY", BANDS).amount == D(
        80
    )


def test_a_line_without_a_convertible_price_makes_the_estimate_incomplete():
    result = estimate(
        [
            line(1, "2", PlanningPrice("CNY", D(10))),  # 2 × 10 = 20
            line(2, "1", PlanningPrice("CHF", D(1), preferred=True), PlanningPrice("CNY", D(1))),
            line(3, "4"),
        ],
        "CNY",
        BANDS,
    )
    assert result.amount == D(20) and not result.complete
    assert result.unpriced == (
        "line 2 (S2): priced in CHF, which has no exchange-rate band",
        "line 3 (S3): no supplier price for 4",
    )


TIERS = (Tier(D(5000), None), Tier(D(50000), "purchasing_manager"), Tier(None, "admin"))


def test_an_incomplete_estimate_is_never_approved_automatically():
    assert approver_role(TIERS, Estimate(D(100))) is None
    assert approver_role(TIERS, Estimate(D(100), ("line 1",))) == "purchasing_manager"
    assert approver_role(TIERS, Estimate(D(60000), ("line 1",))) == "admin", "a higher tier keeps its role"
    assert approver_role((), Estimate(D(0), ("line 1",))) == "purchasing_manager", "the default tiers"
