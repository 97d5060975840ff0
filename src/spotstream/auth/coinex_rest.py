"""CoinEx's REST v2 calls a websocket client needs, over :mod:`spotstream.auth.http`: the
server's time and the spot markets (public), the spot balances and every open spot order
(signed). CoinEx's socket API v2 has no account queries and its private feeds no snapshot:
these answers are what the account state is reconciled from after every (re)connect.
Trading: place, cancel, cancel all of a market, one order's state, the open and the
finished orders. The public market data (tickers, depth, deals, klines) is
:mod:`spotstream.auth.coinex_rest_market`.

Signed requests carry ``X-COINEX-KEY``, ``X-COINEX-SIGN`` and ``X-COINEX-TIMESTAMP``
(:func:`~spotstream.auth.coinex.rest_headers`), the signature over the path as CoinEx sees
it: ``/v2/...`` with its query. A base URL may have a path prefix (the simulator serves
CoinEx under ``http://host:port/coinex``): the request goes to the prefix + ``/v2/...``,
the signature covers ``/v2/...`` only. Refusals are CoinEx's typed errors by code
(:mod:`spotstream.protocol.coinex.v2.rest`); transport failures those of
:mod:`spotstream.auth.http`. Credentials never reach logs or exception messages.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from decimal import Decimal

from spotstream.auth.coinex import CoinExCredentials, rest_headers
from spotstream.auth.http import Origin, encode_request, exchange, parse_base_url
from spotstream.errors import (
    ConnectionClosedError,
    InvalidRequestError,
    OutcomeUnknownError,
    ProtocolError,
    RequestTimeoutError,
)
from spotstream.models.enums import OrderStatus
from spotstream.models.market import Instrument
from spotstream.models.orders import Balance, OrderUpdate
from spotstream.protocol.coinex.v2 import rest

logger = logging.getLogger(__name__)

DEFAULT_URL = "https://api.coinex.com"
MillisClock = Callable[[], int]
"""Now, in epoch milliseconds (what signatures are stamped with)."""

_MAX_BODY = 1 << 24  # every market's entry: a few MB at most
MAX_PAGES = 1000  # of open orders (100 each): a server that never says "last page" stops here
MAX_FINISHED_PAGES = 10  # of finished orders read by default: the newest 1000


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


async def get_server_time(base_url: str = DEFAULT_URL, *, timeout: float = 10.0) -> int:
    """``GET /v2/time``: the server's time in ms."""
    status, body = await _get(parse_base_url(base_url, allow_path=True), rest.TIME_PATH, timeout)
    return rest.parse_time(status, body)


async def server_offset_ms(
    base_url: str = DEFAULT_URL, *, timeout: float = 10.0, clock: MillisClock = wall_clock_ms
) -> int:
    """How far the server's clock is ahead of ``clock`` (ms, against the middle of the round
    trip): add it to the clock that stamps signatures when the local one is off (CoinEx
    refuses stamps outside its window as a bad signature, which is not retried)."""
    before = clock()
    server = await get_server_time(base_url, timeout=timeout)
    return server - (before + clock()) // 2


async def get_markets(base_url: str = DEFAULT_URL, *, timeout: float = 10.0) -> list[Instrument]:
    """``GET /v2/spot/market``: every spot market, as instruments (precisions included)."""
    origin = parse_base_url(base_url, allow_path=True)
    status, body = await _get(origin, rest.MARKETS_PATH, timeout)
    return rest.parse_markets(status, body)


async def get_balances(
    credentials: CoinExCredentials,
    base_url: str = DEFAULT_URL,
    *,
    timeout: float = 10.0,
    clock: MillisClock = wall_clock_ms,
) -> list[Balance]:
    """``GET /v2/assets/spot/balance`` (signed): each spot currency's balance."""
    origin = parse_base_url(base_url, allow_path=True)
    status, body = await _get(origin, rest.BALANCES_PATH, timeout, credentials, clock)
    return rest.parse_balances(status, body)


async def get_pending_orders(
    credentials: CoinExCredentials,
    base_url: str = DEFAULT_URL,
    market: str | None = None,
    *,
    side: str | None = None,
    page: int | None = None,
    limit: int = rest.PAGE_LIMIT,
    timeout: float = 10.0,
    clock: MillisClock = wall_clock_ms,
) -> list[OrderUpdate]:
    """``GET /v2/spot/pending-order`` (signed): the open spot orders (of ``market`` and
    ``side`` only, if given), each once, as snapshot entries (``exec_type`` ``new``), newest
    first. Every page (of ``limit`` orders, at most 100) unless ``page`` names one.
    ``timeout`` applies to each page."""
    origin = parse_base_url(base_url, allow_path=True)
    orders, more = await _paged(
        origin, credentials, clock, timeout,
        lambda number: rest.pending_orders_query(number, market, side, limit),
        rest.parse_pending_orders, page, MAX_PAGES,
    )  # fmt: skip
    if more and page is None:
        raise ProtocolError(f"{rest.PENDING_ORDERS_PATH}: more than {MAX_PAGES} pages")
    return orders


async def get_finished_orders(
    credentials: CoinExCredentials,
    base_url: str = DEFAULT_URL,
    market: str | None = None,
    *,
    side: str | None = None,
    page: int | None = None,
    limit: int = rest.PAGE_LIMIT,
    max_pages: int = MAX_FINISHED_PAGES,
    timeout: float = 10.0,
    clock: MillisClock = wall_clock_ms,
) -> list[OrderUpdate]:
    """``GET /v2/spot/finished-order`` (signed): finished spot orders, newest first, as
    ``status`` updates (``filled`` when nothing was left unfilled, else ``canceled``).
    History has no end: pages of ``limit`` are read until the last one or ``max_pages``
    (whichever comes first), or only ``page`` if given."""
    if page is None and (isinstance(max_pages, bool) or max_pages < 1):
        raise InvalidRequestError(f"max_pages must be 1 or more, not {max_pages!r}")
    origin = parse_base_url(base_url, allow_path=True)
    orders, _more = await _paged(
        origin, credentials, clock, timeout,
        lambda number: rest.finished_orders_query(number, market, side, limit),
        rest.parse_finished_orders, page, max_pages,
    )  # fmt: skip
    return orders


async def _paged(
    origin: Origin,
    credentials: CoinExCredentials,
    clock: MillisClock,
    timeout: float,
    query: Callable[[int], str],
    parse: Callable[[int, bytes], tuple[list[OrderUpdate], bool]],
    page: int | None,
    max_pages: int,
) -> tuple[list[OrderUpdate], bool]:
    """Orders page by page (only ``page`` if given, else up to ``max_pages``), each order
    once (one may move to the next page meanwhile); and whether more pages were left."""
    orders: dict[str, OrderUpdate] = {}
    more = False
    for number in range(page, page + 1) if page is not None else range(1, max_pages + 1):
        status, body = await _get(origin, query(number), timeout, credentials, clock)
        found, more = parse(status, body)
        for order in found:
            orders.setdefault(order.order_id, order)
        if not more:
            break
    return list(orders.values()), more


async def place_order(
    credentials: CoinExCredentials,
    base_url: str,
    market: str,
    side: str,
    order_type: str,
    amount: Decimal,
    price: Decimal | None = None,
    client_id: str | None = None,
    *,
    timeout: float = 10.0,
    clock: MillisClock = wall_clock_ms,
) -> OrderUpdate:
    """``POST /v2/spot/order``: a spot order (``limit``, ``market``, ``maker_only``, ``ioc``,
    ``fok``; a market buy's ``amount`` is in the quote currency). Never retried: no answer
    raises :class:`OutcomeUnknownError` (the order may exist; the order feed tells)."""
    body = rest.order_body(market, side, order_type, amount, price, client_id)
    status, answer = await _trade(credentials, base_url, rest.ORDER_PATH, body, timeout, clock)
    return rest.parse_order(status, answer, rest.ORDER_PATH, "new")


async def cancel_order(
    credentials: CoinExCredentials,
    base_url: str,
    market: str,
    order_id: int | str,
    *,
    timeout: float = 10.0,
    clock: MillisClock = wall_clock_ms,
) -> OrderUpdate:
    """``POST /v2/spot/cancel-order``: the order as cancelled (3600: OrderNotFoundError)."""
    body = rest.cancel_body(market, order_id)
    path = rest.CANCEL_ORDER_PATH
    status, answer = await _trade(credentials, base_url, path, body, timeout, clock)
    return rest.parse_order(status, answer, path, "canceled", OrderStatus.CANCELED)


async def cancel_all_orders(
    credentials: CoinExCredentials,
    base_url: str,
    market: str,
    side: str | None = None,
    *,
    timeout: float = 10.0,
    clock: MillisClock = wall_clock_ms,
) -> None:
    """``POST /v2/spot/cancel-all-order``: cancel every open spot order of ``market`` (of
    ``side`` only, if given). CoinEx answers with no list: the order feed (or
    :func:`get_pending_orders`) tells which were cancelled. Never retried: no answer raises
    :class:`OutcomeUnknownError`."""
    body = rest.cancel_all_body(market, side)
    path = rest.CANCEL_ALL_PATH
    status, answer = await _trade(credentials, base_url, path, body, timeout, clock)
    rest.parse_cancel_all(status, answer)


async def get_order(
    credentials: CoinExCredentials,
    base_url: str,
    market: str,
    order_id: int | str,
    *,
    timeout: float = 10.0,
    clock: MillisClock = wall_clock_ms,
) -> OrderUpdate:
    """``GET /v2/spot/order-status``: one order's state now."""
    origin = parse_base_url(base_url, allow_path=True)
    path = rest.order_status_query(market, order_id)
    status, body = await _get(origin, path, timeout, credentials, clock)
    return rest.parse_order(status, body, rest.ORDER_STATUS_PATH, "status")


async def _trade(
    credentials: CoinExCredentials,
    base_url: str,
    path: str,
    body: bytes,
    timeout: float,
    clock: MillisClock,
) -> tuple[int, bytes]:
    """One signed POST that changes the account: a lost answer is an unknown outcome."""
    origin = parse_base_url(base_url, allow_path=True)
    headers = {**rest_headers(credentials, "POST", path, body, clock()),
               "Content-Type": "application/json"}  # fmt: skip
    logger.debug("POST %s%s to %s", origin.prefix, path, origin.authority)
    request = encode_request(origin, "POST", path, headers, body)
    try:
        return await exchange(origin, request, timeout, path, _MAX_BODY)
    except (RequestTimeoutError, ConnectionClosedError) as exc:
        raise OutcomeUnknownError(
            f"{path}: no answer ({exc}); it may have taken effect (check the orders)"
        ) from None


async def _get(
    origin: Origin,
    path: str,
    timeout: float,
    credentials: CoinExCredentials | None = None,
    clock: MillisClock = wall_clock_ms,
) -> tuple[int, bytes]:
    """One GET of ``path`` (``/v2/...``, after the origin's prefix), signed if
    ``credentials`` are given."""
    headers = rest_headers(credentials, "GET", path, b"", clock()) if credentials else {}
    logger.debug("GET %s%s from %s", origin.prefix, path.partition("?")[0], origin.authority)
    request = encode_request(origin, "GET", path, headers, b"")
    return await exchange(origin, request, timeout, path.partition("?")[0], _MAX_BODY)
