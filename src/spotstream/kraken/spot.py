"""``client.spot``: Kraken spot streams, named as in Kraken.Net's ``SpotStreams``.

One object to users, composed of parts that each hold one thing: public market data here,
the private feeds and level 3 in :class:`~spotstream.kraken.feeds.KrakenPrivateFeeds`
(``spot.feeds``), trading in :class:`~spotstream.kraken.trading.KrakenTrading`
(``spot.trading``); their methods are offered here under the same names (``Delegate``).

The same methods serve WebSocket v2 and v1. Where a version lacks an option the call
raises :class:`UnsupportedFeatureError` before anything is sent, unless the option keeps its
default; ``spread`` is native on v1 and read from the ``bbo`` ticker on v2. Symbols may be
given in either spelling (``BTC/USD`` or v1's ``XBT/USD``); events carry the v2 spelling.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from spotstream.asyncio.call import Call
from spotstream.asyncio.delegate import Delegate
from spotstream.asyncio.order_book import OrderBook
from spotstream.asyncio.subscription import (
    Handler,
    Subscription,
    UpdateSubscription,
)
from spotstream.errors import DecodeError, UnsupportedFeatureError
from spotstream.kraken.feeds import KrakenPrivateFeeds
from spotstream.kraken.trading import KrakenTrading
from spotstream.kraken.trading_v1 import KrakenV1Trading
from spotstream.models.book_changes import BookChanges
from spotstream.models.enums import BookStatus, EventKind
from spotstream.models.market import (
    BookSnapshot,
    DataEvent,
    Instrument,
    Kline,
    Spread,
    SystemStatus,
    Ticker,
    Trade,
)
from spotstream.models.orders import OrderState

if TYPE_CHECKING:
    from spotstream.kraken.client import KrakenSocketClient

T = TypeVar("T")
_Call = Call


def _symbols(symbols: str | Sequence[str]) -> list[str]:
    return [symbols] if isinstance(symbols, str) else list(symbols)


class KrakenSpotStreams:
    """Kraken spot streams, named as in Kraken.Net's ``KrakenSocketClient.SpotStreams``:
    market data here, the private feeds and level 3 of the ``feeds`` part
    (:class:`KrakenPrivateFeeds`), trading of the ``trading`` part (:class:`KrakenTrading`)."""

    def __init__(self, client: KrakenSocketClient) -> None:
        self._client = client
        self.feeds = KrakenPrivateFeeds(client)
        self.trading = KrakenV1Trading(client) if client.api_version == 1 else KrakenTrading(client)
        self._v1 = client.api_version == 1

    # --- private feeds and level 3 (the ``feeds`` part) ------------------------------------

    executions = Delegate("feeds", KrakenPrivateFeeds.executions)
    balances = Delegate("feeds", KrakenPrivateFeeds.balances)
    orders = Delegate("feeds", KrakenPrivateFeeds.orders)
    own_trades = Delegate("feeds", KrakenPrivateFeeds.own_trades)
    level3 = Delegate("feeds", KrakenPrivateFeeds.level3)
    subscribe_to_order_updates = Delegate("feeds", KrakenPrivateFeeds.subscribe_to_order_updates)
    subscribe_to_user_trade_updates = Delegate(
        "feeds", KrakenPrivateFeeds.subscribe_to_user_trade_updates
    )
    subscribe_to_balance_updates = Delegate(
        "feeds", KrakenPrivateFeeds.subscribe_to_balance_updates
    )
    subscribe_to_individual_order_book_updates = Delegate(
        "feeds", KrakenPrivateFeeds.subscribe_to_individual_order_book_updates
    )

    @property
    def open_orders(self) -> dict[str, OrderState]:
        """Open orders by id, kept from the executions feed."""
        return self.feeds.open_orders

    @property
    def account_balances(self) -> dict[str, Decimal]:
        """Balances by asset, kept from the balances feed."""
        return self.feeds.account_balances

    @property
    def rate_counters(self) -> dict[str, int]:
        return self.feeds.rate_counters

    @property
    def max_rate_count(self) -> int | None:
        return self.feeds.max_rate_count

    # --- trading (the ``trading`` part) ----------------------------------------------------

    add_order = Delegate("trading", KrakenTrading.add_order)
    submit_order = Delegate("trading", KrakenTrading.submit_order)
    place_order = Delegate("trading", KrakenTrading.place_order)
    batch_add = place_multiple_orders = Delegate("trading", KrakenTrading.batch_add)
    amend_order = Delegate("trading", KrakenTrading.amend_order)
    edit_order = replace_order = Delegate("trading", KrakenTrading.edit_order)
    cancel_order = Delegate("trading", KrakenTrading.cancel_order)
    cancel_orders = Delegate("trading", KrakenTrading.cancel_orders)
    cancel_all = cancel_all_orders = Delegate("trading", KrakenTrading.cancel_all)
    cancel_all_orders_after = Delegate("trading", KrakenTrading.cancel_all_orders_after)
    dead_man_switch = Delegate("trading", KrakenTrading.dead_man_switch)
    batch_cancel = Delegate("trading", KrakenTrading.batch_cancel)

    # --- async iterator style --------------------------------------------------------------

    def ticker(
        self, symbols: str | Sequence[str], *, event_trigger: str = "trades", snapshot: bool = True
    ) -> _Call[Subscription[Ticker]]:
        """Ticker updates (v2: on each trade, or on best bid/offer changes with
        ``event_trigger="bbo"``; v1: on each trade)."""
        options = self._options(event_trigger=(event_trigger, "trades"), snapshot=(snapshot, True))
        return _Call(self._open("ticker", symbols, options))

    def trades(
        self, symbols: str | Sequence[str], *, snapshot: bool = False
    ) -> _Call[Subscription[Trade]]:
        return _Call(self._open("trade", symbols, self._options(snapshot=(snapshot, False))))

    def klines(
        self, symbols: str | Sequence[str], interval: int, *, snapshot: bool = True
    ) -> _Call[Subscription[Kline]]:
        options = {"interval": interval, **self._options(snapshot=(snapshot, True))}
        return _Call(self._open("ohlc", symbols, options))

    def spread(self, symbols: str | Sequence[str]) -> _Call[Subscription[Spread]]:
        """Best bid and ask with their volumes, on every change (v1's ``spread`` channel; on
        v2 read from the ``bbo`` ticker, which carries the same five values)."""
        return _Call(self._open_spread(symbols))

    def instruments(self) -> _Call[Subscription[Instrument]]:
        """The ``instrument`` channel (v2 only; on v1 use :meth:`get_instruments`)."""
        if self._v1:
            raise UnsupportedFeatureError(
                "Kraken WebSocket v1 has no instrument channel: use get_instruments() "
                "(REST AssetPairs) or api_version=2"
            )
        return _Call(self._open("instrument", [], {}))

    def system_status(self) -> _Call[Subscription[SystemStatus]]:
        return _Call(self._open_status())

    def order_book(self, symbol: str, depth: int = 10, *, synced: bool = True) -> _Call[OrderBook]:
        """A maintained, checksum-verified book; waits for the first snapshot if ``synced``."""
        return _Call(self._open_book(symbol, depth, synced))

    # --- callback style (Kraken.Net names) -------------------------------------------------

    async def subscribe_to_spread_updates(
        self, symbols: str | Sequence[str], handler: Handler[Spread]
    ) -> UpdateSubscription[Spread]:
        return self._client.run_handler(await self.spread(symbols), handler)

    async def subscribe_to_ticker_updates(
        self,
        symbols: str | Sequence[str],
        handler: Handler[Ticker],
        *,
        event_trigger: str = "trades",
        snapshot: bool = True,
    ) -> UpdateSubscription[Ticker]:
        sub = await self.ticker(symbols, event_trigger=event_trigger, snapshot=snapshot)
        return self._client.run_handler(sub, handler)

    async def subscribe_to_trade_updates(
        self, symbols: str | Sequence[str], handler: Handler[Trade], *, snapshot: bool = False
    ) -> UpdateSubscription[Trade]:
        return self._client.run_handler(await self.trades(symbols, snapshot=snapshot), handler)

    async def subscribe_to_kline_updates(
        self,
        symbols: str | Sequence[str],
        interval: int,
        handler: Handler[Kline],
        *,
        snapshot: bool = True,
    ) -> UpdateSubscription[Kline]:
        sub = await self.klines(symbols, interval, snapshot=snapshot)
        return self._client.run_handler(sub, handler)

    async def subscribe_to_system_status_updates(
        self, handler: Handler[SystemStatus]
    ) -> UpdateSubscription[SystemStatus]:
        return self._client.run_handler(await self.system_status(), handler)

    async def subscribe_to_instrument_updates(
        self, handler: Handler[Instrument]
    ) -> UpdateSubscription[Instrument]:
        return self._client.run_handler(await self.instruments(), handler)

    async def subscribe_to_aggregated_order_book_updates(
        self, symbol: str, depth: int, handler: Handler[BookSnapshot]
    ) -> UpdateSubscription[BookSnapshot]:
        """``handler`` gets an immutable snapshot of the verified book after each message
        that left it synced. For the fastest path at large depths use :meth:`order_book`."""
        book = await self.order_book(symbol, depth, synced=False)
        updates = book.updates()
        snapshots = self._client._new_subscription("book", [symbol])

        async def forward(event: DataEvent[Any]) -> None:
            if event.data.status is BookStatus.SYNCED:
                snapshots.push(
                    DataEvent(
                        book.snapshot(), symbol, "book", event.kind, event.received_at, event.gap
                    )
                )

        self._client.run_handler(updates, forward)
        update = self._client.run_handler(snapshots, handler)
        update.also_close(book.close)
        return update

    async def subscribe_to_order_book_updates(
        self, symbol: str, depth: int, handler: Handler[BookChanges]
    ) -> UpdateSubscription[BookChanges]:
        """Kraken.Net's order book updates: ``handler`` gets, per verified message, the
        levels that changed (:class:`BookChanges`; the whole book first and after a resync).
        Nothing is delivered while the book is not synced."""
        book = await self.order_book(symbol, depth, synced=False)
        return self._client.run_book_changes(book, handler)

    # --- queries -----------------------------------------------------------------------------

    async def get_instruments(self) -> dict[str, Instrument]:
        """Every pair by symbol (v2: the instrument channel; v1: REST ``AssetPairs``)."""
        await self._client._public_instruments()
        return dict(self._client.session.protocol.instruments.pairs)

    async def ping(self) -> float:
        """Round-trip time of an application-level ping, in seconds."""
        return await self._client.session.ping()

    @property
    def status(self) -> SystemStatus | None:
        """The last system status the exchange pushed."""
        return self._client.session.status

    # --- internals -------------------------------------------------------------------------

    async def _open(
        self, channel: str, symbols: str | Sequence[str], options: dict[str, Any]
    ) -> Subscription[Any]:
        symbols = [self._client.api.canonical(s) for s in _symbols(symbols)]
        sub = self._client._new_subscription(channel, _symbols(symbols))
        await self._client.session.open(sub, options)
        return sub

    async def _open_status(self) -> Subscription[SystemStatus]:
        sub = self._client._new_subscription("status", [])
        session = self._client.session
        session.status_subscription(sub)
        if session.status is not None:
            now = self._client._clock()
            sub.push(DataEvent(session.status, None, "status", EventKind.SNAPSHOT, now))
        return sub

    def _options(self, **options: tuple[object, object]) -> dict[str, object]:
        """The subscribe options ``name=(value, default)`` this version takes; v1 has none of
        them, so there a value other than the default is refused."""
        if not self._v1:
            return {name: value for name, (value, _) in options.items()}
        for name, (value, default) in options.items():
            if value != default:
                raise UnsupportedFeatureError(
                    f"{name}={value!r} is not available on Kraken WebSocket v1 (use api_version=2)"
                )
        return {}

    async def _open_spread(self, symbols: str | Sequence[str]) -> Subscription[Spread]:
        if self._v1:
            return await self._open("spread", symbols, {})
        tickers: Subscription[Ticker] = await self.ticker(symbols, event_trigger="bbo")
        spreads: Subscription[Spread] = self._client._new_subscription("spread", tickers.symbols)

        def spread(event: DataEvent[Ticker]) -> DataEvent[Spread]:
            t = event.data
            if t.bid is None or t.ask is None or t.bid_qty is None or t.ask_qty is None:
                raise DecodeError(f"{t.symbol}: a Kraken ticker without its best bid and ask")
            data = Spread(t.symbol, t.bid, t.ask, t.bid_qty, t.ask_qty, t.timestamp)
            return DataEvent(data, event.symbol, "spread", event.kind, event.received_at, event.gap)

        self._client._derived(spreads, tickers, spread)
        return spreads

    async def _open_book(self, symbol: str, depth: int, synced: bool) -> OrderBook:
        session = self._client.session
        symbol = self._client.api.canonical(symbol)
        timeout = self._client._request_timeout if synced else None
        return await session.open_book(
            OrderBook, symbol, depth, lambda: session.protocol.books[symbol], None, timeout
        )
