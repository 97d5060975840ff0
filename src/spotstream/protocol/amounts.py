"""Sane bounds of an order's price and quantity, for every venue's order builders. Sans-I/O.

No spot market trades 10^15 of anything, nor at more than 18 decimals: such a number is a
mistake (a unit or a scale gone wrong), refused with :class:`InvalidRequestError` before
anything is sent. An instrument's own precision, when the builder knows it, is tighter.
"""

from __future__ import annotations

from decimal import Decimal

from spotstream.errors import InvalidRequestError

MAX_WHOLE_DIGITS = 15  # a price or quantity of 10^15 or more is a mistake, never an order
MAX_DECIMALS = 18  # without the instrument's precision: more decimals than any asset has


def check_digits(name: str, value: Decimal, precision: int | None = None) -> None:
    """``value`` has fewer than ``MAX_WHOLE_DIGITS`` whole digits and at most ``precision``
    (default ``MAX_DECIMALS``) decimals; trailing zeros are no precision."""
    normal = value.normalize()
    exponent = normal.as_tuple().exponent
    if not isinstance(exponent, int):
        raise InvalidRequestError(f"{name} must be a finite number, not {value!r}")
    if normal.adjusted() >= MAX_WHOLE_DIGITS:
        raise InvalidRequestError(f"{name} {value} has more than {MAX_WHOLE_DIGITS} whole digits")
    limit = MAX_DECIMALS if precision is None else precision
    if -exponent > limit:
        raise InvalidRequestError(f"{name} {value} has more than {limit} decimals")
