"""``client.spot``: Kraken spot streams, named as in Kraken.Net's ``SpotStreams``.

One object to users, composed of parts that each hold one thing: public market data here,
the private feeds and level 3 in :class:`~spotstream.kraken.feeds.KrakenPrivateFeeds`
(``spot.feeds``), trading in :class:`~spotstream.kraken.trading.KrakenTrading`
(``spot.trading``); their methods are offered here under the same names (``Delegate``).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from spotstream.asyncio.call import Call
from spotstream.asyncio.order_book import OrderBook
from spotstream.asyncio.private_session import PrivateSession
from spotstream.asyncio.session import Session
from spotstream.asyncio.subscription import (
    Handler,
    Subscription,
    UpdateSubscription,
)
from spotstream.kraken.delegate import Delegate
from spotstream.kraken.feeds import KrakenPrivateFeeds
from spotstream.kraken.trading import KrakenTrading
from spotstream.models.enums import BookStatus, EventKind
from spotstream.models.market import (
    BookSnapshot,
    DataEvent,
    Instrument,
    Kline,
    SystemStatus,
    Ticker,
    Trade,
)
from spotstream.models.orders import OrderState
from spotstream.protocol.kraken.v2.private import (
    KrakenV2PrivateProtocol,
)
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol

PublicSession = Session[KrakenV2Protocol]
AccountSession = PrivateSession[KrakenV2PrivateProtocol]


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
        self.trading = KrakenTrading(client)

    # --- private feeds and level 3 (the ``feeds`` part) ------------------------------------

    executions = Delegate("feeds", KrakenPrivateFeeds.executions)
    balances = Delegate("feeds", KrakenPrivateFeeds.balances)
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
        options = {"event_trigger": event_trigger, "snapshot": snapshot}
        return _Call(self._open("ticker", symbols, options))

    def trades(
        self, symbols: str | Sequence[str], *, snapshot: bool = False
    ) -> _Call[Subscription[Trade]]:
        return _Call(self._open("trade", symbols, {"snapshot": snapshot}))

    def klines(
        self, symbols: str | Sequence[str], interval: int, *, snapshot: bool = True
    ) -> _Call[Subscription[Kline]]:
        return _Call(self._open("ohlc", symbols, {"interval": interval, "snapshot": snapshot}))

    def instruments(self) -> _Call[Subscription[Instrument]]:
        return _Call(self._open("instrument", [], {}))

    def system_status(self) -> _Call[Subscription[SystemStatus]]:
        return _Call(self._open_status())

    def order_book(self, symbol: str, depth: int = 10, *, synced: bool = True) -> _Call[OrderBook]:
        """A maintained, checksum-verified book; waits for the first snapshot if ``synced``."""
        return _Call(self._open_book(symbol, depth, synced))

    # --- callback style (Kraken.Net names) -------------------------------------------------

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

    subscribe_to_order_book_updates = subscribe_to_aggregated_order_book_updates

    # --- queries -----------------------------------------------------------------------------

    async def get_instruments(self) -> dict[str, Instrument]:
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

    async def _open_book(self, symbol: str, depth: int, synced: bool) -> OrderBook:
        session = self._client.session
        book = await session.open_book(
            OrderBook, symbol, depth, lambda: session.protocol.books[symbol]
        )
        if synced:
            await book.wait_synced(self._client._request_timeout)
        return book
