"""Kraken v2 orders, derived from the neutral :class:`OrderRequest`; validated locally. Sans-I/O.

:class:`OrderRequest` declares an order's fields once; everything Kraken-shaped comes from it
and the two tables below (the names Kraken spells differently, the fields Kraken nests in
``triggers``): the ``add_order`` / ``batch_add`` wire params (:func:`to_wire`,
:func:`to_batch_order`) and back (:func:`from_wire`, which the simulator parses requests
with), ``add_order``'s keyword arguments (:class:`OrderOptions`, :func:`request_from_options`)
and the JSON order files of ``spotstream order batch-add`` (:func:`decode_orders`).

Every check raises :class:`InvalidRequestError` before anything is sent, with a message that
names Kraken's parameter. The exchange stays the final judge (funds, minimums, market
state); these checks catch what is wrong whatever the market does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from types import GenericAlias
from typing import Any, TypedDict

import msgspec

from spotstream.errors import InvalidRequestError
from spotstream.models.enums import (
    CONDITIONAL_ORDER_TYPES,
    LIMIT_PRICED_ORDER_TYPES,
    TRIGGERED_ORDER_TYPES,
    FeePreference,
    LimitPriceType,
    StpType,
    TimeInForce,
    TriggerPriceType,
    TriggerReference,
)
from spotstream.models.market import Instrument
from spotstream.models.orders import ConditionalClose, OrderRequest
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.protocol.kraken.v2.trading_params import (
    TRIGGER_FIELDS,
    check_client_id,
    check_count,
    check_positive,
    check_price,
    check_user_ref,
    fail,
    wire_params,
)
from spotstream.protocol.redact import redact_module

KRAKEN_NAMES: dict[str, str] = {
    "quantity": "order_qty",
    "display_quantity": "display_qty",
    "quote_quantity": "cash_order_qty",
    "client_order_id": "cl_ord_id",
    "user_ref": "order_userref",
}
""":class:`OrderRequest` fields that Kraken names otherwise (add_order's parameter names)."""
POSITIONAL = ("side", "order_type", "quantity")
WHOLE_SECONDS = frozenset({"expire_time", "effective_time"})  # Kraken's precision for these
BATCH_ADD = (2, 15)


def kraken_name(field: str) -> str:
    """Kraken's name of an :class:`OrderRequest` field (add_order's parameter)."""
    return KRAKEN_NAMES.get(field, field)


OPTION_FIELDS: dict[str, str] = {
    kraken_name(name): name for name in OrderRequest.__struct_fields__ if name not in POSITIONAL
}
"""add_order's keyword options (Kraken's names) -> the :class:`OrderRequest` field."""


class PlaceOrderOptions(TypedDict, total=False):
    """The keyword options of ``place_order`` (Kraken.Net's ``PlaceOrderAsync``): the
    :class:`OrderRequest` fields beyond the positional ones, under Kraken's names, but for
    the times it takes as parameters (``start_time``, ``expire_time``). Where an enum goes,
    exactly its value is accepted too (``"gtc"``)."""

    limit_price_type: LimitPriceType | str | None
    trigger_price: Decimal | None
    trigger_reference: TriggerReference | str | None
    trigger_price_type: TriggerPriceType | str | None
    time_in_force: TimeInForce | str | None
    post_only: bool | None
    reduce_only: bool | None
    margin: bool | None
    display_qty: Decimal | None
    cash_order_qty: Decimal | None
    fee_preference: FeePreference | str | None
    stp_type: StpType | str | None
    cl_ord_id: str | None
    order_userref: int | None
    sender_sub_id: str | None
    conditional: ConditionalClose | None


class OrderOptions(PlaceOrderOptions, total=False):
    """Every :class:`OrderRequest` field beyond the positional ones, under Kraken's names
    (a test pins these keys to the fields)."""

    expire_time: datetime | None
    effective_time: datetime | None


class AddOrderOptions(OrderOptions, total=False):
    """The keyword options of ``add_order``: :class:`OrderOptions` and ``limit_price``."""

    limit_price: Decimal | None


# --- add_order's arguments <-> OrderRequest <-> the wire ---------------------------------------


def request_from_options(
    side: object,
    order_type: object,
    order_qty: object,
    options: Mapping[str, object],
    method: str = "add_order",
) -> OrderRequest:
    """The :class:`OrderRequest` of add_order's arguments (the edge conversion happens here:
    exact enum values become members; a float or a wrong value raises
    :class:`InvalidRequestError`; an unknown keyword raises ``TypeError``)."""
    fields: dict[str, Any] = dict(zip(POSITIONAL, (side, order_type, order_qty), strict=True))
    for key, value in options.items():
        name = OPTION_FIELDS.get(key)
        if name is None:
            raise TypeError(f"{method}() got an unexpected keyword argument {key!r}")
        fields[name] = value
    return OrderRequest(**fields)


def to_wire(
    request: OrderRequest,
    *,
    symbol: str,
    token: str,
    deadline: datetime | None = None,
    validate: bool = False,
) -> tw.AddOrderParams:
    """The add_order params of ``request`` (times truncated to Kraken's whole seconds)."""
    extra = {"symbol": symbol, "token": token, "deadline": deadline, "validate": validate or None}
    return wire_params(tw.AddOrderParams, {**_wire_fields(request), **extra})


def to_batch_order(request: OrderRequest) -> tw.BatchOrder:
    """One order of batch_add: add_order's params without symbol, token, deadline, validate."""
    return wire_params(tw.BatchOrder, _wire_fields(request))


def from_wire(params: tw.AddOrderParams | tw.BatchOrder) -> OrderRequest:
    """The :class:`OrderRequest` of add_order or batch_add params, the deprecated spellings
    (``stop_price``/``trigger`` for ``triggers``) read as Kraken reads them."""
    triggers = params.triggers
    if triggers is None and params.stop_price is not None:
        triggers = tw.TriggersParams(price=params.stop_price, reference=params.trigger)
    fields: dict[str, Any] = {}
    for name in OrderRequest.__struct_fields__:
        if name in TRIGGER_FIELDS:
            value = getattr(triggers, TRIGGER_FIELDS[name]) if triggers is not None else None
        elif name == "conditional":
            value = _conditional_from_wire(params.conditional)
        else:
            value = getattr(params, kraken_name(name))
        if value is not None:
            fields[name] = value
    return OrderRequest(**fields)


def _wire_fields(request: OrderRequest) -> dict[str, object]:
    fields: dict[str, object] = {}
    triggers: dict[str, object] = {}
    for name in request.__struct_fields__:
        value = getattr(request, name)
        if value is None:
            continue
        if name in TRIGGER_FIELDS:
            triggers[TRIGGER_FIELDS[name]] = value
        elif name in WHOLE_SECONDS:
            fields[name] = _seconds(value, name)
        elif isinstance(value, ConditionalClose):
            fields[name] = _present(value)
        else:
            fields[kraken_name(name)] = value
    if triggers:
        fields["triggers"] = triggers
    return fields


def _present(close: ConditionalClose) -> dict[str, object]:
    """The conditional's fields that are set (the wire has the same names)."""
    values = ((name, getattr(close, name)) for name in close.__struct_fields__)
    return {name: value for name, value in values if value is not None}


def _conditional_from_wire(params: tw.ConditionalParams | None) -> ConditionalClose | None:
    if params is None:
        return None
    fields = {name: getattr(params, name) for name in ConditionalClose.__struct_fields__}
    if fields["trigger_price"] is None:  # the deprecated spelling
        fields["trigger_price"] = params.stop_price
    return ConditionalClose(**{k: v for k, v in fields.items() if v is not None})


def _seconds(value: datetime, name: str) -> datetime:
    if value.tzinfo is None:
        raise fail(f"{name} must be timezone-aware")
    return value.astimezone(UTC).replace(microsecond=0)


# --- order files (spotstream order batch-add) -----------------------------------------------


def _options_struct() -> type[msgspec.Struct]:
    """OrderRequest's fields under Kraken's names, for decoding: numbers and strings both
    decode to exact Decimals, enum values to members; unknown fields are refused."""
    fields = [
        (f.name, f.type) if f.required else (f.name, f.type, f.default)
        for f in msgspec.structs.fields(OrderRequest)
    ]
    return msgspec.defstruct(
        "KrakenOrderFields", fields, kw_only=True, rename=KRAKEN_NAMES, forbid_unknown_fields=True
    )


_ORDER_FILE = msgspec.json.Decoder(GenericAlias(list, (_options_struct(),)))


def decode_orders(data: bytes) -> list[OrderRequest]:
    """A JSON list of orders, each an object of add_order's parameters (``order_qty``,
    ``cl_ord_id``, the flat ``trigger_*``, ...); :class:`InvalidRequestError` otherwise."""
    try:
        decoded = _ORDER_FILE.decode(data)
    except msgspec.ValidationError as exc:
        raise fail(f"not a list of orders: {exc}") from None
    except msgspec.DecodeError as exc:
        raise fail(f"not valid JSON: {exc}") from None
    return [OrderRequest(**msgspec.structs.asdict(order)) for order in decoded]


# --- local checks -------------------------------------------------------------------------------


def validate_order(order: OrderRequest, pair: Instrument | None) -> None:
    """Every local check of one order (``pair`` adds the instrument's precisions); its
    types and enum values were checked when it was built."""
    qty_precision = pair.qty_precision if pair else None
    check_positive("order_qty", order.quantity, qty_precision)
    check_positive("display_qty", order.display_quantity, qty_precision)
    check_positive("cash_order_qty", order.quote_quantity)
    check_price("limit_price", order.limit_price, order.limit_price_type, pair)
    check_price("trigger_price", order.trigger_price, order.trigger_price_type, pair)
    _check_combinations(order)
    check_user_ref("order_userref", order.user_ref)
    if order.client_order_id is not None:
        check_client_id("cl_ord_id", order.client_order_id)
    if order.sender_sub_id is not None:
        check_client_id("sender_sub_id", order.sender_sub_id)
    if order.conditional is not None:
        _check_conditional(order.conditional, pair)


def _check_combinations(order: OrderRequest) -> None:
    kind = order.order_type
    if kind in LIMIT_PRICED_ORDER_TYPES and order.limit_price is None:
        raise fail(f"{kind} orders need limit_price")
    if kind not in LIMIT_PRICED_ORDER_TYPES and order.limit_price is not None:
        raise fail(f"{kind} orders take no limit_price")
    if kind in TRIGGERED_ORDER_TYPES and order.trigger_price is None:
        raise fail(f"{kind} orders need trigger_price")
    if kind not in TRIGGERED_ORDER_TYPES and order.trigger_price is not None:
        raise fail(f"{kind} orders take no trigger_price")
    if order.trigger_price is None and (order.trigger_reference or order.trigger_price_type):
        raise fail("trigger_reference and trigger_price_type need trigger_price")
    if order.limit_price_type not in (None, "static") and kind != "trailing-stop-limit":
        raise fail("limit_price_type pct/quote is for trailing-stop-limit orders only")
    if order.display_quantity is not None:
        if kind != "iceberg":
            raise fail("display_qty is for iceberg orders only")
        if order.display_quantity * 15 < order.quantity:
            raise fail("display_qty must be at least 1/15 of order_qty")
    if order.quote_quantity is not None and kind != "market":
        raise fail("cash_order_qty is for market orders only")
    if order.post_only and kind not in LIMIT_PRICED_ORDER_TYPES:
        raise fail("post_only needs an order type with a limit price")
    if order.client_order_id is not None and order.user_ref is not None:
        raise fail("cl_ord_id and order_userref are mutually exclusive")
    if order.time_in_force == "gtd" and order.expire_time is None:
        raise fail("time_in_force gtd needs expire_time")
    if order.expire_time is not None and order.time_in_force != "gtd":
        raise fail("expire_time needs time_in_force gtd")


def _check_conditional(close: ConditionalClose, pair: Instrument | None) -> None:
    if close.order_type not in CONDITIONAL_ORDER_TYPES:
        raise fail(f"conditional order_type must be one of {sorted(CONDITIONAL_ORDER_TYPES)}")
    if close.order_type in LIMIT_PRICED_ORDER_TYPES and close.limit_price is None:
        raise fail(f"conditional {close.order_type} needs limit_price")
    if close.order_type in TRIGGERED_ORDER_TYPES and close.trigger_price is None:
        raise fail(f"conditional {close.order_type} needs trigger_price")
    check_price("limit_price", close.limit_price, close.limit_price_type, pair)
    check_price("trigger_price", close.trigger_price, close.trigger_price_type, pair)


# --- add_order and batch_add --------------------------------------------------------------------


def add_order_params(
    order: OrderRequest,
    symbol: str,
    token: str,
    *,
    pair: Instrument | None,
    deadline: datetime | None,
    validate: bool,
) -> tw.AddOrderParams:
    """The checked add_order params of ``order``."""
    validate_order(order, pair)
    return to_wire(order, symbol=symbol, token=token, deadline=deadline, validate=validate)


def batch_add_params(
    orders: Sequence[OrderRequest],
    symbol: str,
    token: str,
    *,
    pair: Instrument | None,
    deadline: datetime | None,
    validate: bool,
) -> tw.BatchAddParams:
    """The checked batch_add params (2 to 15 orders; a failure names the order's index)."""
    check_count("batch_add orders", len(orders), BATCH_ADD)
    batch = []
    for index, order in enumerate(orders):
        try:
            if not isinstance(order, OrderRequest):
                raise fail(f"not an OrderRequest: {order!r}")
            validate_order(order, pair)
            batch.append(to_batch_order(order))
        except InvalidRequestError as exc:
            raise fail(f"order {index}: {exc}") from None
    return tw.BatchAddParams(
        symbol=symbol, orders=batch, token=token, deadline=deadline, validate=validate or None
    )


redact_module(globals())
