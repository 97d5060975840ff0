"""CoinEx REST v2 public market data, sans-I/O: tickers, depth, deals and klines (the I/O
is :mod:`spotstream.auth.coinex_rest_market`).

- ``GET /v2/spot/ticker?market=A,B`` (every market without ``market``): the socket's
  ``state`` entries, read by :func:`translate.ticker`.
- ``GET /v2/spot/depth?market=M&limit=L&interval=I``: ``limit`` 5, 10, 20 or 50, ``interval``
  one of the socket's merge granularities; the answer is the socket's ``depth.update`` data
  (``market``, ``is_full``, ``depth``: ``asks``, ``bids``, ``last``, ``updated_at``,
  ``checksum``). The checksum is verified over the levels as received (their text, trailing
  zeros kept): a mismatch is a :class:`ChecksumMismatchError`, never a book.
- ``GET /v2/spot/deals?market=M&limit=N[&last_id=ID]``: newest first on the wire, returned
  oldest first; ``limit`` 1..1000.
- ``GET /v2/spot/kline?market=M&period=P&limit=N``: ``period`` one of :data:`PERIODS` (or its
  length in seconds); each candle's ``created_at`` (ms) opens it. CoinEx gives neither a
  trade count nor a VWAP: those are ``None``, and ``value`` (quote volume) is kept.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Final

import msgspec

from spotstream.errors import InvalidRequestError
from spotstream.models.market import BookSnapshot, Kline, Ticker, Trade
from spotstream.protocol.coinex.books import depth_snapshot
from spotstream.protocol.coinex.v2 import translate, wire
from spotstream.protocol.coinex.v2.channels import DEPTH_INTERVALS, DEPTH_LIMITS
from spotstream.protocol.coinex.v2.core import canonical
from spotstream.protocol.coinex.v2.rest import answer, data_of

TICKER_PATH = "/v2/spot/ticker"
DEPTH_PATH = "/v2/spot/depth"
DEALS_PATH = "/v2/spot/deals"
KLINE_PATH = "/v2/spot/kline"
MAX_LIMIT = 1000  # deals and klines per request

PERIODS: Final[dict[str, int]] = {
    "1min": 60,
    "3min": 180,
    "5min": 300,
    "15min": 900,
    "30min": 1800,
    "1hour": 3600,
    "2hour": 7200,
    "4hour": 14400,
    "6hour": 21600,
    "12hour": 43200,
    "1day": 86400,
    "3day": 259200,
    "1week": 604800,
}
"""CoinEx's kline periods and their length in seconds."""
_BY_SECONDS: Final = {seconds: name for name, seconds in PERIODS.items()}


class KlineEntry(msgspec.Struct, gc=False):
    """One candle of ``GET /v2/spot/kline``."""

    market: str
    created_at: int  # ms: the candle's opening time
    open: Decimal
    close: Decimal
    high: Decimal
    low: Decimal
    volume: Decimal  # base asset
    value: Decimal  # quote asset


_TICKERS = msgspec.json.Decoder(list[wire.MarketState])
_DEPTH = msgspec.json.Decoder(wire.DepthData)
_DEALS = msgspec.json.Decoder(list[wire.Deal])
_KLINES = msgspec.json.Decoder(list[KlineEntry])


# --- requests ---------------------------------------------------------------------------------


def ticker_query(markets: list[str] | None = None) -> str:
    """Every market's ticker, or those of ``markets`` (``BTC/USDT`` or ``BTCUSDT``)."""
    if not markets:
        return TICKER_PATH
    return f"{TICKER_PATH}?market={','.join(market_name(m) for m in markets)}"


def market_name(market: str) -> str:
    """CoinEx's name of ``market`` (``BTC/USDT`` -> ``BTCUSDT``), letters and digits only."""
    name = canonical(market)
    if not (name.isascii() and name.isalnum()):
        raise InvalidRequestError(f"not a CoinEx market name: {market!r}")
    return name


def depth_query(market: str, limit: int = 20, interval: str = "0") -> str:
    if limit not in DEPTH_LIMITS:
        raise InvalidRequestError(f"depth limit must be one of {DEPTH_LIMITS}, not {limit!r}")
    if interval not in DEPTH_INTERVALS:
        raise InvalidRequestError(f"depth interval {interval!r} is not one of CoinEx's")
    return f"{DEPTH_PATH}?market={market_name(market)}&limit={limit}&interval={interval}"


def deals_query(market: str, limit: int = 100, last_id: int | None = None) -> str:
    _check_limit(limit)
    query = f"{DEALS_PATH}?market={market_name(market)}&limit={limit}"
    if last_id is not None:
        if isinstance(last_id, bool) or not isinstance(last_id, int) or last_id < 0:
            raise InvalidRequestError(f"last_id must be a deal id (>= 0), not {last_id!r}")
        query += f"&last_id={last_id}"
    return query


def period_name(period: str | int) -> str:
    """CoinEx's name of a kline period: one of :data:`PERIODS`, or its length in seconds."""
    if isinstance(period, str) and period in PERIODS:
        return period
    if isinstance(period, int) and not isinstance(period, bool) and period in _BY_SECONDS:
        return _BY_SECONDS[period]
    raise InvalidRequestError(
        f"kline period must be one of {tuple(PERIODS)} or their seconds, not {period!r}"
    )


def kline_query(market: str, period: str | int, limit: int = 100) -> str:
    _check_limit(limit)
    return f"{KLINE_PATH}?market={market_name(market)}&period={period_name(period)}&limit={limit}"


def _check_limit(limit: int) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidRequestError(f"limit must be 1..{MAX_LIMIT}, not {limit!r}")


# --- answers ----------------------------------------------------------------------------------


def parse_tickers(status: int, body: bytes) -> list[Ticker]:
    states: list[wire.MarketState] = data_of(
        answer(status, body, TICKER_PATH), _TICKERS, TICKER_PATH
    )
    return [translate.ticker(s) for s in states]


def parse_depth(status: int, body: bytes) -> BookSnapshot:
    """The book the answer holds, its checksum verified (:class:`ChecksumMismatchError`)."""
    data: wire.DepthData = data_of(answer(status, body, DEPTH_PATH), _DEPTH, DEPTH_PATH)
    depth = data.depth
    return depth_snapshot(data.market, depth, depth.updated_at, DEPTH_PATH)


def parse_deals(status: int, body: bytes, market: str) -> list[Trade]:
    """The deals, oldest first (CoinEx sends them newest first)."""
    deals: list[wire.Deal] = data_of(answer(status, body, DEALS_PATH), _DEALS, DEALS_PATH)
    name = market_name(market)
    return [translate.trade(name, d) for d in sorted(deals, key=lambda d: d.deal_id)]


def parse_klines(status: int, body: bytes, period: str | int) -> list[Kline]:
    """The candles, oldest first; ``interval`` in minutes as :class:`Kline` has it."""
    minutes = PERIODS[period_name(period)] // 60
    entries: list[KlineEntry] = data_of(answer(status, body, KLINE_PATH), _KLINES, KLINE_PATH)
    return [_kline(e, minutes) for e in sorted(entries, key=lambda e: e.created_at)]


def _kline(entry: KlineEntry, minutes: int) -> Kline:
    return Kline(
        symbol=entry.market,
        open=entry.open,
        high=entry.high,
        low=entry.low,
        close=entry.close,
        trades=None,
        volume=entry.volume,
        vwap=None,
        interval_begin=translate.millis(entry.created_at),
        interval=minutes,
        value=entry.value,
    )
