"""Kraken v2 trading params other than new orders (amend, edit, cancels, the dead man's
switch), and the local checks they share with :mod:`~spotstream.protocol.kraken.v2.orders`.
Sans-I/O.

Every check raises :class:`InvalidRequestError` before anything is sent, with a message that
names Kraken's parameter.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

import msgspec

from spotstream.errors import InvalidRequestError
from spotstream.models.edge import field_type, to_decimal, to_enum
from spotstream.models.market import Instrument
from spotstream.models.orders import OrderRequest
from spotstream.protocol.amounts import check_digits
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.protocol.redact import redact_module

BATCH_CANCEL = (2, 50)
MAX_CANCEL_AFTER = 86_400  # exclusive
_LONG_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_SHORT_UUID = re.compile(r"^[0-9a-fA-F]{32}$")
S = TypeVar("S", bound=msgspec.Struct)
TRIGGER_FIELDS: dict[str, str] = {
    "trigger_price": "price",
    "trigger_reference": "reference",
    "trigger_price_type": "price_type",
}
"""The flat trigger fields (of ``OrderRequest``, of edit_order's arguments) and their names
in Kraken's ``triggers`` object."""


def fail(message: str) -> InvalidRequestError:
    return InvalidRequestError(message)


def check_client_id(name: str, value: str) -> None:
    """Kraken accepts a long UUID, a short (32 hex) UUID, or free text of ≤ 18 ASCII chars."""
    if _LONG_UUID.match(value) or _SHORT_UUID.match(value):
        return
    if not value or len(value) > 18 or not value.isascii() or not value.isprintable():
        raise fail(f"{name} must be a UUID, a 32-hex UUID or 1-18 printable ASCII characters")


def check_positive(name: str, value: object, precision: int | None = None) -> None:
    """``value`` is None or a positive Decimal with at most ``precision`` decimals."""
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise fail(f"{name} must be a positive Decimal, not {value!r}")
    check_digits(name, value, precision)


USER_REF_RANGE = (-(2**31), 2**31 - 1)  # Kraken's order_userref is a signed int32


def check_user_ref(name: str, value: int | None) -> None:
    """Kraken's ``order_userref`` (v1's ``userref``): a signed 32-bit integer."""
    if value is None:
        return
    low, high = USER_REF_RANGE
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise fail(f"{name} must be an integer from {low} to {high}, not {value!r}")


def check_price(name: str, value: object, price_type: str | None, pair: Instrument | None) -> None:
    """A price (or, with a pct/quote ``price_type``, an offset) on the pair's precision."""
    if value is None:
        return
    value = to_decimal(value, name)
    if price_type in (None, "static") and value <= 0 and name == "limit_price":
        raise fail(f"{name} must be positive")
    precision = pair.price_precision if pair and price_type in (None, "static") else None
    check_digits(name, value, precision)


def check_count(name: str, count: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= count <= high:
        raise fail(f"{name}: {low} to {high} are allowed, got {count}")


def check_deadline(deadline: datetime | None, now: datetime) -> datetime | None:
    """Kraken wants a deadline 500 ms to 60 s ahead, in milliseconds."""
    if deadline is None:
        return None
    if deadline.tzinfo is None:
        raise fail("deadline must be timezone-aware")
    ahead = deadline - now
    if not timedelta(milliseconds=500) <= ahead <= timedelta(seconds=60):
        raise fail("deadline must be 500 ms to 60 s in the future")
    return deadline.astimezone(UTC).replace(microsecond=deadline.microsecond // 1000 * 1000)


def wire_params(kind: type[S], fields: dict[str, object]) -> S:
    """``kind`` from checked ``fields``: msgspec checks each value against the wire's types
    (an enum member becomes the wire's string); a mismatch is :class:`InvalidRequestError`."""
    try:
        return msgspec.convert(fields, kind)
    except msgspec.ValidationError as exc:
        raise fail(f"not valid Kraken params: {exc}") from None


# --- cancels ------------------------------------------------------------------------------------


def cancel_order_params(
    token: str,
    order_ids: Sequence[str] = (),
    cl_ord_ids: Sequence[str] = (),
    order_userrefs: Sequence[int] = (),
) -> tuple[tw.CancelOrderParams, int]:
    """The params and how many responses to expect (one per identifier)."""
    count = len(order_ids) + len(cl_ord_ids) + len(order_userrefs)
    if count == 0:
        raise fail("cancel_order needs at least one order_id, cl_ord_id or order_userref")
    params = tw.CancelOrderParams(
        token=token,
        order_id=list(order_ids) or None,
        cl_ord_id=list(cl_ord_ids) or None,
        order_userref=list(order_userrefs) or None,
    )
    return params, count


def batch_cancel_params(
    token: str, orders: Sequence[str | int] = (), cl_ord_ids: Sequence[str] = ()
) -> tw.BatchCancelParams:
    check_count("batch_cancel ids", len(orders) + len(cl_ord_ids), BATCH_CANCEL)
    return tw.BatchCancelParams(
        token=token, orders=[str(o) for o in orders] or None, cl_ord_id=list(cl_ord_ids) or None
    )


def cancel_after_params(token: str, timeout: int) -> tw.CancelAllOrdersAfterParams:
    if isinstance(timeout, bool) or not isinstance(timeout, int):
        raise fail(f"timeout must be whole seconds, not {timeout!r}")
    if not 0 <= timeout < MAX_CANCEL_AFTER:
        raise fail(f"timeout must be 0 (disarm) to {MAX_CANCEL_AFTER - 1} seconds")
    return tw.CancelAllOrdersAfterParams(timeout=timeout, token=token)


# --- amend and edit -----------------------------------------------------------------------------


def amend_order_params(
    token: str, *, pair: Instrument | None, **fields: object
) -> tw.AmendOrderParams:
    """Checked amend_order params from ``fields`` (its parameters by Kraken's names; plain
    strings become the enums here). ``pair`` adds the instrument's precisions."""
    if (fields.get("order_id") is None) == (fields.get("cl_ord_id") is None):
        raise fail("amend_order needs exactly one of order_id and cl_ord_id")
    _check_change(fields, pair)
    return wire_params(tw.AmendOrderParams, {**fields, "token": token})


def edit_order_params(
    token: str, *, pair: Instrument | None, **fields: object
) -> tw.EditOrderParams:
    """Checked edit_order params from ``fields`` (its parameters by Kraken's names, the
    trigger flat as in add_order; plain strings become the enums here)."""
    if not fields.get("order_id"):
        raise fail("edit_order needs order_id")
    _check_change(fields, pair)
    trigger = {wire: fields.pop(name, None) for name, wire in TRIGGER_FIELDS.items()}
    if trigger["price"] is not None:
        fields["triggers"] = trigger
    elif trigger["reference"] is not None or trigger["price_type"] is not None:
        raise fail("trigger_reference and trigger_price_type need trigger_price")
    fields["validate"] = fields.get("validate") or None
    return wire_params(tw.EditOrderParams, {**fields, "token": token})


_ENUM_FIELDS: dict[str, type[StrEnum]] = {
    f.name: kind
    for f in msgspec.structs.fields(OrderRequest)
    if isinstance(kind := field_type(f.type)[0], type) and issubclass(kind, StrEnum)
}
"""The enum of each enum field of :class:`OrderRequest` (amend and edit use the same names)."""


def _check_change(fields: dict[str, object], pair: Instrument | None) -> None:
    """The checks of amend and edit: sizes, enum values (converted in place), prices."""
    qty_precision = pair.qty_precision if pair else None
    check_positive("order_qty", fields.get("order_qty"), qty_precision)
    check_positive("display_qty", fields.get("display_qty"), qty_precision)
    for name, value in fields.items():
        if value is not None and name in _ENUM_FIELDS:
            fields[name] = to_enum(_ENUM_FIELDS[name], value, name)
    limit_type, trigger_type = fields.get("limit_price_type"), fields.get("trigger_price_type")
    check_price("limit_price", fields.get("limit_price"), _text(limit_type), pair)
    check_price("trigger_price", fields.get("trigger_price"), _text(trigger_type), pair)


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


redact_module(globals())
