"""``client.spot``: CoinEx spot streams, named as in CoinEx.Net's
``CoinExSocketClient.SpotApiV2`` (snake_case), with the async-iterator style beside them.

Markets may be written ``BTCUSDT`` (CoinEx's name, what events carry) or ``BTC/USDT``.
CoinEx.Net's v1 ``SpotApi`` methods are here too, with the same signatures
(``get_ticker``, ``get_order_book``, ``get_trade_history``, ``get_klines`` served by REST v2,
``subscribe_to_kline_updates`` polled from it; see ``docs/coinex-v1.md``).
Subscribing market by market never loses the earlier ones: the protocol sends each channel's
whole set on every change (CoinEx replaces a channel's list with each subscribe).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from spotstream.asyncio.call import Call
from spotstream.asyncio.delegate import Delegate
from spotstream.asyncio.order_book import OrderBook
from spotstream.asyncio.subscription import Handler, Subscription, UpdateSubscription
from spotstream.coinex.feeds import CoinExPrivateFeeds, OrderItem
from spotstream.coinex.hooks import maintenance_status
from spotstream.coinex.market import DEFAULT_POLL_INTERVAL, CoinExMarketData
from spotstream.coinex.trading import CoinExTrading
from spotstream.errors import InvalidRequestError
from spotstream.models.book_changes import BookChanges
from spotstream.models.market import (
    DataEvent,
    IndexPrice,
    Kline,
    Maintenance,
    Spread,
    SystemStatus,
    Ticker,
    Trade,
)
from spotstream.models.orders import OrderState
from spotstream.protocol.coinex.v1.public import merge_interval
from spotstream.protocol.coinex.v2.core import canonical

if TYPE_CHECKING:
    from spotstream.coinex.client import CoinExSocketClient


def _markets(symbols: str | Sequence[str] | None) -> list[str]:
    if symbols is None:
        return []
    return [canonical(symbols)] if isinstance(symbols, str) else [canonical(s) for s in symbols]


class CoinExSpotStreams:
    """CoinEx spot streams: market data (state, depth, deals, bbo, index, notices) here,
    the account's feeds of the ``feeds`` part (:class:`CoinExPrivateFeeds`)."""

    def __init__(self, client: CoinExSocketClient) -> None:
        self._client = client
        self.feeds = CoinExPrivateFeeds(client)
        self.trading = CoinExTrading(client)
        self.market = CoinExMarketData(client)

    # --- queries: the socket's server calls, REST v2 for the rest (the ``market`` part) -----

    ping = Delegate("market", CoinExMarketData.ping)
    get_server_time = Delegate("market", CoinExMarketData.get_server_time)
    get_ticker = Delegate("market", CoinExMarketData.get_ticker)
    get_order_book = Delegate("market", CoinExMarketData.get_order_book)
    get_trade_history = Delegate("market", CoinExMarketData.get_trade_history)
    get_klines = Delegate("market", CoinExMarketData.get_klines)
    klines = Delegate("market", CoinExMarketData.klines)

    # --- trading over REST v2 (the ``trading`` part) ---------------------------------------

    place_order = Delegate("trading", CoinExTrading.place_order)
    cancel_order = Delegate("trading", CoinExTrading.cancel_order)
    get_order = Delegate("trading", CoinExTrading.get_order)
    get_open_orders = Delegate("trading", CoinExTrading.get_open_orders)
    get_closed_orders = Delegate("trading", CoinExTrading.get_closed_orders)
    cancel_all_orders = Delegate("trading", CoinExTrading.cancel_all_orders)
    get_balances = Delegate("trading", CoinExTrading.get_balances)

    # --- the account's feeds (the ``feeds`` part) ------------------------------------------

    orders = Delegate("feeds", CoinExPrivateFeeds.orders)
    stop_orders = Delegate("feeds", CoinExPrivateFeeds.stop_orders)
    user_trades = own_trades = Delegate("feeds", CoinExPrivateFeeds.user_trades)
    balances = Delegate("feeds", CoinExPrivateFeeds.balances)
    subscribe_to_stop_order_updates = Delegate(
        "feeds", CoinExPrivateFeeds.subscribe_to_stop_order_updates
    )
    subscribe_to_user_trade_updates = Delegate(
        "feeds", CoinExPrivateFeeds.subscribe_to_user_trade_updates
    )
    subscribe_to_balance_updates = Delegate(
        "feeds", CoinExPrivateFeeds.subscribe_to_balance_updates
    )

    @property
    def open_orders(self) -> dict[str, OrderState]:
        return self.feeds.open_orders

    @property
    def account_balances(self) -> dict[str, Decimal]:
        return self.feeds.account_balances

    # --- async iterator style --------------------------------------------------------------

    def ticker(self, symbols: str | Sequence[str] | None = None) -> Call[Subscription[Ticker]]:
        """24-hour tickers (``state``) of ``symbols``, or of every market when ``None``."""
        return Call(self._open("ticker", symbols))

    def trades(self, symbols: str | Sequence[str] | None = None) -> Call[Subscription[Trade]]:
        """Public trades (``deals``): a snapshot of recent ones first, then each new one,
        oldest first, never one twice (not even across reconnects)."""
        return Call(self._open("trade", symbols))

    def book_price(self, symbols: str | Sequence[str]) -> Call[Subscription[Spread]]:
        """Best bid and ask with their sizes (``bbo``) on every change."""
        return Call(self._open("bbo", symbols))

    spread = book_price

    def index_price(self, symbols: str | Sequence[str]) -> Call[Subscription[IndexPrice]]:
        return Call(self._open("index", symbols))

    def maintenance(self) -> Call[Subscription[Maintenance]]:
        """Maintenance windows CoinEx announces (``notice``)."""
        return Call(self._open("notice", None))

    def system_status(self) -> Call[Subscription[SystemStatus]]:
        """``MAINTENANCE`` while an announced window is under way, else ``ONLINE`` (read
        from the maintenance notices: CoinEx has no status channel)."""
        return Call(self._open_status())

    def order_book(
        self,
        symbol: str,
        depth: int = 10,
        *,
        interval: str = "0",
        full: bool = False,
        synced: bool = True,
    ) -> Call[OrderBook]:
        """A maintained book of ``depth`` levels (5, 10, 20 or 50), verified by CoinEx's
        checksum on every push; ``interval`` merges prices ("0": none), ``full`` asks for a
        full book in every push. Waits for the first full push if ``synced``."""
        return Call(self._open_book(symbol, depth, interval, full, synced))

    # --- callback style (CoinEx.Net names) -------------------------------------------------

    async def subscribe_to_ticker_updates(
        self, symbols: str | Sequence[str] | None, handler: Handler[Ticker]
    ) -> UpdateSubscription[Ticker]:
        return self._client.run_handler(await self.ticker(symbols), handler)

    async def subscribe_to_all_ticker_updates(
        self, handler: Handler[Ticker]
    ) -> UpdateSubscription[Ticker]:
        return self._client.run_handler(await self.ticker(None), handler)

    async def subscribe_to_trade_updates(
        self, symbols: str | Sequence[str] | None, handler: Handler[Trade]
    ) -> UpdateSubscription[Trade]:
        return self._client.run_handler(await self.trades(symbols), handler)

    async def subscribe_to_book_price_updates(
        self, symbols: str | Sequence[str], handler: Handler[Spread]
    ) -> UpdateSubscription[Spread]:
        return self._client.run_handler(await self.book_price(symbols), handler)

    async def subscribe_to_index_price_updates(
        self, symbols: str | Sequence[str], handler: Handler[IndexPrice]
    ) -> UpdateSubscription[IndexPrice]:
        return self._client.run_handler(await self.index_price(symbols), handler)

    async def subscribe_to_system_notice_updates(
        self, handler: Handler[Maintenance]
    ) -> UpdateSubscription[Maintenance]:
        return self._client.run_handler(await self.maintenance(), handler)

    async def subscribe_to_order_book_updates(
        self,
        symbol: str,
        depth: int,
        merge: str | int | None,
        fourth: bool | Handler[BookChanges],
        handler: Handler[BookChanges] | bool | None = None,
        *,
        diff_updates: bool | None = None,
    ) -> UpdateSubscription[BookChanges]:
        """CoinEx.Net's order book updates in either of its forms: ``SpotApiV2``'s
        ``(symbol, depth, merge_level, full_book_updates, handler)`` or v1 ``SpotApi``'s
        ``(symbol, limit, merge_depth, handler, diff_updates=False)`` (``merge_depth``
        0..8, 8 none). ``handler`` gets, per verified push, the levels that changed
        (:class:`BookChanges`; the whole book first and after a resync)."""
        if callable(fourth):  # v1's form: the handler fourth, then diff_updates
            on_changes: Handler[BookChanges] = fourth
            diff = handler if isinstance(handler, bool) else bool(diff_updates)
            full = not diff
        elif callable(handler):
            on_changes, full = handler, bool(fourth)
        else:
            raise InvalidRequestError("subscribe_to_order_book_updates needs a handler")
        interval = "0" if merge is None else merge_interval(merge)
        book = await self.order_book(symbol, depth, interval=interval, full=full, synced=False)
        return self._client.run_book_changes(book, on_changes)

    async def subscribe_to_kline_updates(
        self,
        symbol: str,
        interval: int,
        handler: Handler[Kline],
        *,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> UpdateSubscription[Kline]:
        """The open candle of ``interval`` seconds on every change, **REST-polled** every
        ``poll_interval`` seconds (the v2 socket has no candles)."""
        candles = await self.klines(symbol, interval, poll_interval=poll_interval)
        return self._client.run_handler(candles, handler)

    async def subscribe_to_order_updates(
        self,
        symbols: Sequence[str] | Handler[OrderItem] | None,
        handler: Handler[OrderItem] | None = None,
    ) -> UpdateSubscription[OrderItem]:
        """Order updates in either of CoinEx.Net's forms: ``SpotApiV2``'s ``(handler)`` or
        v1 ``SpotApi``'s ``(symbols, handler)`` (only ``symbols``' orders; ``None``: all)."""
        if callable(symbols):
            return await self.feeds.subscribe_to_order_updates(symbols)
        if handler is None:
            raise InvalidRequestError("subscribe_to_order_updates needs a handler")
        markets = frozenset(canonical(s) for s in symbols or ())
        orders = await self.feeds.orders(markets=markets)
        return self._client.run_handler(orders, handler)

    # --- helpers ----------------------------------------------------------------------------

    async def _open(self, channel: str, symbols: str | Sequence[str] | None) -> Subscription[Any]:
        sub = self._client._new_subscription(channel, _markets(symbols))
        await self._client.session.open(sub, {})
        return sub

    async def _open_status(self) -> Subscription[SystemStatus]:
        notices: Subscription[Maintenance] = await self.maintenance()
        statuses: Subscription[SystemStatus] = self._client._new_subscription("status", [])
        wall_clock = self._client._wall_clock

        def status(event: DataEvent[Maintenance]) -> DataEvent[SystemStatus]:
            now = datetime.fromtimestamp(wall_clock(), UTC)
            data = maintenance_status([event.data], now)
            return DataEvent(data, None, "status", event.kind, event.received_at, event.gap)

        self._client._derived(statuses, notices, status)
        return statuses

    async def _open_book(
        self, symbol: str, depth: int, interval: str, full: bool, synced: bool
    ) -> OrderBook:
        session = self._client.session
        market = canonical(symbol)
        options = {"interval": interval, "full": full}
        timeout = self._client._request_timeout if synced else None
        return await session.open_book(
            OrderBook, market, depth, lambda: session.protocol.books[market], options, timeout
        )
