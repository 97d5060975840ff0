"""Kraken v2 trading requests: validated locally, then built as wire params. Sans-I/O.

Every check here raises :class:`InvalidRequestError` before anything is sent, with a
message that names the parameter. The exchange stays the final judge (funds, minimums,
market state); these checks catch what is wrong whatever the market does.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, get_args

from spotstream.errors import InvalidRequestError
from spotstream.models.market import Instrument
from spotstream.models.orders import ConditionalClose, OrderRequest
from spotstream.protocol.kraken.v2 import private_wire as pw
from spotstream.protocol.kraken.v2 import trading_wire as tw

ORDER_TYPES = frozenset(get_args(tw.OrderType))
CONDITIONAL_TYPES = frozenset(get_args(tw.ConditionalOrderType))
BATCH_ADD = (2, 15)
BATCH_CANCEL = (2, 50)
MAX_CANCEL_AFTER = 86_400  # exclusive
_CHOICES: dict[str, frozenset[str]] = {
    "side": frozenset(get_args(pw.Side)),
    "limit_price_type": frozenset(get_args(tw.PriceType)),
    "trigger_price_type": frozenset(get_args(tw.PriceType)),
    "trigger_reference": frozenset(get_args(tw.TriggerReference)),
    "time_in_force": frozenset(get_args(tw.TimeInForce)),
    "fee_preference": frozenset(get_args(tw.FeePreference)),
    "stp_type": frozenset(get_args(tw.StpType)),
}
_LONG_UUID = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_SHORT_UUID = re.compile(r"^[0-9a-fA-F]{32}$")


def _fail(message: str) -> InvalidRequestError:
    return InvalidRequestError(message)


def check_client_id(name: str, value: str) -> None:
    """Kraken accepts a long UUID, a short (32 hex) UUID, or free text of ≤ 18 ASCII chars."""
    if _LONG_UUID.match(value) or _SHORT_UUID.match(value):
        return
    if not value or len(value) > 18 or not value.isascii() or not value.isprintable():
        raise _fail(f"{name} must be a UUID, a 32-hex UUID or 1-18 printable ASCII characters")


def _check_choice(name: str, value: str | None) -> None:
    if value is not None and value not in _CHOICES[name]:
        raise _fail(f"{name} must be one of {sorted(_CHOICES[name])}, not {value!r}")


def _check_positive(name: str, value: Decimal | None, precision: int | None = None) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
        raise _fail(f"{name} must be a positive Decimal, not {value!r}")
    _check_precision(name, value, precision)


def _check_precision(name: str, value: Decimal, precision: int | None) -> None:
    exponent = value.normalize().as_tuple().exponent
    if precision is not None and isinstance(exponent, int) and -exponent > precision:
        raise _fail(f"{name} {value} has more than {precision} decimals")


def _check_price(
    name: str, value: Decimal | None, price_type: str | None, pair: Instrument | None
) -> None:
    if value is None:
        return
    if not isinstance(value, Decimal) or not value.is_finite():
        raise _fail(f"{name} must be a finite Decimal, not {value!r}")
    if price_type in (None, "static") and value <= 0 and name == "limit_price":
        raise _fail(f"{name} must be positive")
    precision = pair.price_precision if pair and price_type in (None, "static") else None
    _check_precision(name, value, precision)


def validate_order(order: OrderRequest, pair: Instrument | None) -> None:
    """Every local check of one order (``pair`` adds the instrument's precisions)."""
    if order.order_type not in ORDER_TYPES:
        raise _fail(f"order_type must be one of {sorted(ORDER_TYPES)}, not {order.order_type!r}")
    for name in ("side", "limit_price_type", "trigger_price_type", "trigger_reference"):
        _check_choice(name, getattr(order, name))
    for name in ("time_in_force", "fee_preference", "stp_type"):
        _check_choice(name, getattr(order, name))
    qty_precision = pair.qty_precision if pair else None
    _check_positive("order_qty", order.order_qty, qty_precision)
    _check_positive("display_qty", order.display_qty, qty_precision)
    _check_positive("cash_order_qty", order.cash_order_qty)
    _check_price("limit_price", order.limit_price, order.limit_price_type, pair)
    _check_price("trigger_price", order.trigger_price, order.trigger_price_type, pair)
    _check_combinations(order)
    if order.cl_ord_id is not None:
        check_client_id("cl_ord_id", order.cl_ord_id)
    if order.sender_sub_id is not None:
        check_client_id("sender_sub_id", order.sender_sub_id)
    if order.conditional is not None:
        _check_conditional(order.conditional, pair)


def _check_combinations(order: OrderRequest) -> None:
    kind = order.order_type
    if kind in tw.LIMIT_ORDER_TYPES and order.limit_price is None:
        raise _fail(f"{kind} orders need limit_price")
    if kind not in tw.LIMIT_ORDER_TYPES and order.limit_price is not None:
        raise _fail(f"{kind} orders take no limit_price")
    if kind in tw.TRIGGERED_ORDER_TYPES and order.trigger_price is None:
        raise _fail(f"{kind} orders need trigger_price")
    if kind not in tw.TRIGGERED_ORDER_TYPES and order.trigger_price is not None:
        raise _fail(f"{kind} orders take no trigger_price")
    if order.limit_price_type not in (None, "static") and kind != "trailing-stop-limit":
        raise _fail("limit_price_type pct/quote is for trailing-stop-limit orders only")
    if order.display_qty is not None:
        if kind != "iceberg":
            raise _fail("display_qty is for iceberg orders only")
        if order.display_qty * 15 < order.order_qty:
            raise _fail("display_qty must be at least 1/15 of order_qty")
    if order.cash_order_qty is not None and kind != "market":
        raise _fail("cash_order_qty is for market orders only")
    if order.post_only and kind not in tw.LIMIT_ORDER_TYPES:
        raise _fail("post_only needs an order type with a limit price")
    if order.cl_ord_id is not None and order.order_userref is not None:
        raise _fail("cl_ord_id and order_userref are mutually exclusive")
    if order.time_in_force == "gtd" and order.expire_time is None:
        raise _fail("time_in_force gtd needs expire_time")
    if order.expire_time is not None and order.time_in_force != "gtd":
        raise _fail("expire_time needs time_in_force gtd")


def _check_conditional(close: ConditionalClose, pair: Instrument | None) -> None:
    if close.order_type not in CONDITIONAL_TYPES:
        raise _fail(f"conditional order_type must be one of {sorted(CONDITIONAL_TYPES)}")
    if close.order_type in tw.LIMIT_ORDER_TYPES and close.limit_price is None:
        raise _fail(f"conditional {close.order_type} needs limit_price")
    if close.order_type in tw.TRIGGERED_ORDER_TYPES and close.trigger_price is None:
        raise _fail(f"conditional {close.order_type} needs trigger_price")
    _check_choice("limit_price_type", close.limit_price_type)
    _check_choice("trigger_price_type", close.trigger_price_type)
    _check_price("limit_price", close.limit_price, close.limit_price_type, pair)
    _check_price("trigger_price", close.trigger_price, close.trigger_price_type, pair)


def check_deadline(deadline: datetime | None, now: datetime) -> datetime | None:
    """Kraken wants a deadline 500 ms to 60 s ahead, in milliseconds."""
    if deadline is None:
        return None
    if deadline.tzinfo is None:
        raise _fail("deadline must be timezone-aware")
    ahead = deadline - now
    if not timedelta(milliseconds=500) <= ahead <= timedelta(seconds=60):
        raise _fail("deadline must be 500 ms to 60 s in the future")
    return deadline.astimezone(UTC).replace(microsecond=deadline.microsecond // 1000 * 1000)


def _seconds(value: datetime | None, name: str) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        raise _fail(f"{name} must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0)


def _order_fields(order: OrderRequest) -> dict[str, Any]:
    triggers = None
    if order.trigger_price is not None:
        triggers = tw.TriggersParams(
            price=order.trigger_price,
            reference=order.trigger_reference,  # type: ignore[arg-type]
            price_type=order.trigger_price_type,  # type: ignore[arg-type]
        )
    conditional = None
    if (c := order.conditional) is not None:
        conditional = tw.ConditionalParams(
            order_type=c.order_type,  # type: ignore[arg-type]
            limit_price=c.limit_price,
            limit_price_type=c.limit_price_type,  # type: ignore[arg-type]
            trigger_price=c.trigger_price,
            trigger_price_type=c.trigger_price_type,  # type: ignore[arg-type]
        )
    return {
        "order_type": order.order_type,
        "side": order.side,
        "order_qty": order.order_qty,
        "limit_price": order.limit_price,
        "limit_price_type": order.limit_price_type,
        "triggers": triggers,
        "time_in_force": order.time_in_force,
        "expire_time": _seconds(order.expire_time, "expire_time"),
        "effective_time": _seconds(order.effective_time, "effective_time"),
        "post_only": order.post_only,
        "reduce_only": order.reduce_only,
        "margin": order.margin,
        "display_qty": order.display_qty,
        "cash_order_qty": order.cash_order_qty,
        "fee_preference": order.fee_preference,
        "stp_type": order.stp_type,
        "cl_ord_id": order.cl_ord_id,
        "order_userref": order.order_userref,
        "sender_sub_id": order.sender_sub_id,
        "conditional": conditional,
    }


def add_order_params(
    order: OrderRequest,
    symbol: str,
    token: str,
    *,
    pair: Instrument | None,
    deadline: datetime | None,
    validate: bool,
) -> tw.AddOrderParams:
    validate_order(order, pair)
    return tw.AddOrderParams(
        **_order_fields(order),
        symbol=symbol,
        token=token,
        deadline=deadline,
        validate=validate or None,
    )


def batch_add_params(
    orders: Sequence[OrderRequest],
    symbol: str,
    token: str,
    *,
    pair: Instrument | None,
    deadline: datetime | None,
    validate: bool,
) -> tw.BatchAddParams:
    _check_count("batch_add orders", len(orders), BATCH_ADD)
    for index, order in enumerate(orders):
        try:
            validate_order(order, pair)
        except InvalidRequestError as exc:
            raise _fail(f"order {index}: {exc}") from None
    return tw.BatchAddParams(
        symbol=symbol,
        orders=[tw.BatchOrder(**_order_fields(o)) for o in orders],
        token=token,
        deadline=deadline,
        validate=validate or None,
    )


def cancel_order_params(
    token: str,
    order_ids: Sequence[str] = (),
    cl_ord_ids: Sequence[str] = (),
    order_userrefs: Sequence[int] = (),
) -> tuple[tw.CancelOrderParams, int]:
    """The params and how many responses to expect (one per identifier)."""
    count = len(order_ids) + len(cl_ord_ids) + len(order_userrefs)
    if count == 0:
        raise _fail("cancel_order needs at least one order_id, cl_ord_id or order_userref")
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
    _check_count("batch_cancel ids", len(orders) + len(cl_ord_ids), BATCH_CANCEL)
    return tw.BatchCancelParams(
        token=token, orders=[str(o) for o in orders] or None, cl_ord_id=list(cl_ord_ids) or None
    )


def cancel_after_params(token: str, timeout: int) -> tw.CancelAllOrdersAfterParams:
    if isinstance(timeout, bool) or not isinstance(timeout, int):
        raise _fail(f"timeout must be whole seconds, not {timeout!r}")
    if not 0 <= timeout < MAX_CANCEL_AFTER:
        raise _fail(f"timeout must be 0 (disarm) to {MAX_CANCEL_AFTER - 1} seconds")
    return tw.CancelAllOrdersAfterParams(timeout=timeout, token=token)


def amend_order_params(
    token: str,
    *,
    order_id: str | None,
    cl_ord_id: str | None,
    order_qty: Decimal,
    display_qty: Decimal | None,
    limit_price: Decimal | None,
    limit_price_type: str | None,
    post_only: bool | None,
    trigger_price: Decimal | None,
    trigger_price_type: str | None,
    deadline: datetime | None,
    symbol: str | None,
    pair: Instrument | None,
) -> tw.AmendOrderParams:
    if (order_id is None) == (cl_ord_id is None):
        raise _fail("amend_order needs exactly one of order_id and cl_ord_id")
    qty_precision = pair.qty_precision if pair else None
    _check_positive("order_qty", order_qty, qty_precision)
    _check_positive("display_qty", display_qty, qty_precision)
    _check_choice("limit_price_type", limit_price_type)
    _check_choice("trigger_price_type", trigger_price_type)
    _check_price("limit_price", limit_price, limit_price_type, pair)
    _check_price("trigger_price", trigger_price, trigger_price_type, pair)
    return tw.AmendOrderParams(
        order_qty=order_qty,
        token=token,
        order_id=order_id,
        cl_ord_id=cl_ord_id,
        display_qty=display_qty,
        limit_price=limit_price,
        limit_price_type=limit_price_type,  # type: ignore[arg-type]
        post_only=post_only,
        trigger_price=trigger_price,
        trigger_price_type=trigger_price_type,  # type: ignore[arg-type]
        deadline=deadline,
        symbol=symbol,
    )


def edit_order_params(
    token: str,
    *,
    order_id: str,
    symbol: str,
    order_qty: Decimal | None,
    limit_price: Decimal | None,
    display_qty: Decimal | None,
    post_only: bool | None,
    reduce_only: bool | None,
    trigger_price: Decimal | None,
    trigger_reference: str | None,
    trigger_price_type: str | None,
    order_userref: int | None,
    fee_preference: str | None,
    deadline: datetime | None,
    validate: bool,
    pair: Instrument | None,
) -> tw.EditOrderParams:
    if not order_id:
        raise _fail("edit_order needs order_id")
    qty_precision = pair.qty_precision if pair else None
    _check_positive("order_qty", order_qty, qty_precision)
    _check_positive("display_qty", display_qty, qty_precision)
    _check_price("limit_price", limit_price, None, pair)
    _check_price("trigger_price", trigger_price, trigger_price_type, pair)
    for name, value in (
        ("trigger_reference", trigger_reference),
        ("trigger_price_type", trigger_price_type),
        ("fee_preference", fee_preference),
    ):
        _check_choice(name, value)
    triggers = None
    if trigger_price is not None:
        triggers = tw.TriggersParams(
            price=trigger_price,
            reference=trigger_reference,  # type: ignore[arg-type]
            price_type=trigger_price_type,  # type: ignore[arg-type]
        )
    elif trigger_reference is not None or trigger_price_type is not None:
        raise _fail("trigger_reference and trigger_price_type need trigger_price")
    return tw.EditOrderParams(
        order_id=order_id,
        symbol=symbol,
        token=token,
        order_qty=order_qty,
        limit_price=limit_price,
        display_qty=display_qty,
        post_only=post_only,
        reduce_only=reduce_only,
        triggers=triggers,
        order_userref=order_userref,
        fee_preference=fee_preference,  # type: ignore[arg-type]
        deadline=deadline,
        validate=validate or None,
    )


def _check_count(name: str, count: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= count <= high:
        raise _fail(f"{name}: {low} to {high} are allowed, got {count}")
