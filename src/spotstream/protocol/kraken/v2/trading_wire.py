"""Kraken WebSocket v2 trading methods exactly as on the wire (Kraken's WebSocket v2 reference §8).

Requests are ``omit_defaults`` Structs with ``Decimal`` money (encode with
``wire.ENCODER``: JSON numbers, exact digits); each method's ``result`` has its
own Struct in ``RESULT_DECODERS``. Requests use ``Literal`` everywhere (we write them; mypy
catches typos).

Decisions (the spec leaves these open):

- **Envelope.** Captured ``batch_cancel`` responses carry a top-level ``orders_cancelled``
  and no ``result`` (the spec shows ``result.count``); ``TradingResponse`` adds that field
  to :class:`~spotstream.protocol.kraken.v2.wire.Response`. Both shapes are modelled.
- ``cancel_all_orders_after`` ``triggerTime`` is a ``str``: ``"0"`` when disarmed (assumed,
  as in v1), else whole-second RFC3339; ``currentTime`` is a ``datetime``.
- Request times encode as RFC3339; Kraken wants whole seconds for ``expire_time`` /
  ``effective_time`` and milliseconds for ``deadline``: pass values already truncated.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Generic, Literal, TypeVar

import msgspec

from spotstream.protocol.kraken.v2.private_wire import Side
from spotstream.protocol.kraken.v2.wire import Response
from spotstream.protocol.redact import redact_module

OrderType = Literal[
    "limit",
    "market",
    "iceberg",
    "stop-loss",
    "stop-loss-limit",
    "take-profit",
    "take-profit-limit",
    "trailing-stop",
    "trailing-stop-limit",
    "settle-position",
]
ConditionalOrderType = Literal[
    "limit",
    "stop-loss",
    "stop-loss-limit",
    "take-profit",
    "take-profit-limit",
    "trailing-stop",
    "trailing-stop-limit",
]
# Which order types take a limit price, wait for a trigger, trail, or may be an OTO close:
# facts about the order types, declared once with them (spotstream.models.enums).
PriceType = Literal["static", "pct", "quote"]
TriggerReference = Literal["last", "index"]
TimeInForce = Literal["gtc", "gtd", "ioc"]
FeePreference = Literal["base", "quote"]
StpType = Literal["cancel_newest", "cancel_oldest", "cancel_both"]


class _Wire(msgspec.Struct, omit_defaults=True):
    pass


# --- trading request params (§8) ----------------------------------------------------------


class _Params(msgspec.Struct, omit_defaults=True, kw_only=True):
    pass


class TriggersParams(_Params):
    price: Decimal
    reference: TriggerReference | None = None
    price_type: PriceType | None = None


class ConditionalParams(_Params):
    """OTO secondary close order of add_order / batch_add."""

    order_type: ConditionalOrderType
    limit_price: Decimal | None = None
    limit_price_type: PriceType | None = None
    trigger_price: Decimal | None = None
    trigger_price_type: PriceType | None = None
    stop_price: Decimal | None = None  # deprecated


class _Deprecated(_Params):
    """Fields add_order, batch_add and edit_order still accept (each has its replacement)."""

    no_mpp: bool | None = None  # ignored
    stop_price: Decimal | None = None  # triggers.price
    trigger: TriggerReference | None = None  # triggers.reference


class _OrderFields(_Deprecated, kw_only=True):
    order_type: OrderType
    side: Side
    order_qty: Decimal
    limit_price: Decimal | None = None
    limit_price_type: PriceType | None = None
    triggers: TriggersParams | None = None
    time_in_force: TimeInForce | None = None
    expire_time: datetime | None = None
    effective_time: datetime | None = None
    post_only: bool | None = None
    reduce_only: bool | None = None
    margin: bool | None = None
    display_qty: Decimal | None = None
    cash_order_qty: Decimal | None = None
    fee_preference: FeePreference | None = None
    stp_type: StpType | None = None
    cl_ord_id: str | None = None
    order_userref: int | None = None
    sender_sub_id: str | None = None
    conditional: ConditionalParams | None = None


class BatchOrder(_OrderFields):
    """One order of batch_add: add_order params without symbol/token/validate/deadline."""


class AddOrderParams(_OrderFields, kw_only=True):
    symbol: str
    token: str
    deadline: datetime | None = None
    validate: bool | None = None


class AmendOrderParams(_Params):
    order_qty: Decimal
    token: str
    order_id: str | None = None
    cl_ord_id: str | None = None
    display_qty: Decimal | None = None
    limit_price: Decimal | None = None
    limit_price_type: PriceType | None = None
    post_only: bool | None = None
    trigger_price: Decimal | None = None
    trigger_price_type: PriceType | None = None
    deadline: datetime | None = None
    symbol: str | None = None  # non-crypto (xStocks) only


class EditOrderParams(_Deprecated, kw_only=True):
    order_id: str
    symbol: str
    token: str
    order_qty: Decimal | None = None
    limit_price: Decimal | None = None
    display_qty: Decimal | None = None
    post_only: bool | None = None
    reduce_only: bool | None = None
    triggers: TriggersParams | None = None
    order_userref: int | None = None
    fee_preference: FeePreference | None = None
    deadline: datetime | None = None
    validate: bool | None = None
    price: Decimal | None = None  # deprecated: limit_price


class CancelOrderParams(_Params):
    token: str
    order_id: list[str] | None = None
    cl_ord_id: list[str] | None = None
    order_userref: list[int] | None = None


class CancelAllParams(_Params):
    token: str


class CancelAllOrdersAfterParams(_Params):
    timeout: int  # seconds, < 86400; 0 disarms
    token: str


class BatchAddParams(_Params):
    symbol: str
    orders: list[BatchOrder]
    token: str
    deadline: datetime | None = None
    validate: bool | None = None


class BatchCancelParams(_Params):
    token: str
    orders: list[str] | None = None  # order_id or order_userref, as strings
    cl_ord_id: list[str] | None = None


P = TypeVar("P")


class PrivateRequest(msgspec.Struct, Generic[P], omit_defaults=True):
    """``{"method", "params", "req_id"}`` for any private request (``PrivateRequest[X]``)."""

    method: str
    params: P
    req_id: int | None = None


METHOD_PARAMS: dict[str, type[msgspec.Struct]] = {
    "add_order": AddOrderParams,
    "amend_order": AmendOrderParams,
    "edit_order": EditOrderParams,
    "cancel_order": CancelOrderParams,
    "cancel_all": CancelAllParams,
    "cancel_all_orders_after": CancelAllOrdersAfterParams,
    "batch_add": BatchAddParams,
    "batch_cancel": BatchCancelParams,
}
"""The params Struct of each trading method."""

# --- method results (§8) ------------------------------------------------------------------


class TradingResponse(Response):
    """The response envelope plus ``orders_cancelled`` (captured on batch_cancel)."""

    orders_cancelled: int | None = None


class AddOrderResult(_Wire):
    """add_order result, and each entry of the batch_add result array.

    ``order_id`` is ``""`` for ``validate: true``."""

    order_id: str
    cl_ord_id: str | None = None
    order_userref: int | None = None
    warnings: list[str] | None = None


class AmendOrderResult(_Wire):
    amend_id: str
    order_id: str | None = None
    cl_ord_id: str | None = None
    warnings: list[str] | None = None


class EditOrderResult(_Wire):
    order_id: str
    original_order_id: str
    warnings: list[str] | None = None


class CancelOrderResult(_Wire):
    """One per cancelled order (several responses share the request's ``req_id``)."""

    order_id: str | None = None
    cl_ord_id: str | None = None
    warnings: list[str] | None = None


class CountResult(_Wire):
    """cancel_all and batch_cancel: how many orders were cancelled."""

    count: int
    warnings: list[str] | None = None


class CancelAllOrdersAfterResult(_Wire):
    current_time: datetime = msgspec.field(name="currentTime")
    trigger_time: str = msgspec.field(name="triggerTime")  # RFC3339, or "0" when disarmed
    warnings: list[str] | None = None


# --- decoders -----------------------------------------------------------------------------

TRADING_RESPONSE_DECODER = msgspec.json.Decoder(TradingResponse)
RESULT_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    "add_order": msgspec.json.Decoder(AddOrderResult),
    "amend_order": msgspec.json.Decoder(AmendOrderResult),
    "edit_order": msgspec.json.Decoder(EditOrderResult),
    "cancel_order": msgspec.json.Decoder(CancelOrderResult),
    "cancel_all": msgspec.json.Decoder(CountResult),
    "cancel_all_orders_after": msgspec.json.Decoder(CancelAllOrdersAfterResult),
    "batch_add": msgspec.json.Decoder(list[AddOrderResult]),
    "batch_cancel": msgspec.json.Decoder(CountResult),
}
"""``TradingResponse.result`` by ``method`` (present when ``success``)."""


redact_module(globals())
