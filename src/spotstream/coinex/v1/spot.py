"""``client.spot`` of ``CoinExSocketClient(api_version=1)``: CoinEx.Net's v1 socket
``SpotApi`` (snake_case), every query and subscription on the v1 wire, with the
async-iterator style beside the callbacks.

| method | v1 wire call |
|---|---|
| ``ping()`` | ``server.ping []`` |
| ``get_server_time()`` | ``server.time []`` |
| ``get_ticker(symbol, cycle_period)`` | ``state.query [symbol, period]`` |
| ``get_order_book(symbol, limit, merge_depth)`` | ``depth.query [symbol, limit, merge]`` |
| ``get_trade_history(symbol, limit, from_id)`` | ``deals.query [symbol, limit, last_id]`` |
| ``get_klines(symbol, interval)`` | ``kline.query [symbol, now - 1 day, now, interval]`` |
| ``get_balances(assets)`` | ``asset.query [asset, ...]`` (signed) |
| ``get_open_orders(symbol, side, offset, limit)`` | ``order.query [symbol, side, offset, limit]`` |
| ``subscribe_to_ticker_updates`` | ``state.subscribe [symbol]`` |
| ``subscribe_to_all_ticker_updates`` | ``state.subscribe []`` |
| ``subscribe_to_order_book_updates`` | ``depth.subscribe [symbol, limit, merge, diff]`` |
| ``subscribe_to_trade_updates`` | ``deals.subscribe [symbol]`` |
| ``subscribe_to_kline_updates`` | ``kline.subscribe [symbol, interval]`` |
| ``subscribe_to_balance_updates`` | ``asset.subscribe []`` (signed) |
| ``subscribe_to_order_updates`` | ``order.subscribe []`` (signed; filtered to ``symbols``) |

Each market of a subscription type rides a connection of its own (v1 honours one a
connection), pooled and reused. Times are UTC datetimes; trades oldest first.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from spotstream.asyncio.call import Call
from spotstream.asyncio.delegate import Delegate
from spotstream.asyncio.order_book import OrderBook
from spotstream.asyncio.subscription import Handler, Subscription, UpdateSubscription
from spotstream.coinex.feeds import BalanceItem, CoinExPrivateFeeds, OrderItem
from spotstream.coinex.trading import CoinExTrading
from spotstream.models.book_changes import BookChanges
from spotstream.models.market import BookSnapshot, Kline, Ticker, Trade
from spotstream.models.orders import Balance, OrderState, OrderUpdate
from spotstream.protocol.coinex.v1.public import merge_interval
from spotstream.protocol.coinex.v2.core import canonical

if TYPE_CHECKING:
    from spotstream.coinex.v1.client import CoinExV1SocketClient


def _market(symbol: str) -> str:
    return canonical(symbol)


class CoinExV1SpotStreams:
    """CoinEx v1 spot: market data and the account (signed), on the v1 socket; trading
    (which v1's socket never had) over REST v2 as on v2 (``trading``)."""

    def __init__(self, client: CoinExV1SocketClient) -> None:
        self._client = client
        self.trading = CoinExTrading(client)
        self.feeds = CoinExPrivateFeeds(client)  # its orders and balances (v1 has no others)

    # --- trading over REST v2 (the ``trading`` part; v1's socket never traded) -----------

    place_order = Delegate("trading", CoinExTrading.place_order)
    cancel_order = Delegate("trading", CoinExTrading.cancel_order)
    cancel_all_orders = Delegate("trading", CoinExTrading.cancel_all_orders)
    get_order = Delegate("trading", CoinExTrading.get_order)
    get_closed_orders = Delegate("trading", CoinExTrading.get_closed_orders)

    # --- queries ----------------------------------------------------------------------------

    async def ping(self) -> float:
        """Round trip of a ``server.ping``, in seconds."""
        return await self._client.ping()

    async def get_server_time(self) -> datetime:
        """The server's time (``server.time``: whole seconds)."""
        ms = await self._client.get_server_time()
        return datetime.fromtimestamp(ms // 1000, UTC)

    async def get_ticker(self, symbol: str, cycle_period: int = 86400) -> Ticker:
        """The ticker of ``symbol`` over the last ``cycle_period`` seconds."""
        session = await self._client.live()
        ticker: Ticker = await session.ask(session.protocol.ticker_query(symbol, cycle_period))
        return ticker

    async def get_order_book(
        self, symbol: str, limit: int = 10, merge_depth: int | str = 8
    ) -> BookSnapshot:
        """The top ``limit`` levels (5, 10, 20 or 50), merged as ``merge_depth`` says
        (CoinEx.Net's 0..8, 8 none; or the interval text), verified by its checksum."""
        session = await self._client.live()
        out = session.protocol.depth_query(symbol, limit, merge_interval(merge_depth))
        snapshot: BookSnapshot = await session.ask(out)
        return snapshot

    async def get_trade_history(
        self, symbol: str, limit: int = 10, from_id: int | None = None
    ) -> list[Trade]:
        """The latest ``limit`` trades (after ``from_id``, if given), oldest first."""
        session = await self._client.live()
        trades: list[Trade] = await session.ask(
            session.protocol.deals_query(symbol, limit, from_id or 0)
        )
        return sorted(trades, key=_trade_id)

    async def get_klines(self, symbol: str, interval: int) -> list[Kline]:
        """The candles of the last day, ``interval`` seconds each (60 ... 604800)."""
        session = await self._client.live()
        end = datetime.fromtimestamp(self._client._wall_clock(), UTC)
        out = session.protocol.kline_query(symbol, end - timedelta(days=1), end, interval)
        klines: list[Kline] = await session.ask(out)
        return klines

    async def get_balances(self, assets: Sequence[str] | None = None) -> list[Balance]:
        """Balances of ``assets`` (every asset by default): ``asset.query``, signed."""
        session = await self._private()
        balances: list[Balance] = await session.ask(session.protocol.asset_query(assets or ()))
        return balances

    async def get_open_orders(
        self, symbol: str, side: str | None = None, offset: int = 0, limit: int = 10
    ) -> list[OrderUpdate]:
        """One page of ``symbol``'s open orders (``side`` ``buy``/``sell``/``None``)."""
        session = await self._private()
        out = session.protocol.order_query(symbol, side, offset, limit)
        orders, _total = await session.ask(out)
        return list(orders)

    # --- async iterator style --------------------------------------------------------------

    def ticker(self, symbol: str | None = None) -> Call[Subscription[Ticker]]:
        """``symbol``'s ticker on every change, or every market's when ``None``."""
        return Call(self._open("ticker", symbol or "", {}))

    def trades(self, symbol: str) -> Call[Subscription[Trade]]:
        """Public trades: the recent list first (a snapshot), then each new one, oldest
        first, never one twice (not even across reconnects)."""
        return Call(self._open("trade", symbol, {}))

    def klines(self, symbol: str, interval: int = 60) -> Call[Subscription[Kline]]:
        """The open candle of ``interval`` seconds on every change (``kline.subscribe``)."""
        return Call(self._open("kline", symbol, {"interval": interval}))

    def order_book(
        self,
        symbol: str,
        depth: int = 10,
        *,
        merge_depth: int | str = 8,
        diff: bool = True,
        synced: bool = True,
    ) -> Call[OrderBook]:
        """A maintained book of ``depth`` levels (5, 10, 20, 50) verified by the checksum on
        every push; ``diff=False`` has CoinEx send the whole book each time."""
        return Call(self._open_book(symbol, depth, merge_interval(merge_depth), diff, synced))

    def orders(
        self, symbols: Sequence[str] | None = None, *, snapshot: bool = False
    ) -> Call[Subscription[OrderItem]]:
        """Order updates (of ``symbols``, or every market): put, update (with its fill),
        finish; the open orders first if ``snapshot``; a :class:`Reconciliation` after any
        interruption."""
        markets = frozenset(_market(s) for s in symbols or ())
        return self.feeds.orders(snapshot=snapshot, markets=markets)

    def balances(self, *, snapshot: bool = True) -> Call[Subscription[BalanceItem]]:
        """Balances: every asset first if ``snapshot``, then each change."""
        return self.feeds.balances(snapshot=snapshot)

    @property
    def open_orders(self) -> dict[str, OrderState]:
        return self.feeds.open_orders

    @property
    def account_balances(self) -> dict[str, Decimal]:
        return self.feeds.account_balances

    # --- callback style (CoinEx.Net's v1 names) --------------------------------------------

    async def subscribe_to_ticker_updates(
        self, symbol: str, handler: Handler[Ticker]
    ) -> UpdateSubscription[Ticker]:
        return self._client.run_handler(await self.ticker(symbol), handler)

    async def subscribe_to_all_ticker_updates(
        self, handler: Handler[Ticker]
    ) -> UpdateSubscription[Ticker]:
        return self._client.run_handler(await self.ticker(None), handler)

    async def subscribe_to_order_book_updates(
        self,
        symbol: str,
        limit: int,
        merge_depth: int | str,
        handler: Handler[BookChanges],
        diff_updates: bool = False,
    ) -> UpdateSubscription[BookChanges]:
        """``handler`` gets, per verified push, the levels that changed (the whole book
        first and after a resync); ``diff_updates`` as CoinEx.Net (``False``: CoinEx sends
        whole books)."""
        book = await self.order_book(
            symbol, limit, merge_depth=merge_depth, diff=diff_updates, synced=False
        )
        return self._client.run_book_changes(book, handler)

    async def subscribe_to_trade_updates(
        self, symbol: str, handler: Handler[Trade]
    ) -> UpdateSubscription[Trade]:
        return self._client.run_handler(await self.trades(symbol), handler)

    async def subscribe_to_kline_updates(
        self, symbol: str, interval: int, handler: Handler[Kline]
    ) -> UpdateSubscription[Kline]:
        return self._client.run_handler(await self.klines(symbol, interval), handler)

    async def subscribe_to_balance_updates(
        self, handler: Handler[BalanceItem]
    ) -> UpdateSubscription[BalanceItem]:
        return self._client.run_handler(await self.balances(snapshot=False), handler)

    async def subscribe_to_order_updates(
        self, symbols: Sequence[str] | None, handler: Handler[OrderItem]
    ) -> UpdateSubscription[OrderItem]:
        return self._client.run_handler(await self.orders(symbols), handler)

    # --- helpers ----------------------------------------------------------------------------

    async def _open(self, channel: str, symbol: str, options: dict[str, Any]) -> Subscription[Any]:
        client = self._client
        market = _market(symbol)
        await client.live()
        with client.pool.place(channel, market, options) as session:
            sub = client._new_subscription(channel, [market] if market else [])
            client.hold(sub, session)
            await session.open(sub, options)
        return sub

    async def _open_book(
        self, symbol: str, depth: int, interval: str, diff: bool, synced: bool
    ) -> OrderBook:
        client = self._client
        market = _market(symbol)
        options = {"interval": interval, "diff": diff}
        timeout = client._request_timeout if synced else None
        await client.live()
        with client.pool.place("book", market, {**options, "depth": depth}) as session:
            protocol = session.protocol
            return await session.open_book(
                OrderBook, market, depth, lambda: protocol.books[market], options, timeout
            )

    async def _private(self) -> Any:
        session = self._client.private_session
        await session.wait_ready()
        return session


def _trade_id(trade: Trade) -> int:
    return trade.trade_id or 0
