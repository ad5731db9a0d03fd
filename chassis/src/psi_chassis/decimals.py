"""The one rounding rule for money and quantities in every PSI service.

Values are ``Decimal`` everywhere and are stored and published with six decimal places; rounding is banker's
rounding (half to even) so that the errors of many roundings do not drift one way. Domain code imports these
instead of defining its own, so two services can never round the same figure differently.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

QUANTUM = Decimal("0.000001")
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
#: The largest money amount or quantity a request or a document line may carry (the ledgers hold far more; no SME
#: needs it).
MAX_AMOUNT = Decimal(10) ** 12


def q6(value: Decimal) -> Decimal:
    """``value`` rounded to six decimal places, half to even."""
    return value.quantize(QUANTUM, rounding=ROUND_HALF_EVEN)


def line_amount(quantity: Decimal, unit_price: Decimal) -> Decimal:
    """A document line's amount net of tax: quantity x unit price, rounded once to six places."""
    return q6(quantity * unit_price)


def tax_amount(net: Decimal, tax_rate: Decimal) -> Decimal:
    """The tax on a net amount (``tax_rate`` as a fraction: 0.13 is 13 %), rounded once to six places."""
    return q6(net * tax_rate)


class NetAndTax:
    """For a document line (a dataclass with ``quantity``, ``unit_price`` and ``tax_rate``): its amount net of
    tax and its tax, by :func:`line_amount` and :func:`tax_amount`, so every service's lines add up alike."""

    quantity: Decimal
    unit_price: Decimal
    tax_rate: Decimal

    @property
    def amount(self) -> Decimal:
        """Net of tax: quantity x unit price."""
        return line_amount(self.quantity, self.unit_price)

    @property
    def tax_amount(self) -> Decimal:
        return tax_amount(self.amount, self.tax_rate)


def has_at_most_6_places(value: Decimal) -> bool:
    """True for a finite decimal that six decimals hold exactly (``1.5000000`` is fine, ``1.0000001`` is not).

    Reads the digits instead of quantizing, so a huge value cannot trip the decimal context's precision.
    """
    if not value.is_finite():
        return False
    _sign, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    significant = "".join(map(str, digits)).rstrip("0")
    if not significant:
        return True
    return exponent + (len(digits) - len(significant)) >= -6


def plain(value: Decimal) -> str:
    """A decimal for people to read in a message: ``10`` rather than ``10.000000`` or ``1E+1``."""
    return format(value.normalize(), "f")
