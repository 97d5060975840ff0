"""CoinEx REST v2 public market data over :mod:`spotstream.auth.http`: tickers, a depth
snapshot (checksum verified), recent deals and klines. Unsigned; the base URL may have a
path prefix as in :mod:`spotstream.auth.coinex_rest`. Input is checked before anything is
sent (:class:`InvalidRequestError`); refusals are CoinEx's typed errors by code; a depth
whose checksum does not verify raises :class:`~spotstream.errors.ChecksumMismatchError`.
"""

from __future__ import annotations

from spotstream.auth.coinex_rest import DEFAULT_URL, _get
from spotstream.auth.http import parse_base_url
from spotstream.models.market import BookSnapshot, Kline, Ticker, Trade
from spotstream.protocol.coinex.v2 import rest_market


async def get_tickers(
    base_url: str = DEFAULT_URL, markets: list[str] | None = None, *, timeout: float = 10.0
) -> list[Ticker]:
    """``GET /v2/spot/ticker``: the 24-hour tickers of ``markets`` (every market if none)."""
    path = rest_market.ticker_query(markets)
    status, body = await _get(parse_base_url(base_url, allow_path=True), path, timeout)
    return rest_market.parse_tickers(status, body)


async def get_depth(
    base_url: str,
    market: str,
    limit: int = 20,
    interval: str = "0",
    *,
    timeout: float = 10.0,
) -> BookSnapshot:
    """``GET /v2/spot/depth``: ``limit`` (5, 10, 20, 50) levels a side merged by ``interval``
    (``"0"``: none), as a :class:`BookSnapshot` whose checksum verified (status ``synced``,
    the checksum unsigned as sent)."""
    path = rest_market.depth_query(market, limit, interval)
    status, body = await _get(parse_base_url(base_url, allow_path=True), path, timeout)
    return rest_market.parse_depth(status, body)


async def get_deals(
    base_url: str,
    market: str,
    limit: int = 100,
    last_id: int | None = None,
    *,
    timeout: float = 10.0,
) -> list[Trade]:
    """``GET /v2/spot/deals``: the market's latest ``limit`` (1..1000) public trades, oldest
    first (``last_id``: CoinEx's starting deal id, 0 the latest)."""
    path = rest_market.deals_query(market, limit, last_id)
    status, body = await _get(parse_base_url(base_url, allow_path=True), path, timeout)
    return rest_market.parse_deals(status, body, market)


async def get_klines(
    base_url: str,
    market: str,
    period: str | int,
    limit: int = 100,
    *,
    timeout: float = 10.0,
) -> list[Kline]:
    """``GET /v2/spot/kline``: the latest ``limit`` (1..1000) candles of ``period``
    (``1min`` ... ``1week``, or its seconds: 60 ... 604800), oldest first."""
    path = rest_market.kline_query(market, period, limit)
    status, body = await _get(parse_base_url(base_url, allow_path=True), path, timeout)
    return rest_market.parse_klines(status, body, period)
