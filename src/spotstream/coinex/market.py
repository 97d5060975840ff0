"""CoinEx.Net's v1 ``SpotApi`` queries on socket API v2 (``client.spot``), which has no
query calls: REST v2 serves each (``get_ticker``, ``get_order_book``, ``get_trade_history``,
``get_klines``), and ``klines`` polls REST v2 for the open candle (every
``poll_interval`` seconds, 1 by default; only changes are delivered), since the v2 socket
has no candle channel.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from spotstream.asyncio.call import Call
from spotstream.asyncio.subscription import Subscription
from spotstream.auth import coinex_rest_market as rest
from spotstream.coinex.polling import Poller
from spotstream.errors import UnexpectedAnswerError, UnsupportedFeatureError
from spotstream.models.market import BookSnapshot, Kline, Ticker, Trade
from spotstream.protocol.coinex.v1.public import check_kline_interval, merge_interval
from spotstream.protocol.coinex.v2.core import canonical

if TYPE_CHECKING:
    from spotstream.coinex.client import CoinExSocketClient

DAY = 86400
DEFAULT_POLL_INTERVAL = 1.0  # seconds between REST polls of the open candle
MAX_KLINES = 1000  # REST v2's most candles per request


class CoinExMarketData:
    """Market-data queries over REST v2, and candles polled from it."""

    def __init__(self, client: CoinExSocketClient) -> None:
        self._client = client

    async def get_server_time(self) -> datetime:
        """The server's time (``server.time`` on the socket)."""
        ms = await self._client.get_server_time()
        return datetime.fromtimestamp(ms / 1000, UTC)

    async def ping(self) -> float:
        """Round trip of a ``server.ping`` on the socket, in seconds."""
        return await self._client.ping()

    async def get_ticker(self, symbol: str, cycle_period: int = DAY) -> Ticker:
        """``symbol``'s 24-hour ticker (REST v2 ``/v2/spot/ticker``: CoinEx v2 has no other
        period, so ``cycle_period`` must be 86400)."""
        if cycle_period != DAY:
            raise UnsupportedFeatureError("CoinEx v2 tickers cover 24 hours (cycle_period 86400)")
        client = self._client
        market = canonical(symbol)
        tickers = await rest.get_tickers(client.rest_url, [market], timeout=client._request_timeout)
        for ticker in tickers:
            if ticker.symbol == market:
                return ticker
        raise UnexpectedAnswerError(f"/v2/spot/ticker answered without {market}")

    async def get_order_book(
        self, symbol: str, limit: int = 10, merge_depth: int | str = 8
    ) -> BookSnapshot:
        """The top ``limit`` levels (5, 10, 20, 50; REST v2 ``/v2/spot/depth``), merged as
        ``merge_depth`` says (CoinEx.Net's 0..8, 8 none; or the interval text), verified by
        the checksum (:class:`~spotstream.errors.ChecksumMismatchError`)."""
        client = self._client
        return await rest.get_depth(
            client.rest_url, canonical(symbol), limit, merge_interval(merge_depth),
            timeout=client._request_timeout,
        )  # fmt: skip

    async def get_trade_history(
        self, symbol: str, limit: int = 10, from_id: int | None = None
    ) -> list[Trade]:
        """The latest ``limit`` trades, oldest first (REST v2 ``/v2/spot/deals``;
        ``from_id`` is CoinEx's ``last_id``)."""
        client = self._client
        return await rest.get_deals(
            client.rest_url, canonical(symbol), limit, from_id or None,
            timeout=client._request_timeout,
        )  # fmt: skip

    async def get_klines(self, symbol: str, interval: int) -> list[Kline]:
        """The candles of the last day, ``interval`` seconds each (60 ... 604800; REST v2
        ``/v2/spot/kline``), oldest first."""
        check_kline_interval(interval)
        client = self._client
        limit = max(1, min(MAX_KLINES, DAY // interval))
        return await rest.get_klines(
            client.rest_url, canonical(symbol), interval, limit, timeout=client._request_timeout
        )

    def klines(
        self, symbol: str, interval: int = 60, *, poll_interval: float = DEFAULT_POLL_INTERVAL
    ) -> Call[Subscription[Kline]]:
        """The open candle of ``interval`` seconds, polled from REST v2 every
        ``poll_interval`` seconds (the v2 socket has no candles): the first as a snapshot,
        then each change."""
        return Call(self._open_klines(symbol, interval, poll_interval))

    async def _open_klines(self, symbol: str, interval: int, poll: float) -> Subscription[Kline]:
        check_kline_interval(interval)
        if poll <= 0:
            raise UnsupportedFeatureError("poll_interval must be positive")
        client = self._client
        market = canonical(symbol)

        async def latest() -> Kline | None:
            candles = await rest.get_klines(
                client.rest_url, market, interval, 1, timeout=client._request_timeout
            )
            return candles[-1] if candles else None

        sub: Subscription[Kline] = client._new_subscription("kline", [market])
        poller = Poller(sub, latest, poll, client._clock)
        try:
            await poller.first()
        except BaseException:
            await client._forget_subscription(sub)
            raise
        client._pollers[id(sub)] = poller
        poller.task = client._spawn(poller.run())
        return sub
