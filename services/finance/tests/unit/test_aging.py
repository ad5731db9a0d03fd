"""The aging buckets (domain/aging.py), pure: scripted due dates against hand-computed buckets and totals.

Acceptance 6: "aging buckets for scripted due dates match hand-computed values", boundaries included (due today is
current, 30 days past is 1-30, 31 is 31-60, 90 is 61-90, 91 is over 90).
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from psi_finance.domain.aging import Bucket, OpenDocument, age, bucket_of, days_past_due, open_in_base

D = Decimal
Z = D(0)
AS_OF = date(2026, 12, 31)


@pytest.mark.parametrize(
    ("due_on", "days", "bucket"),
    [
        (date(2027, 1, 30), -30, Bucket.CURRENT),  # not yet due
        (date(2026, 12, 31), 0, Bucket.CURRENT),  # due today
        (date(2026, 12, 30), 1, Bucket.DAYS_1_30),
        (date(2026, 12, 1), 30, Bucket.DAYS_1_30),  # Dec 1 -> Dec 31 = 30 days
        (date(2026, 11, 30), 31, Bucket.DAYS_31_60),
        (date(2026, 11, 1), 60, Bucket.DAYS_31_60),  # Nov 1 -> Dec 1 = 30, -> Dec 31 = 60
        (date(2026, 10, 31), 61, Bucket.DAYS_61_90),
        (date(2026, 10, 2), 90, Bucket.DAYS_61_90),  # Oct 2 -> Nov 2 = 31, -> Dec 2 = 61, -> Dec 31 = 90
        (date(2026, 10, 1), 91, Bucket.OVER_90),
        (date(2025, 12, 31), 365, Bucket.OVER_90),
    ],
)
def test_the_bucket_of_a_due_date(due_on: date, days: int, bucket: Bucket) -> None:
    assert days_past_due(due_on, AS_OF) == days
    assert bucket_of(due_on, AS_OF) is bucket


def test_a_leap_day_counts_as_a_day() -> None:
    # due 2028-01-31, aged 2028-03-01: Jan 31 -> Feb 29 = 29 days, -> Mar 1 = 30: still 1-30
    assert days_past_due(date(2028, 1, 31), date(2028, 3, 1)) == 30
    assert bucket_of(date(2028, 1, 31), date(2028, 3, 2)) is Bucket.DAYS_31_60


def _doc(party: str, number: str, due_on: date, amount: str, **kw: object) -> OpenDocument:
    values = {"party_code": f"CUST-{party}", "is_credit": False, "issued_on": date(2026, 9, 1), **kw}
    kind = "credit_note" if values["is_credit"] else "invoice"
    return OpenDocument(
        party, values["party_code"], number, kind, values["is_credit"], values["issued_on"], due_on, D(amount)
    )


def test_each_party_s_open_documents_in_their_buckets_credits_apart_and_totals() -> None:
    documents = [
        _doc("A", "INV-000001", date(2026, 12, 31), "100"),  # 0 days: current
        _doc("A", "INV-000002", date(2026, 12, 1), "200"),  # 30: 1-30
        _doc("A", "INV-000003", date(2026, 11, 30), "300"),  # 31: 31-60
        _doc("A", "INV-000004", date(2026, 10, 2), "400"),  # 90: 61-90
        _doc("A", "INV-000005", date(2026, 10, 1), "500"),  # 91: over 90
        _doc("A", "INV-000006", date(2027, 1, 30), "50"),  # not yet due: current
        _doc("A", "CN-000007", date(2026, 12, 15), "60", is_credit=True, issued_on=date(2026, 12, 15)),  # a credit
        _doc("A", "INV-000008", date(2027, 2, 1), "70", issued_on=date(2027, 1, 2)),  # issued after: left out
        _doc("A", "INV-000009", date(2026, 9, 1), "0"),  # paid: left out
        _doc("B", "INV-000010", date(2026, 12, 30), "113"),  # 1 day: 1-30
    ]
    aging = age(documents, AS_OF)
    a, b = aging.rows
    # A: current 100 + 50 = 150; 1-30 200; 31-60 300; 61-90 400; over 90 500; credits -60
    assert (a.party_id, a.party_code, a.buckets, a.credits) == (
        "A",
        "CUST-A",
        (D(150), D(200), D(300), D(400), D(500)),
        D(-60),
    )
    assert a.total == D(1490)  # 150 + 200 + 300 + 400 + 500 - 60
    assert a.amount(Bucket.DAYS_61_90) == D(400)
    # A's documents by due date: INV-5 (Oct 1), INV-4 (Oct 2), INV-3, INV-2, CN-7 (Dec 15), INV-1, INV-6
    assert [(d.document.number, d.days_past_due, d.bucket) for d in a.documents] == [
        ("INV-000005", 91, Bucket.OVER_90),
        ("INV-000004", 90, Bucket.DAYS_61_90),
        ("INV-000003", 31, Bucket.DAYS_31_60),
        ("INV-000002", 30, Bucket.DAYS_1_30),
        ("CN-000007", 16, None),
        ("INV-000001", 0, Bucket.CURRENT),
        ("INV-000006", -30, Bucket.CURRENT),
    ]
    assert (b.party_id, b.buckets, b.credits, b.total) == ("B", (Z, D(113), Z, Z, Z), Z, D(113))
    totals = aging.totals
    # current 150; 1-30 200 + 113 = 313; 31-60 300; 61-90 400; over 90 500; credits -60; 1490 + 113 = 1603
    assert (totals.buckets, totals.credits, totals.total) == ((D(150), D(313), D(300), D(400), D(500)), D(-60), D(1603))


def test_a_party_with_only_a_credit_owes_less_than_nothing() -> None:
    aging = age([_doc("C", "CN-000001", date(2026, 12, 1), "40", is_credit=True)], AS_OF)
    (row,) = aging.rows
    assert (row.buckets, row.credits, row.total) == ((Z, Z, Z, Z, Z), D(-40), D(-40))


def test_nothing_open_is_an_empty_aging() -> None:
    aging = age([], AS_OF)
    assert aging.rows == () and aging.totals.total == Z and aging.totals.buckets == (Z, Z, Z, Z, Z)


def test_parties_in_code_order() -> None:
    docs = [_doc("9", "INV-1", AS_OF, "1", party_code="B"), _doc("1", "INV-2", AS_OF, "1", party_code="A")]
    assert [r.party_code for r in age(docs, AS_OF).rows] == ["A", "B"]


def test_open_in_the_base_currency() -> None:
    # wholly open: its base total as posted (per line rounded), not 100 x 7.2345 recomputed
    assert open_in_base(D("100"), D("100"), D("723.450001"), D("7.2345")) == D("723.450001")
    # part open: 40 x 7.2345 = 289.38
    assert open_in_base(D("40"), D("100"), D("723.45"), D("7.2345")) == D("289.380000")
    # 33.333333 x 7.2345 = 241.1499975885, six places: 241.149998
    assert open_in_base(D("33.333333"), D("100"), D("723.45"), D("7.2345")) == D("241.149998")
