"""The user-facing Kraken client: ``KrakenSocketClient`` and its ``spot`` streams.

Both API styles run on one machinery::

    async with KrakenSocketClient() as client:
        async with client.spot.ticker("BTC/USD") as sub:           # async iterator
            async for event in sub: ...
        sub = await client.spot.subscribe_to_trade_updates("BTC/USD", on_trade)  # callback
        book = await client.spot.order_book("BTC/USD", depth=25)   # maintained, verified
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from contextlib import AsyncExitStack
from typing import Any, TypeVar

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.call import Call
from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.order_book import OrderBook
from spotstream.asyncio.private_session import KrakenV2PrivateSession
from spotstream.asyncio.session import KrakenV2Session
from spotstream.asyncio.subscription import (
    DEFAULT_QUEUE_SIZE,
    Handler,
    Subscription,
    UpdateSubscription,
)
from spotstream.asyncio.tasks import TaskSpawner
from spotstream.asyncio.transport import Transport, default_transport, transport_by_name
from spotstream.auth.kraken import Credentials
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.errors import ClientClosedError, InvalidCredentialsError
from spotstream.kraken.feeds import KrakenPrivateFeeds
from spotstream.kraken.trading import KrakenTrading
from spotstream.models.market import (
    BookSnapshot,
    BookStatus,
    DataEvent,
    EventKind,
    Instrument,
    Kline,
    LifecycleEvent,
    LifecycleKind,
    SystemStatus,
    Ticker,
    Trade,
)
from spotstream.protocol.kraken.v2.private import (
    PRIVATE_CHANNELS,
    Endpoint,
    KrakenV2PrivateProtocol,
)

KRAKEN_V2_PUBLIC_URL = "wss://ws.kraken.com/v2"
KRAKEN_V2_BETA_URL = "wss://beta-ws.kraken.com/v2"
KRAKEN_V2_PRIVATE_URL = "wss://ws-auth.kraken.com/v2"
KRAKEN_V2_L3_URL = "wss://ws-l3.kraken.com/v2"
KRAKEN_REST_URL = "https://api.kraken.com"


T = TypeVar("T")
_Call = Call


def _symbols(symbols: str | Sequence[str]) -> list[str]:
    return [symbols] if isinstance(symbols, str) else list(symbols)


class KrakenSocketClient:
    """A Kraken WebSocket v2 client. Use it as ``async with KrakenSocketClient() as client``.

    ``url`` selects the public endpoint (production, beta, or a simulator's URL);
    ``private_url``, ``l3_url`` and ``rest_url`` the authenticated ones. Private feeds,
    trading and level 3 need ``credentials`` (or ``api_key``/``api_secret``): a fresh
    session token is fetched from ``rest_url`` on every connect; or pass ``token_source``,
    an async function returning a token. ``transport`` is ``"picows"`` (default),
    ``"websockets"`` or any :class:`Transport`. With ``output_original_data=True`` every
    :class:`DataEvent` carries the exchange's frame.
    """

    def __init__(
        self,
        *,
        url: str = KRAKEN_V2_PUBLIC_URL,
        private_url: str = KRAKEN_V2_PRIVATE_URL,
        l3_url: str = KRAKEN_V2_L3_URL,
        rest_url: str = KRAKEN_REST_URL,
        credentials: Credentials | None = None,
        api_key: str | None = None,
        api_secret: str | None = None,
        token_source: Callable[[], Awaitable[str]] | None = None,
        transport: Transport | str | None = None,
        output_original_data: bool = False,
        request_timeout: float = 10.0,
        reconnect: ReconnectPolicy | None = None,
        keepalive_interval: float = 10.0,
        dead_after: float = 30.0,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.private_url = private_url
        self.l3_url = l3_url
        self.rest_url = rest_url
        if credentials is None and (api_key is not None or api_secret is not None):
            credentials = Credentials(api_key or "", api_secret or "")
        self._credentials = credentials
        self._token_source = token_source
        self._private: KrakenV2PrivateSession | None = None
        self._l3: KrakenV2PrivateSession | None = None
        if isinstance(transport, str):
            transport = transport_by_name(transport)
        self._transport = transport or default_transport()
        self._output_original_data = output_original_data
        self._request_timeout = request_timeout
        self._policy = reconnect or ReconnectPolicy()
        self._keepalive_interval = keepalive_interval
        self._dead_after = dead_after
        self._queue_size = queue_size
        self._clock = clock
        self._stack: AsyncExitStack | None = None
        self._tasks = TaskSpawner(self._task_failed)
        self._session: KrakenV2Session | None = None
        self._subscriptions: list[Subscription[Any]] = []
        self.spot = KrakenSpotStreams(self)

    async def __aenter__(self) -> KrakenSocketClient:
        self._stack = AsyncExitStack()
        self._tasks.open(await self._stack.enter_async_context(asyncio.TaskGroup()))
        self._session = KrakenV2Session(
            self._make_connection,
            spawn=self._spawn,
            clock=self._clock,
            request_timeout=self._request_timeout,
            output_original_data=self._output_original_data,
            queue_size=self._queue_size,
        )
        self._spawn(self._session.connection.run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        session, stack = self._session, self._stack
        sessions = [s for s in (self._private, self._l3, session) if s is not None]
        self._session = self._private = self._l3 = None
        if session is not None:
            for sub in list(self._subscriptions):
                sub.closed = True
                sub.fail(ClientClosedError("client closed"))
        for each in sessions:
            await each.connection.close()
        if stack is not None:
            await stack.aclose()
        self._tasks.close()

    def _make_connection(
        self, session: KrakenV2Session, url: str | None = None
    ) -> ManagedConnection:
        return ManagedConnection(
            url or self.url,
            self._transport,
            session,
            policy=self._policy,
            clock=self._clock,
            keepalive_interval=self._keepalive_interval,
            dead_after=self._dead_after,
        )

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        """Every background task starts here: in the client's task group, contained (a
        failure is logged, counted in :attr:`task_failures` and reported as ``TASK_FAILED``)."""
        return self._tasks.spawn(coro)

    @property
    def task_failures(self) -> int:
        """How many background tasks raised (each was contained and reported)."""
        return self._tasks.failures

    def _task_failed(self, name: str, exc: Exception) -> None:
        self._report(LifecycleKind.TASK_FAILED, f"{name}: {exc!r}", exc)

    def _report(self, kind: LifecycleKind, detail: str, error: BaseException | None) -> None:
        """Tell the client's lifecycle listeners (and its stats) about a contained failure."""
        if self._session is not None:
            self._session.on_lifecycle(LifecycleEvent(kind, self._clock(), detail, error=error))

    @property
    def session(self) -> KrakenV2Session:
        if self._session is None:
            raise ClientClosedError("the client is not open (use `async with`)")
        return self._session

    @property
    def private_session(self) -> KrakenV2PrivateSession:
        """The private endpoint's connection (opened on first use)."""
        if self._private is None:
            self._private = self._authenticated("private", self.private_url)
        return self._private

    @property
    def l3_session(self) -> KrakenV2PrivateSession:
        """The level-3 endpoint's connection (opened on first use)."""
        if self._l3 is None:
            self._l3 = self._authenticated("l3", self.l3_url)
        return self._l3

    def _authenticated(self, endpoint: Endpoint, url: str) -> KrakenV2PrivateSession:
        public = self.session  # raises when the client is not open
        if self._credentials is None and self._token_source is None:
            raise InvalidCredentialsError(
                "private feeds, trading and level 3 need credentials (api_key/api_secret)"
            )
        session = KrakenV2PrivateSession(
            lambda s: self._make_connection(s, url),
            token=self._fetch_token,
            protocol=KrakenV2PrivateProtocol(endpoint, public.protocol.instruments),
            ensure_instruments=self._public_instruments,
            spawn=self._spawn,
            clock=self._clock,
            request_timeout=self._request_timeout,
            output_original_data=self._output_original_data,
            queue_size=self._queue_size,
        )
        self._spawn(session.connection.run())
        return session

    async def _fetch_token(self) -> str:
        if self._token_source is not None:
            return await self._token_source()
        assert self._credentials is not None
        token = await get_websockets_token(
            self._credentials, base_url=self.rest_url, timeout=self._request_timeout
        )
        return token.token

    async def _public_instruments(self) -> None:
        session = self.session
        await session._wait_connected()
        await session._ensure_instruments()

    async def _forget_subscription(self, sub: Subscription[Any]) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)

    def on_lifecycle(self, listener: Callable[[LifecycleEvent], object]) -> None:
        """Call ``listener`` on every connection lifecycle event (connect, loss, restore...,
        and the contained failures: ``TASK_FAILED``, ``CONNECT_REJECTED``, ``DISARM_FAILED``).
        It may be async; one that raises is logged and counted, never propagated."""
        self.session.add_lifecycle_listener(listener)

    def new_subscription(self, channel: str, symbols: list[str]) -> Subscription[Any]:
        sub: Subscription[Any] = Subscription(
            channel, symbols, self._close_subscription, self._spawn, self._queue_size
        )
        self._subscriptions.append(sub)
        return sub

    async def _close_subscription(self, sub: Subscription[Any]) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)
        owner = self._private if sub.channel in PRIVATE_CHANNELS else self._session
        if owner is not None:
            await owner._close_subscription(sub)

    def run_handler(self, sub: Subscription[T], handler: Handler[T]) -> UpdateSubscription[T]:
        update = UpdateSubscription(sub, handler)
        update.task = self._spawn(update.run())
        return update


class KrakenSpotStreams(KrakenPrivateFeeds, KrakenTrading):
    """Kraken spot streams, named as in Kraken.Net's ``KrakenSocketClient.SpotStreams``;
    the private feeds and level 3 come from :class:`KrakenPrivateFeeds`, trading from
    :class:`KrakenTrading`."""

    def __init__(self, client: KrakenSocketClient) -> None:
        self._client = client

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
        snapshots = self._client.new_subscription("book", [symbol])

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
        session = self._client.session
        await session._wait_connected()
        await session._ensure_instruments()
        return dict(session.protocol.instruments.pairs)

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
        sub = self._client.new_subscription(channel, _symbols(symbols))
        await self._client.session.open(sub, options)
        return sub

    async def _open_status(self) -> Subscription[SystemStatus]:
        sub = self._client.new_subscription("status", [])
        session = self._client.session
        session.status_subscription(sub)
        if session.status is not None:
            now = self._client._clock()
            sub.push(DataEvent(session.status, None, "status", EventKind.SNAPSHOT, now))
        return sub

    async def _open_book(self, symbol: str, depth: int, synced: bool) -> OrderBook:
        book = await self._client.session.open_book(symbol, depth)
        if synced:
            await book.wait_synced(self._client._request_timeout)
        return book
