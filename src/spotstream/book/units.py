"""Exact conversion between amounts and scaled integers (``amount × 10^precision``).

Amounts arrive as the text of JSON numbers (``b"0.566"``) or as Decimals; both become
integers without rounding, and anything that is not an amount of the pair raises
:class:`PrecisionError`. No float is involved anywhere.
"""

from __future__ import annotations

import decimal
from collections.abc import Iterable
from decimal import Decimal
from typing import Protocol

import msgspec

from spotstream.errors import ProtocolError


class PrecisionError(ProtocolError):
    """A number is not an amount of the instrument: too many decimals, signed, or absurd."""


Number = Decimal | bytes | msgspec.Raw
"""An exact amount: a Decimal, or the text of a JSON number (bytes, ``msgspec.Raw``), or of
a JSON string holding one (``b'"0.05"'``: some venues quote their numbers)."""


class PriceLevel(Protocol):
    """Anything with exact ``price`` and ``qty`` (wire levels are)."""

    @property
    def price(self) -> Number: ...
    @property
    def qty(self) -> Number: ...


MAX_DIGITS = 40
"""No amount in units has more digits; longer text is hostile or broken."""
_PAD = [b"0" * n for n in range(MAX_DIGITS + 1)]

# Exact Decimal arithmetic: 60 digits, exponents within ±45 (a hostile 1e999999999 traps
# instead of allocating a billion-digit int), and any rounding trapped.
_EXACT = decimal.Context(
    prec=60,
    Emax=45,
    Emin=-45,
    traps=[decimal.Inexact, decimal.Overflow, decimal.Underflow, decimal.InvalidOperation],
)


def check_precision(symbol: str, name: str, precision: int) -> None:
    """A book cannot hold amounts of more than ``MAX_DIGITS`` decimals: refuse it up front
    (:class:`PrecisionError`) rather than fail on every level it is sent."""
    if not 0 <= precision <= MAX_DIGITS:
        raise PrecisionError(f"{symbol}: {name} {precision} is beyond 0..{MAX_DIGITS} digits")


def number_text(value: Number) -> bytes:
    """The plain decimal text of ``value`` (``format(d, "f")`` for a Decimal)."""
    if isinstance(value, Decimal):
        if value.is_zero():
            return b"-0" if value.is_signed() else b"0"
        if not value.is_finite() or not -MAX_DIGITS <= value.adjusted() <= MAX_DIGITS:
            # format() would spell out every digit of 1E+999999999: refuse before that
            raise PrecisionError(f"{value} is not an amount")
        return format(value, "f").encode()
    return bytes(value)


def unquoted(text: bytes) -> bytes:
    """``text`` without the quotes of a JSON string (``b'"0.05"'`` -> ``b"0.05"``)."""
    if len(text) >= 2 and text[:1] == b'"' and text[-1:] == b'"':
        return text[1:-1]
    return text


def unit_digits(text: bytes, precision: int) -> bytes:
    """The digits of ``text × 10^precision`` without leading zeros (``b""`` for zero).

    ``text`` is a plain non-negative decimal (``b"0.5660"``, ``b"4"``, ``b"4.000"``); anything
    else (a sign, an exponent, a string, a non-zero digit beyond ``precision`` decimals) raises
    :class:`PrecisionError`. The result is also the number's checksum text in a book of
    ``TextSource.UNITS`` text (:mod:`spotstream.book.l2`).
    """
    whole, _, frac = text.partition(b".")
    if len(frac) > precision:  # trailing zeros beyond the precision are harmless
        frac = frac.rstrip(b"0")
    n = len(frac)
    digits_ok = whole.isdigit() and (not n or frac.isdigit())
    if n > precision or len(whole) > MAX_DIGITS or not digits_ok:
        raise PrecisionError(f"{text!r} is not an amount with at most {precision} decimals")
    return (whole + frac + _PAD[precision - n]).lstrip(b"0")


def to_units(value: Number, precision: int) -> int:
    """``value × 10^precision`` as an int (signed); raises :class:`PrecisionError` if that is
    not whole."""
    text = number_text(value)
    negative = text.startswith(b"-")
    units = int(unit_digits(text[1:] if negative else text, precision) or b"0")
    return -units if negative else units


def from_units(units: int, precision: int) -> Decimal:
    """The exact Decimal for ``units / 10^precision``, rendered with ``precision`` decimals."""
    return Decimal(units).scaleb(-precision, _EXACT)


def most_decimals(texts: Iterable[bytes | msgspec.Raw]) -> int:
    """The most decimals among number texts (JSON, quoted or not): the precision fixed-width
    wire numbers imply."""
    most = 0
    for text in texts:
        digits = bytes(text).strip(b'"').partition(b".")[2]
        if len(digits) > most:
            most = len(digits)
    return most
