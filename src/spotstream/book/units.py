"""Exact conversion between Decimal amounts and scaled integers (``amount × 10^precision``)."""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Protocol

from spotstream.errors import ProtocolError


class PrecisionError(ProtocolError):
    """A number is not an amount of the instrument: too many decimals, or absurdly large."""


class PriceLevel(Protocol):
    """Anything with exact ``price`` and ``qty`` (wire levels are)."""

    @property
    def price(self) -> Decimal: ...
    @property
    def qty(self) -> Decimal: ...


# Exact arithmetic for amounts: 60 digits, exponents within ±45 (so a hostile 1e999999999
# traps instead of allocating a billion-digit int), and any rounding trapped.
AMOUNT_CONTEXT = decimal.Context(
    prec=60,
    Emax=45,
    Emin=-45,
    traps=[decimal.Inexact, decimal.Overflow, decimal.Underflow, decimal.InvalidOperation],
)
INVALID_AMOUNT = (ArithmeticError, ValueError, OverflowError)


def to_units(value: Decimal, precision: int) -> int:
    """``value × 10^precision`` as an int; raises :class:`PrecisionError` if that is not whole."""
    try:
        scaled = value.scaleb(precision, AMOUNT_CONTEXT)
        units = int(scaled)
    except INVALID_AMOUNT:
        raise PrecisionError(f"{value} is not an amount") from None
    if units != scaled:
        raise PrecisionError(f"{value} has more than {precision} decimals")
    return units


def from_units(units: int, precision: int) -> Decimal:
    """The exact Decimal for ``units / 10^precision``, rendered with ``precision`` decimals."""
    return Decimal(units).scaleb(-precision, AMOUNT_CONTEXT)
