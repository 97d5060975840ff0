"""CoinEx REST v2 account and market answers, sans-I/O: the paths, the answers' wire models
and their reading into the neutral models (the I/O is :mod:`spotstream.auth.coinex_rest`).

Every answer is ``{"code": 0, "data": ..., "message": "OK"}``, paged ones with
``"pagination": {"total": N, "has_next": bool}``. A ``code`` other than 0 is CoinEx's typed
refusal (:func:`~spotstream.protocol.coinex.errors.coinex_refusal`, by code alone), whatever
the HTTP status; another HTTP status than 200 without one is a :class:`RequestError`; a
body that is not the expected JSON a :class:`DecodeError`.

Reading: a market's price precision is ``quote_ccy_precision`` and its quantity precision
``base_ccy_precision`` (CoinEx's decimals, the increments their powers of ten); an open
order reads as :func:`private_translate.pending_order`; a balance as
``available + frozen`` with both parts as wallets, as the ``balance`` feed does.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import msgspec

from spotstream.errors import DecodeError, InvalidRequestError, RequestError
from spotstream.models.enums import OrderStatus
from spotstream.models.market import Instrument
from spotstream.models.orders import Balance, OrderUpdate
from spotstream.protocol.amounts import check_digits
from spotstream.protocol.coinex.errors import coinex_refusal
from spotstream.protocol.coinex.v2 import private_translate as translate
from spotstream.protocol.coinex.v2.core import canonical

TIME_PATH = "/v2/time"
MARKETS_PATH = "/v2/spot/market"
BALANCES_PATH = "/v2/assets/spot/balance"
PENDING_ORDERS_PATH = "/v2/spot/pending-order"
ORDER_PATH = "/v2/spot/order"
CANCEL_ORDER_PATH = "/v2/spot/cancel-order"
ORDER_STATUS_PATH = "/v2/spot/order-status"
CANCEL_ALL_PATH = "/v2/spot/cancel-all-order"
FINISHED_ORDERS_PATH = "/v2/spot/finished-order"
ORDER_TYPES = ("limit", "market", "maker_only", "ioc", "fok")
SIDES = ("buy", "sell")
PAGE_LIMIT = 100  # orders per page asked for (CoinEx's most)
MAX_DECIMALS = 40


class Pagination(msgspec.Struct, gc=False):
    has_next: bool = False
    total: int | None = None


class Answer(msgspec.Struct, gc=False):
    code: int
    message: str = ""
    data: msgspec.Raw = msgspec.Raw(b"null")
    pagination: Pagination | None = None


class ServerTime(msgspec.Struct, gc=False):
    timestamp: int  # ms


class Market(msgspec.Struct, gc=False):
    """One spot market of ``GET /v2/spot/market``."""

    market: str
    base_ccy: str
    quote_ccy: str
    base_ccy_precision: int
    quote_ccy_precision: int
    min_amount: Decimal
    taker_fee_rate: Decimal | None = None
    maker_fee_rate: Decimal | None = None
    is_amm_available: bool | None = None
    is_margin_available: bool = False
    is_pre_trading_available: bool | None = None
    is_api_trading_available: bool | None = None
    status: str = "online"


class SpotBalance(msgspec.Struct, gc=False):
    """One currency of ``GET /v2/assets/spot/balance``."""

    ccy: str
    available: Decimal
    frozen: Decimal


class SpotOrder(msgspec.Struct, omit_defaults=True, gc=False):
    """REST v2's order object (``pending-order``, ``order``, ``cancel-order``,
    ``order-status``): the fields ``order.update`` shows, with REST's names (the fees
    ``base_fee``/``quote_fee``/``discount_fee``; ``ccy``, the currency ``amount`` is in).
    CoinEx's examples spell the last fill both ``last_filled_*`` and ``last_fill_*``: either
    is read. The simulator answers with this Struct too."""

    order_id: int
    market: str
    side: str
    type: str
    amount: Decimal
    price: Decimal
    unfilled_amount: Decimal
    filled_amount: Decimal
    filled_value: Decimal
    created_at: int
    updated_at: int
    market_type: str | None = None  # "SPOT"
    ccy: str | None = None
    client_id: str | None = None
    base_fee: Decimal | None = None
    quote_fee: Decimal | None = None
    discount_fee: Decimal | None = None
    maker_fee_rate: Decimal | None = None
    taker_fee_rate: Decimal | None = None
    last_filled_amount: Decimal | None = None
    last_filled_price: Decimal | None = None
    last_fill_amount: Decimal | None = None
    last_fill_price: Decimal | None = None
    stop_id: int | None = None


PendingOrder = SpotOrder


_ANSWER = msgspec.json.Decoder(Answer)
_TIME = msgspec.json.Decoder(ServerTime)
_MARKETS = msgspec.json.Decoder(list[Market])
_BALANCES = msgspec.json.Decoder(list[SpotBalance])
_ORDERS = msgspec.json.Decoder(list[SpotOrder])


def pending_orders_query(
    page: int, market: str | None = None, side: str | None = None, limit: int = PAGE_LIMIT
) -> str:
    """The path and query of one page of open spot orders (every market unless ``market``,
    named as CoinEx does: ``BTC/USDT`` is ``BTCUSDT``; both sides unless ``side``)."""
    return _orders_query(PENDING_ORDERS_PATH, page, market, side, limit)


def finished_orders_query(
    page: int, market: str | None = None, side: str | None = None, limit: int = PAGE_LIMIT
) -> str:
    """One page of finished (filled or cancelled) spot orders, newest first."""
    return _orders_query(FINISHED_ORDERS_PATH, page, market, side, limit)


def _orders_query(path: str, page: int, market: str | None, side: str | None, limit: int) -> str:
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidRequestError(f"page must be 1 or more, not {page!r}")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= PAGE_LIMIT:
        raise InvalidRequestError(f"limit must be 1..{PAGE_LIMIT}, not {limit!r}")
    query = f"market_type=SPOT&page={page}&limit={limit}"
    if side is not None:
        query = f"side={_side(side)}&{query}"
    if market:
        query = f"market={_market(market)}&{query}"
    return f"{path}?{query}"


def _side(side: str) -> str:
    if side not in SIDES:
        raise InvalidRequestError(f"side must be one of {SIDES}, not {side!r}")
    return side


def _market(market: str) -> str:
    name = canonical(market)
    if not (name.isascii() and name.isalnum()):
        raise InvalidRequestError(f"not a CoinEx market name: {market!r}")
    return name


def answer(status: int, body: bytes, what: str) -> Answer:
    """The answer's envelope, or CoinEx's refusal (any status) / an HTTP or decode error."""
    try:
        envelope = _ANSWER.decode(body)
    except msgspec.DecodeError as exc:  # ValidationError included: the wrong shape
        if status != 200:
            raise _http_error(status, body, what) from None
        raise DecodeError(f"{what}: not the expected answer ({exc})", body) from None
    if envelope.code != 0:
        raise coinex_refusal(envelope.code, envelope.message, RequestError, method=what)
    if status != 200:
        raise _http_error(status, b"", what)
    return envelope


def data_of(envelope: Answer, decoder: msgspec.json.Decoder[Any], what: str) -> Any:
    """The answer's ``data``, decoded (:class:`DecodeError` if it is not that shape)."""
    try:
        return decoder.decode(envelope.data)
    except msgspec.DecodeError as exc:
        raise DecodeError(f"{what}: not the expected data ({exc})", bytes(envelope.data)) from None


def parse_time(status: int, body: bytes) -> int:
    """The server's time in ms."""
    envelope = answer(status, body, TIME_PATH)
    time: ServerTime = data_of(envelope, _TIME, TIME_PATH)
    return time.timestamp


def parse_markets(status: int, body: bytes) -> list[Instrument]:
    envelope = answer(status, body, MARKETS_PATH)
    markets: list[Market] = data_of(envelope, _MARKETS, MARKETS_PATH)
    return [instrument(m) for m in markets]


def instrument(market: Market) -> Instrument:
    price, qty = market.quote_ccy_precision, market.base_ccy_precision
    if not (0 <= price <= MAX_DECIMALS and 0 <= qty <= MAX_DECIMALS):
        raise DecodeError(f"{MARKETS_PATH}: {market.market} has decimals outside 0..40")
    return Instrument(
        symbol=market.market,
        base=market.base_ccy,
        quote=market.quote_ccy,
        status=market.status,
        price_precision=price,
        qty_precision=qty,
        price_increment=Decimal(1).scaleb(-price),
        qty_increment=Decimal(1).scaleb(-qty),
        qty_min=market.min_amount,
        marginable=market.is_margin_available,
    )


def parse_balances(status: int, body: bytes) -> list[Balance]:
    envelope = answer(status, body, BALANCES_PATH)
    balances: list[SpotBalance] = data_of(envelope, _BALANCES, BALANCES_PATH)
    return [translate.balance(b.ccy, b.available, b.frozen) for b in balances]


def parse_pending_orders(status: int, body: bytes) -> tuple[list[OrderUpdate], bool]:
    """One page of open orders, and whether another page follows."""
    return _orders_page(status, body, PENDING_ORDERS_PATH, translate.pending_order)


def parse_finished_orders(status: int, body: bytes) -> tuple[list[OrderUpdate], bool]:
    """One page of finished orders (:func:`finished_order`), and whether another page
    follows."""
    return _orders_page(status, body, FINISHED_ORDERS_PATH, finished_order)


def _orders_page(
    status: int, body: bytes, path: str, convert: Callable[[SpotOrder], OrderUpdate]
) -> tuple[list[OrderUpdate], bool]:
    envelope = answer(status, body, path)
    orders: list[SpotOrder] = data_of(envelope, _ORDERS, path)
    more = envelope.pagination is not None and envelope.pagination.has_next
    return [convert(o) for o in orders], more and bool(orders)


def finished_order(order: SpotOrder) -> OrderUpdate:
    """A finished order: ``filled`` if nothing was left, or if it is a market order that
    filled at all (a market buy's quote amount leaves dust no whole lot can take)."""
    done = order.filled_amount > 0 and (order.unfilled_amount == 0 or order.type == "market")
    return translate.rest_order(
        order, "status", OrderStatus.FILLED if done else OrderStatus.CANCELED
    )


def _http_error(status: int, body: bytes, what: str) -> RequestError:
    excerpt = body[:200].decode("utf-8", "replace").strip()
    return RequestError(f"HTTP {status}" + (f": {excerpt}" if excerpt else ""), method=what)


# --- trading ----------------------------------------------------------------------------------


class OrderRequest(msgspec.Struct, omit_defaults=True, gc=False):
    """``POST /v2/spot/order``'s body: a market buy's ``amount`` is in the quote currency."""

    market: str
    side: str
    type: str
    amount: str
    market_type: str  # "SPOT", always sent (CoinEx requires it; omit_defaults would drop it)
    price: str | None = None
    client_id: str | None = None


class CancelAll(msgspec.Struct, omit_defaults=True, gc=False):
    """``POST /v2/spot/cancel-all-order``'s body (both sides unless ``side``)."""

    market: str
    market_type: str  # "SPOT"
    side: str | None = None


class OrderRef(msgspec.Struct, gc=False):
    """``POST /v2/spot/cancel-order``'s body."""

    market: str
    order_id: int
    market_type: str = "SPOT"


_ENCODER = msgspec.json.Encoder()
_ORDER = msgspec.json.Decoder(SpotOrder)


def order_body(
    market: str,
    side: str,
    order_type: str,
    amount: Decimal,
    price: Decimal | None = None,
    client_id: str | None = None,
) -> bytes:
    """The JSON body of a new order; :class:`InvalidRequestError` before anything is sent
    when it cannot be valid (a side or type CoinEx has not, an amount or price that is not
    a positive finite number or beyond sane digits (:mod:`spotstream.protocol.amounts`), a
    price on a market order or none on another)."""
    if side not in SIDES:
        raise InvalidRequestError(f"side must be one of {SIDES}, not {side!r}")
    if order_type not in ORDER_TYPES:
        raise InvalidRequestError(f"order type must be one of {ORDER_TYPES}, not {order_type!r}")
    if (order_type == "market") != (price is None):
        raise InvalidRequestError("a market order takes no price; every other type needs one")
    for name, value in (("amount", amount), ("price", price)):
        if value is None:
            continue
        if not isinstance(value, Decimal) or not value.is_finite() or value <= 0:
            raise InvalidRequestError(f"{name} must be a positive Decimal, not {value!r}")
        check_digits(name, value)  # 10^15, or more than 18 decimals: a mistake
    if client_id is not None and not (0 < len(client_id) <= 32 and client_id.isprintable()):
        raise InvalidRequestError("client_id must be 1 to 32 printable characters")
    request = OrderRequest(
        market=canonical(market),
        side=side,
        type=order_type,
        amount=format(amount, "f"),
        market_type="SPOT",
        price=None if price is None else format(price, "f"),
        client_id=client_id,
    )
    return _ENCODER.encode(request)


def cancel_body(market: str, order_id: int | str) -> bytes:
    text = str(order_id)
    if not text.isdigit():
        raise InvalidRequestError(f"a CoinEx order id is a number, not {order_id!r}")
    return _ENCODER.encode(OrderRef(canonical(market), int(text)))


def cancel_all_body(market: str, side: str | None = None) -> bytes:
    """Cancel every open order of ``market`` (of ``side`` only, if given)."""
    return _ENCODER.encode(
        CancelAll(_market(market), "SPOT", side=None if side is None else _side(side))
    )


def parse_cancel_all(status: int, body: bytes) -> None:
    """CoinEx answers a cancel-all with an empty ``data``: success or its refusal."""
    answer(status, body, CANCEL_ALL_PATH)


def order_status_query(market: str, order_id: int | str) -> str:
    text = str(order_id)
    if not text.isdigit():
        raise InvalidRequestError(f"a CoinEx order id is a number, not {order_id!r}")
    return f"{ORDER_STATUS_PATH}?market={canonical(market)}&order_id={text}"


def parse_order(
    status: int, body: bytes, what: str, exec_type: str, state: str | None = None
) -> OrderUpdate:
    """A REST order answer (placed, cancelled, queried) as an :class:`OrderUpdate`."""
    envelope = answer(status, body, what)
    order: SpotOrder = data_of(envelope, _ORDER, what)
    return translate.rest_order(order, exec_type, state)
