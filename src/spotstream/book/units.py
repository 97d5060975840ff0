"""Exact conversion between Decimal amounts and scaled integers (``amount × 10^precision``)."""

from __future__ import annotations

from decimal import Decimal

from spotstream.errors import ProtocolError


class PrecisionError(ProtocolError):
    """A number carries more decimals than the instrument's precision allows."""


def to_units(value: Decimal, precision: int) -> int:
    """``value × 10^precision`` as an int; raises :class:`PrecisionError` if that is not whole."""
    scaled = value.scaleb(precision)
    units = int(scaled)
    if units != scaled:
        raise PrecisionError(f"{value} has more than {precision} decimals")
    return units


def from_units(units: int, precision: int) -> Decimal:
    """The exact Decimal for ``units / 10^precision``, rendered with ``precision`` decimals."""
    return Decimal(units).scaleb(-precision)
