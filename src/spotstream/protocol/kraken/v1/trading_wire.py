"""Kraken WebSocket v1 trading: the requests and answers as on the wire, and their
translation from and to the neutral models. Sans-I/O.

v1 trades with flat JSON objects tagged by ``event`` (``addOrder`` -> ``addOrderStatus``, ...)
and sends every number as a string, so every amount here is ``str`` on the wire: a price may
be relative (``"+2%"``), and text we write never takes exponent notation (msgspec would write
``Decimal("1E-7")`` as ``"1E-7"``). The text forms and the field placements are in
:mod:`.trading_translate`; here are the Structs, the checked requests, and the answers
turned into the neutral results. Locally refused requests raise
:class:`~spotstream.errors.InvalidRequestError` before anything is encoded: v2's checks
(their messages name v2's parameters, e.g. ``order_qty``) and v1's own.

Requests are ``omit_defaults`` Structs whose ``event`` is their msgspec tag, so it is always
encoded and ``REQUEST_DECODER`` tells them apart; answers likewise (``STATUS_DECODER``). An
answer's ``status`` is ``"ok"`` or ``"error"`` and both shapes share one Struct: on an error
only ``error_message`` (``errorMessage``) and the ids are set.

Decisions (the spec leaves these open):

- ``stp_type`` is spelled as in the spec's field table.
- ``validate`` is the text ``"true"``/``"false"`` as documented; a decoded request may carry
  python-kraken-sdk's ``"True"``/``"False"`` or a JSON boolean: :func:`validate_only` reads
  all of them.
- ``userref`` is a numeric string when we write it; a JSON integer is read too.
- ``triggerTime`` stays text on the Struct (``"0"`` when the dead man's switch is disarmed).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import Literal, TypeVar

import msgspec

from spotstream.errors import (
    DecodeError,
    ExchangeError,
    RequestError,
)
from spotstream.models.orders import (
    CancelAfter,
    CancelledOrder,
    EditedOrder,
    OrderRequest,
    PlacedOrder,
)
from spotstream.protocol.kraken.errors import kraken_refusal
from spotstream.protocol.kraken.v1 import trading_translate as tt
from spotstream.protocol.kraken.v2.orders import validate_order
from spotstream.protocol.kraken.v2.trading_params import (
    cancel_after_params,
    check_client_id,
    check_positive,
    wire_params,
)
from spotstream.protocol.redact import redact_module

V1OrderType = Literal[
    "limit",
    "market",
    "stop-loss",
    "stop-loss-limit",
    "take-profit",
    "take-profit-limit",
    "trailing-stop",
    "trailing-stop-limit",
    "settle-position",
]
"""v1's ``ordertype`` words: the neutral order types but iceberg (a limit with ``displayvol``)."""
Side = Literal["buy", "sell"]
TimeInForceText = Literal["GTC", "GTD", "IOC"]
TriggerText = Literal["last", "index"]
StpTypeText = Literal["cancel_newest", "cancel_oldest", "cancel_both"]
StatusText = Literal["ok", "error"]


class _Event(msgspec.Struct, omit_defaults=True, kw_only=True, tag_field="event"):
    """A v1 request or answer: ``event`` is the tag, always encoded, read as :attr:`event`."""

    @property
    def event(self) -> str:
        tag = type(self).__struct_config__.tag
        assert isinstance(tag, str)
        return tag


# --- requests (§9-12) ---------------------------------------------------------------------------


class AddOrderRequest(_Event, tag="addOrder"):
    """``addOrder``: every field of the spec's table under its wire name (all text)."""

    token: str
    ordertype: V1OrderType
    type: Side
    pair: str
    volume: str
    reqid: int | None = None
    displayvol: str | None = None  # iceberg (UNCONFIRMED on WS v1)
    price: str | None = None
    price2: str | None = None
    trigger: TriggerText | None = None  # UNCONFIRMED on WS v1
    leverage: str | None = None
    margin: bool | None = None
    reduce_only: bool | None = None
    oflags: str | None = None
    starttm: str | None = None
    expiretm: str | None = None
    deadline: str | None = None
    userref: str | int | None = None
    cl_ord_id: str | None = None
    sender_sub_id: str | None = None
    stp_type: StpTypeText | None = None
    validate: str | bool | None = None
    timeinforce: TimeInForceText | None = None
    close_ordertype: str | None = msgspec.field(default=None, name="close[ordertype]")
    close_price: str | None = msgspec.field(default=None, name="close[price]")
    close_price2: str | None = msgspec.field(default=None, name="close[price2]")


class EditOrderRequest(_Event, tag="editOrder"):
    """``editOrder``: replaces an order by a new one (a new ``txid``)."""

    token: str
    orderid: str
    pair: str
    reqid: int | None = None
    price: str | None = None
    price2: str | None = None
    volume: str | None = None
    oflags: str | None = None
    newuserref: str | int | None = None
    validate: str | bool | None = None
    deadline: str | None = None


class CancelOrderRequest(_Event, tag="cancelOrder"):
    """``cancelOrder``: ``txid`` holds order ids or userrefs (text); one answer per order."""

    token: str
    reqid: int | None = None
    txid: list[str] | None = None
    cl_ord_id: list[str] | None = None


class CancelAllRequest(_Event, tag="cancelAll"):
    token: str
    reqid: int | None = None


class CancelAllOrdersAfterRequest(_Event, tag="cancelAllOrdersAfter"):
    """The dead man's switch: ``timeout`` seconds, ``0`` disarms."""

    token: str
    timeout: int
    reqid: int | None = None


TradingRequest = (
    AddOrderRequest
    | EditOrderRequest
    | CancelOrderRequest
    | CancelAllRequest
    | CancelAllOrdersAfterRequest
)


# --- answers -----------------------------------------------------------------------------------


class _Status(_Event):
    status: StatusText
    reqid: int | None = None
    error_message: str | None = msgspec.field(default=None, name="errorMessage")
    pair: str | None = None  # some error answers name the pair


class AddOrderStatus(_Status, tag="addOrderStatus"):
    """``txid`` is one order id; ``descr`` Kraken's text of the order."""

    txid: str | None = None
    descr: str | None = None
    cl_ord_id: str | None = None


class EditOrderStatus(_Status, tag="editOrderStatus"):
    txid: str | None = None
    originaltxid: str | None = None
    descr: str | None = None


class CancelOrderStatus(_Status, tag="cancelOrderStatus"):
    """One per cancelled order, carrying no order id (the request's ``reqid`` only)."""


class CancelAllStatus(_Status, tag="cancelAllStatus"):
    count: int | None = None


class CancelAllOrdersAfterStatus(_Status, tag="cancelAllOrdersAfterStatus"):
    current_time: datetime | None = msgspec.field(default=None, name="currentTime")
    trigger_time: str | None = msgspec.field(default=None, name="triggerTime")


TradingStatus = (
    AddOrderStatus
    | EditOrderStatus
    | CancelOrderStatus
    | CancelAllStatus
    | CancelAllOrdersAfterStatus
)

STATUS_EVENTS = frozenset(
    s.__struct_config__.tag
    for s in (
        AddOrderStatus,
        EditOrderStatus,
        CancelOrderStatus,
        CancelAllStatus,
        CancelAllOrdersAfterStatus,
    )
)
"""The ``event`` of every trading answer (to route a frame before decoding it)."""
STATUS_DECODER = msgspec.json.Decoder(TradingStatus)
"""Any of the five answers, by ``event``."""
REQUEST_DECODER = msgspec.json.Decoder(TradingRequest)
"""Any of the five requests, by ``event`` (the simulator's side)."""
ENCODER = msgspec.json.Encoder(decimal_format="string")
"""Requests as v1 wants them: every amount is already text; a stray Decimal would be too."""


def validate_only(request: AddOrderRequest | EditOrderRequest) -> bool:
    """Whether the request asks only for validation (``"true"``, ``"True"`` or ``true``)."""
    return tt.read_validate(request.validate)


# --- OrderRequest -> addOrder and back ---------------------------------------------------------


def add_order_request(
    pair: str,
    order: OrderRequest,
    *,
    token: str,
    reqid: int,
    validate: bool = False,
    deadline: datetime | None = None,
    leverage: str | None = None,
) -> AddOrderRequest:
    """The checked ``addOrder`` of ``order`` on ``pair`` (v1's spelling: ``XBT/USD``).

    Mapping: the order type is v1's word (iceberg: ``limit`` with ``displayvol``); ``price``
    is the limit price of ``limit``, else the trigger price, ``price2`` the limit price of
    the *-limit types; a pct/quote price type is the ``+``/``-`` prefix and (pct) the ``%``
    suffix; ``post_only``, ``fee_preference`` and ``quote_quantity`` are the ``post``,
    ``fcib``/``fciq`` and ``viqc`` order flags (with ``viqc`` the volume *is* the quote
    quantity); ``time_in_force`` is upper case; ``expire_time``/``effective_time`` are
    ``expiretm``/``starttm`` in whole unix seconds; ``trigger_reference`` is ``trigger``;
    ``user_ref`` is ``userref`` (text); the conditional close is ``close[ordertype]``,
    ``close[price]`` and ``close[price2]`` by the same price rule; ``validate`` is
    ``"true"``/``"false"``; ``deadline`` is RFC3339 in milliseconds (its 500 ms to 60 s
    window is the caller's to check: it has the clock).

    Raises :class:`InvalidRequestError` for what v2 refuses locally and for v1's own rules
    (:func:`~.trading_translate.check_v1_order`), before anything is encoded.
    """
    validate_order(order, None)
    tt.check_v1_order(order)
    if leverage is not None and not leverage.isdigit():
        raise tt.fail(f"leverage must be a whole number text such as '2', not {leverage!r}")
    fields = {
        **tt.add_order_fields(order),
        "token": token,
        "reqid": reqid,
        "pair": pair,
        "leverage": leverage,
        "validate": "true" if validate else "false",
        "deadline": tt.deadline_text(deadline) if deadline is not None else None,
    }
    return wire_params(AddOrderRequest, fields)


def order_from_request(request: AddOrderRequest, *, now: datetime | None = None) -> OrderRequest:
    """The :class:`OrderRequest` an ``addOrder`` describes, by the rules of
    :func:`add_order_request` read backwards (``limit`` with ``displayvol`` is an iceberg;
    with ``viqc`` both ``quantity`` and ``quote_quantity`` are the volume). ``now`` reads
    relative ``starttm``/``expiretm`` (``"+60"``).

    Raises :class:`InvalidRequestError` naming the field it cannot read: a malformed
    number, the direction-dependent ``#`` price prefix, ``leverage`` (no neutral field), an
    unknown order flag, a ``close[...]`` field without ``close[ordertype]``.
    """
    return OrderRequest(**tt.order_fields(request, now))


# --- edit and cancel ---------------------------------------------------------------------------


def edit_order_request(
    order_id: str,
    pair: str,
    *,
    token: str,
    reqid: int,
    quantity: Decimal | None = None,
    limit_price: Decimal | None = None,
    trigger_price: Decimal | None = None,
    post_only: bool | None = None,
    user_ref: int | None = None,
    validate: bool = False,
    deadline: datetime | None = None,
) -> EditOrderRequest:
    """The checked ``editOrder``: ``price`` is the trigger price when one is given (a
    triggered order), else the limit price; ``price2`` then the limit price; ``post_only``
    is the ``post`` flag; ``user_ref`` is ``newuserref``. Static prices only (the order's
    type is not known here, so a relative offset could not be placed)."""
    if not order_id:
        raise tt.fail("editOrder needs an order id")
    check_positive("volume", quantity)
    check_positive("limit_price", limit_price)  # a negative one would read as an offset
    check_positive("trigger_price", trigger_price)
    price, price2 = (
        (trigger_price, limit_price) if trigger_price is not None else (limit_price, None)
    )
    return EditOrderRequest(
        token=token,
        reqid=reqid,
        orderid=order_id,
        pair=pair,
        price=tt.plain_or_none(price),
        price2=tt.plain_or_none(price2),
        volume=tt.plain_or_none(quantity),
        oflags=tt.OFLAG_POST if post_only else None,
        newuserref=str(user_ref) if user_ref is not None else None,
        validate="true" if validate else "false",
        deadline=tt.deadline_text(deadline) if deadline is not None else None,
    )


def cancel_order_request(
    *,
    token: str,
    reqid: int,
    order_ids: Sequence[str] = (),
    client_order_ids: Sequence[str] = (),
) -> CancelOrderRequest:
    """The ``cancelOrder`` of order ids (or userrefs, as text) and client order ids; one
    ``cancelOrderStatus`` answers each."""
    if not order_ids and not client_order_ids:
        raise tt.fail("cancelOrder needs at least one order id or client order id")
    for client_id in client_order_ids:
        check_client_id("cl_ord_id", client_id)
    return CancelOrderRequest(
        token=token,
        reqid=reqid,
        txid=list(order_ids) or None,
        cl_ord_id=list(client_order_ids) or None,
    )


def cancel_after_request(*, token: str, reqid: int, timeout: int) -> CancelAllOrdersAfterRequest:
    """The dead man's switch, checked as v2's (whole seconds below 86400; 0 disarms)."""
    params = cancel_after_params(token, timeout)
    return CancelAllOrdersAfterRequest(token=token, reqid=reqid, timeout=params.timeout)


# --- answers -> results ------------------------------------------------------------------------


def refusal(status: TradingStatus, method: str) -> ExchangeError | None:
    """The typed refusal of an ``error`` answer (Kraken's table picks the class), else None."""
    if status.status == "ok":
        return None
    return kraken_refusal(
        status.error_message or "",
        RequestError,
        method=method,
        req_id=status.reqid,
        symbol=status.pair,
    )


def placed(status: AddOrderStatus) -> PlacedOrder:
    """An accepted order: ``order_id`` is ``""`` when none was given (validate only)."""
    return PlacedOrder(_ok(status).txid or "", status.cl_ord_id)


def edited(status: EditOrderStatus) -> EditedOrder:
    _ok(status)
    if not status.txid or not status.originaltxid:
        raise DecodeError("editOrderStatus ok without txid and originaltxid")
    return EditedOrder(status.txid, status.originaltxid)


def cancelled(status: CancelOrderStatus) -> CancelledOrder:
    """One cancelled order: v1 does not say which (its ids are the request's)."""
    _ok(status)
    return CancelledOrder()


def cancel_after(status: CancelAllOrdersAfterStatus) -> CancelAfter:
    _ok(status)
    if status.current_time is None or status.trigger_time is None:
        raise DecodeError("cancelAllOrdersAfterStatus ok without currentTime and triggerTime")
    try:
        trigger = tt.answer_time(status.trigger_time)
    except ValueError:
        raise DecodeError(f"triggerTime {status.trigger_time!r} is not RFC3339") from None
    return CancelAfter(status.current_time, trigger)


def cancelled_count(status: CancelAllStatus) -> int:
    """How many orders ``cancelAll`` cancelled."""
    _ok(status)
    if status.count is None:
        raise DecodeError("cancelAllStatus ok without count")
    return status.count


_S = TypeVar("_S", bound=_Status)


def _ok(status: _S) -> _S:
    if status.status != "ok":
        raise DecodeError(f"{status.event} is an error, not a result: {status.error_message}")
    return status


redact_module(globals())
