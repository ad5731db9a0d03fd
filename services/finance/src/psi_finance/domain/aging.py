"""Aging (账龄分析): how long a party's open documents are past their due date, in five buckets. Pure.

**The bucket rule.** Days past due = the aging date less the due date, in whole calendar days:

* ``current``: not yet due, or due on the aging date itself (0 days past due or fewer);
* ``1-30``, ``31-60``, ``61-90``: 1 to 30, 31 to 60, 61 to 90 days past due (both ends inclusive);
* ``over_90``: 91 days past due or more.

Example, aged on 2026-12-31: due 2026-12-31 is current (0), due 2026-12-01 is 1-30 (30), due 2026-11-30 is 31-60
(31), due 2026-10-02 is 61-90 (90), due 2026-10-01 is over 90 (91).

**What is aged.** A document issued on or before the aging date with an amount still open. An invoice (a bill, for
payables) goes into the bucket of its due date. A credit note is money the party may set off at once: it is not
aged (it is due on issue, so it would always look overdue) but shown in a column of its own, ``credits``, as a
negative figure, so a party's row adds up across: current + 1-30 + 31-60 + 61-90 + over 90 + credits = total.
Both subledgers age alike, so the party is a customer or a supplier.

**The base currency.** A fully open document counts at its base-currency total as posted; a part open at the open
amount times the document's rate, rounded to six places (psi_chassis.decimals.q6).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from psi_chassis.decimals import ZERO, q6


class Bucket(StrEnum):
    CURRENT = "current"
    DAYS_1_30 = "1-30"
    DAYS_31_60 = "31-60"
    DAYS_61_90 = "61-90"
    OVER_90 = "over_90"


BUCKETS: tuple[Bucket, ...] = tuple(Bucket)
#: The last day past due of each bucket but the open-ended last one.
_UPPER = ((0, Bucket.CURRENT), (30, Bucket.DAYS_1_30), (60, Bucket.DAYS_31_60), (90, Bucket.DAYS_61_90))


def days_past_due(due_on: date, as_of: date) -> int:
    """Whole days from the due date to the aging date: 0 on the due date, negative before it."""
    return (as_of - due_on).days


def bucket_of(due_on: date, as_of: date) -> Bucket:
    days = days_past_due(due_on, as_of)
    for last_day, bucket in _UPPER:
        if days <= last_day:
            return bucket
    return Bucket.OVER_90


def open_in_base(open_amount: Decimal, total: Decimal, base_total: Decimal, rate: Decimal) -> Decimal:
    """What is open of a document in the base currency: its base total while it is wholly open, else the open
    amount at the document's rate (rounded to six places)."""
    return base_total if open_amount == total else q6(open_amount * rate)


@dataclass(frozen=True)
class OpenDocument:
    """An invoice or a credit note (a bill or a debit note) with what is open of it in the base currency."""

    party_id: str
    party_code: str | None
    number: str
    kind: str
    is_credit: bool
    issued_on: date
    due_on: date
    open_amount: Decimal


@dataclass(frozen=True)
class AgedDocument:
    document: OpenDocument
    days_past_due: int
    bucket: Bucket | None
    """None for a credit (not aged: see the module's rule)."""


@dataclass(frozen=True)
class AgingRow:
    """One party's open amounts per bucket and its credits (zero or negative); ``total`` adds them up."""

    party_id: str
    party_code: str | None
    buckets: tuple[Decimal, ...]
    credits: Decimal
    documents: tuple[AgedDocument, ...] = ()

    @property
    def total(self) -> Decimal:
        return sum(self.buckets, ZERO) + self.credits

    def amount(self, bucket: Bucket) -> Decimal:
        return self.buckets[BUCKETS.index(bucket)]


@dataclass(frozen=True)
class Aging:
    as_of: date
    rows: tuple[AgingRow, ...]

    @property
    def totals(self) -> AgingRow:
        """Every party together (party ``""``)."""
        buckets = tuple(sum((r.buckets[i] for r in self.rows), ZERO) for i in range(len(BUCKETS)))
        return AgingRow("", None, buckets, sum((r.credits for r in self.rows), ZERO))


def age(documents: Iterable[OpenDocument], as_of: date) -> Aging:
    """Each party's open documents issued by ``as_of`` in their buckets; parties by code (then id), a party's
    documents by due date (then number). A document with nothing open or issued after ``as_of`` is left out."""
    by_party: dict[str, list[AgedDocument]] = {}
    for doc in documents:
        if doc.issued_on > as_of or doc.open_amount == ZERO:
            continue
        bucket = None if doc.is_credit else bucket_of(doc.due_on, as_of)
        by_party.setdefault(doc.party_id, []).append(AgedDocument(doc, days_past_due(doc.due_on, as_of), bucket))
    rows = [_row(party, aged) for party, aged in by_party.items()]
    return Aging(as_of, tuple(sorted(rows, key=lambda r: (r.party_code or "", r.party_id))))


def _row(party_id: str, aged: list[AgedDocument]) -> AgingRow:
    amounts = dict.fromkeys(BUCKETS, ZERO)
    credits = ZERO
    for item in aged:
        if item.bucket is None:
            credits -= item.document.open_amount
        else:
            amounts[item.bucket] += item.document.open_amount
    ordered = tuple(sorted(aged, key=lambda a: (a.document.due_on, a.document.number)))
    code = next((a.document.party_code for a in aged if a.document.party_code), None)
    return AgingRow(party_id, code, tuple(amounts[b] for b in BUCKETS), credits, ordered)
