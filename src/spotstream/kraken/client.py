"""The user-facing Kraken client: ``KrakenSocketClient`` and its ``spot`` streams.

One client for Kraken WebSocket v2 (default) and v1 (``api_version=1``): the same user
models, both API styles, the same lifecycle, reconnect and resync behaviour; only the
protocol objects and the venue hooks differ per version (:mod:`spotstream.kraken.versions`).
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
from spotstream.asyncio.private_session import PrivateSession
from spotstream.asyncio.session import Session
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
from spotstream.errors import (
    ClientClosedError,
    InvalidCredentialsError,
    SpotstreamError,
    UnsupportedFeatureError,
)
from spotstream.kraken.spot import KrakenSpotStreams
from spotstream.kraken.versions import (
    KRAKEN_REST_URL,
    AccountSession,
    ApiVersion,
    KrakenApi,
    PublicHooks,
    PublicSession,
    kraken_api,
)
from spotstream.models.enums import LifecycleKind
from spotstream.models.market import DataEvent, LifecycleEvent
from spotstream.protocol.kraken.v2.private import AuthEndpoint

T = TypeVar("T")
_Call = Call


def _symbols(symbols: str | Sequence[str]) -> list[str]:
    return [symbols] if isinstance(symbols, str) else list(symbols)


class KrakenSocketClient:
    """A Kraken WebSocket client. Use it as ``async with KrakenSocketClient() as client``.

    ``api_version`` is 2 (default: ``wss://ws.kraken.com/v2``) or 1 (WebSocket 1.9:
    ``wss://ws.kraken.com``, ``wss://ws-auth.kraken.com``). ``url`` selects the public
    endpoint (production, beta, or a simulator's URL); ``private_url``, ``l3_url`` (v2 only)
    and ``rest_url`` the others; each defaults to the version's production endpoint. Private
    feeds, trading and level 3 need ``credentials`` (or ``api_key``/``api_secret``): a fresh
    session token is fetched from ``rest_url`` on every connect; or pass ``token_source``,
    an async function returning a token. ``transport`` is ``"picows"`` (default),
    ``"websockets"`` or any :class:`Transport`. With ``output_original_data=True`` every
    :class:`DataEvent` carries the exchange's frame.
    """

    def __init__(
        self,
        *,
        api_version: ApiVersion = 2,
        url: str | None = None,
        private_url: str | None = None,
        l3_url: str | None = None,
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
        self.api: KrakenApi = kraken_api(api_version)
        self.api_version: ApiVersion = api_version
        self.url = url or self.api.public_url
        self.private_url = private_url or self.api.private_url
        self.l3_url = l3_url or self.api.l3_url
        self.rest_url = rest_url
        if credentials is None and (api_key is not None or api_secret is not None):
            credentials = Credentials(api_key or "", api_secret or "")
        self._credentials = credentials
        self._token_source = token_source
        self._given_token = ""  # the last token a private call was given (see _use_token)
        self._private: AccountSession | None = None
        self._l3: AccountSession | None = None
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
        self._session: PublicSession | None = None
        self._public_hooks: PublicHooks  # fresh with each session (__aenter__)
        self._subscriptions: list[Subscription[Any]] = []
        self._sources: dict[int, Subscription[Any]] = {}  # id(derived) -> what feeds it
        self.spot = KrakenSpotStreams(self)

    async def __aenter__(self) -> KrakenSocketClient:
        self._stack = AsyncExitStack()
        self._tasks.open(await self._stack.enter_async_context(asyncio.TaskGroup()))
        self._public_hooks = self.api.public_hooks(self.rest_url, self._request_timeout)
        self._session = Session(
            self._make_connection,
            protocol=self.api.public_protocol(),
            hooks=self._public_hooks,
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

    def _make_connection(self, session: Session[Any], url: str | None = None) -> ManagedConnection:
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
    def session(self) -> PublicSession:
        if self._session is None:
            raise ClientClosedError("the client is not open (use `async with`)")
        return self._session

    @property
    def private_session(self) -> AccountSession:
        """The private endpoint's connection (opened on first use)."""
        if self._private is None:
            self._private = self._authenticated("private", self.private_url)
        return self._private

    @property
    def l3_session(self) -> AccountSession:
        """The level-3 endpoint's connection (opened on first use; Kraken v2 only)."""
        if self.l3_url is None:
            raise UnsupportedFeatureError(
                f"Kraken WebSocket v{self.api_version} has no level-3 endpoint (use api_version=2)"
            )
        if self._l3 is None:
            self._l3 = self._authenticated("l3", self.l3_url)
        return self._l3

    def _use_token(self, token: str | None) -> None:
        """A token passed to a private call (Kraken.Net passes one to each): without
        credentials or a ``token_source`` it authenticates the private connection; with
        them, the client's own fresh tokens are used and this one is not needed."""
        if token is not None and self._credentials is None and self._token_source is None:
            self._given_token = token

    def _authenticated(self, endpoint: AuthEndpoint, url: str) -> AccountSession:
        public = self.session  # raises when the client is not open
        if self._credentials is None and self._token_source is None and not self._given_token:
            raise InvalidCredentialsError(
                "private feeds, trading and level 3 need credentials (api_key/api_secret), "
                "a token_source, or a token"
            )
        session: AccountSession = PrivateSession(
            lambda s: self._make_connection(s, url),
            protocol=self.api.account_protocol(endpoint, public.protocol.instruments),
            hooks=self.api.account_hooks(endpoint, self._fetch_token, self._public_instruments),
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
        if self._credentials is None:
            return self._given_token
        token = await get_websockets_token(
            self._credentials, base_url=self.rest_url, timeout=self._request_timeout
        )
        return token.token

    async def _public_instruments(self) -> None:
        """Make sure the pairs' precisions are known (v2: the instrument channel; v1: REST
        ``AssetPairs``)."""
        session = self.session
        await session.wait_connected()
        await self._public_hooks.ensure_instruments(session)

    async def _forget_subscription(self, sub: Subscription[Any]) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)

    def on_lifecycle(self, listener: Callable[[LifecycleEvent], object]) -> None:
        """Call ``listener`` on every connection lifecycle event (connect, loss, restore...,
        and the contained failures: ``TASK_FAILED``, ``CONNECT_REJECTED``, ``DISARM_FAILED``).
        It may be async; one that raises is logged and counted, never propagated."""
        self.session.add_lifecycle_listener(listener)

    def _new_subscription(self, channel: str, symbols: list[str]) -> Subscription[Any]:
        sub: Subscription[Any] = Subscription(
            channel, symbols, self._close_subscription, self._spawn, self._queue_size
        )
        self._subscriptions.append(sub)
        return sub

    async def _close_subscription(self, sub: Subscription[Any]) -> None:
        if sub in self._subscriptions:
            self._subscriptions.remove(sub)
        source = self._sources.pop(id(sub), None)
        if source is not None:
            await source.close()
            return
        owner = self._private if sub.channel in self.api.private_channels else self._session
        if owner is not None:
            await owner._close_subscription(sub)

    def _derived(
        self,
        sub: Subscription[Any],
        source: Subscription[Any],
        convert: Callable[[DataEvent[Any]], DataEvent[Any]],
    ) -> None:
        """``sub`` is fed from ``source`` (e.g. v2 spreads from the bbo ticker), each event
        through ``convert``: it gets the source's lifecycle events too, ends with the error
        that ends the source, and closing it closes ``source``."""
        self._sources[id(sub)] = source
        for kind in LifecycleKind:
            source.on_lifecycle(kind, sub.notify)

        async def pump() -> None:
            try:
                async for event in source:
                    sub.push(convert(event))
            except SpotstreamError as exc:
                sub.fail(exc)

        self._spawn(pump())

    def run_handler(self, sub: Subscription[T], handler: Handler[T]) -> UpdateSubscription[T]:
        update = UpdateSubscription(sub, handler)
        update.task = self._spawn(update.run())
        return update
