"""The user-facing CoinEx client: ``CoinExSocketClient`` (socket API v2) and its ``spot``
streams, on the same machinery as Kraken's (:class:`~spotstream.asyncio.client.SocketClient`)::

    async with CoinExSocketClient() as client:
        book = await client.spot.order_book("BTCUSDT", depth=50)       # verified on every push
        async with client.spot.ticker(["BTCUSDT", "ETHUSDT"]) as sub:  # async iterator
            async for event in sub: ...
        sub = await client.spot.subscribe_to_trade_updates("BTCUSDT", on_trades)  # callback
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any, cast

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.client import SocketClient
from spotstream.asyncio.pacing import RequestRate
from spotstream.asyncio.private_session import PrivateSession
from spotstream.asyncio.recovery import BookRecoveryPolicy
from spotstream.asyncio.session import Session
from spotstream.asyncio.subscription import DEFAULT_QUEUE_SIZE, Subscription
from spotstream.asyncio.tasks import Sleep
from spotstream.asyncio.transport import Transport
from spotstream.auth.coinex import CoinExCredentials
from spotstream.coinex.account import CoinExAccountHooks
from spotstream.coinex.endpoints import COINEX_REST_URL, COINEX_V2_URL
from spotstream.coinex.hooks import CoinExPublicHooks
from spotstream.coinex.polling import Poller, stop
from spotstream.coinex.spot import CoinExSpotStreams
from spotstream.errors import InvalidCredentialsError, InvalidRequestError, UnexpectedAnswerError
from spotstream.protocol.coinex.v2.channels import PRIVATE_CHANNELS
from spotstream.protocol.coinex.v2.private import CoinExV2PrivateProtocol
from spotstream.protocol.coinex.v2.public import CoinExV2Protocol

PublicSession = Session[CoinExV2Protocol]
AccountSession = PrivateSession[CoinExV2PrivateProtocol]


class CoinExSocketClient(SocketClient):
    """A CoinEx socket API v2 client. Use it as ``async with CoinExSocketClient() as c``;
    ``CoinExSocketClient(api_version=1)`` is the legacy v1 API's
    (:class:`~spotstream.coinex.v1.client.CoinExV1SocketClient`).

    ``url`` is the spot socket (default ``wss://socket.coinex.com/v2/spot``, or a
    simulator's), ``rest_url`` REST v2's base (default ``https://api.coinex.com``). Private
    feeds need ``credentials`` (or ``access_id``/``secret_key``). CoinEx ignores websocket
    pings: the keep-alive is ``server.ping`` after ``keepalive_interval`` seconds of silence
    (5 by default, at most 15, as the spec recommends), and a link on which nothing arrives
    for ``dead_after`` (10)
    seconds is dropped and re-established. The rest is as for
    :class:`~spotstream.kraken.client.KrakenSocketClient`.
    """

    api_version = 2
    default_dead_after = 10.0  # seconds without a frame before the link is re-established

    def __new__(cls, *args: Any, api_version: int = 2, **kwargs: Any) -> CoinExSocketClient:
        if api_version not in (1, 2):
            raise InvalidRequestError(f"CoinEx's socket API is version 1 or 2, not {api_version!r}")
        if api_version == 1 and cls is CoinExSocketClient:
            from spotstream.coinex.v1.client import CoinExV1SocketClient

            return super().__new__(CoinExV1SocketClient)
        return super().__new__(cls)

    def __init__(
        self,
        *,
        api_version: int = 2,
        url: str | None = None,
        rest_url: str = COINEX_REST_URL,
        credentials: CoinExCredentials | None = None,
        access_id: str | None = None,
        secret_key: str | None = None,
        transport: Transport | str | None = None,
        output_original_data: bool = False,
        request_timeout: float = 10.0,
        reconnect: ReconnectPolicy | None = None,
        keepalive_interval: float | None = None,
        dead_after: float | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        book_recovery: BookRecoveryPolicy | None = None,
        request_rate: RequestRate | None = None,
        wall_clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(
            url or self._default_url(),
            transport=transport,
            output_original_data=output_original_data,
            request_timeout=request_timeout,
            reconnect=reconnect,
            keepalive_interval=self._keepalive(keepalive_interval),
            dead_after=dead_after or self.default_dead_after,
            queue_size=queue_size,
            clock=clock,
            sleep=sleep,
            book_recovery=book_recovery,
            request_rate=request_rate,
        )
        self.rest_url = rest_url
        if credentials is None and (access_id is not None or secret_key is not None):
            credentials = CoinExCredentials(access_id or "", secret_key or "")
        self._credentials = credentials
        self._wall_clock = wall_clock
        self._private: AccountSession | None = None
        self._pollers: dict[int, Poller[Any]] = {}  # id(subscription) -> what feeds it
        self.spot = CoinExSpotStreams(self)

    def _default_url(self) -> str:
        return COINEX_V2_URL

    def _keepalive(self, interval: float | None) -> float:
        """v2's ``server.ping`` after this much quiet: 5 s by default, at most 15 s (the
        spec's advice)."""
        return min(interval or 5.0, 15.0)

    def _open_public(self) -> PublicSession:
        return Session(
            self._make_connection,
            protocol=CoinExV2Protocol(),
            hooks=CoinExPublicHooks(self._wall_clock),
            **self._session_kwargs(),
        )

    def _other_sessions(self) -> list[Session[Any]]:
        return [self._private] if self._private is not None else []

    def _forget_other_sessions(self) -> None:
        self._private = None

    async def _close_subscription(self, sub: Subscription[Any]) -> None:
        poller = self._pollers.pop(id(sub), None)
        if poller is not None:
            stop(poller)
        await super()._close_subscription(sub)

    def _owner(self, sub: Subscription[Any]) -> Session[Any] | None:
        return self._private if sub.channel in PRIVATE_CHANNELS else self._session

    @property
    def private_session(self) -> AccountSession:
        """The signed connection of the account feeds (opened on first use, on the same
        URL: CoinEx signs in-band with ``server.sign``)."""
        if self._private is None:
            self._private = self._authenticated()
        return self._private

    def _authenticated(self) -> AccountSession:
        self.public_session  # noqa: B018 - raises when the client is not open
        if self._credentials is None:
            raise InvalidCredentialsError(
                "CoinEx's account feeds need credentials (access_id and secret_key)"
            )
        session: AccountSession = PrivateSession(
            self._make_connection,
            protocol=self._private_protocol(),
            hooks=self._account_hooks(self._credentials),
            **self._session_kwargs(),
        )
        self._spawn(session.connection.run())
        return session

    def _private_protocol(self) -> Any:
        return CoinExV2PrivateProtocol()

    def _account_hooks(self, credentials: CoinExCredentials) -> CoinExAccountHooks:
        return CoinExAccountHooks(
            credentials, self.rest_url, self._request_timeout, clock_ms=self._clock_ms
        )

    @property
    def session(self) -> PublicSession:
        return cast(PublicSession, self.public_session)

    def _clock_ms(self) -> int:
        """The wall clock in epoch ms: what signatures are stamped with."""
        return int(self._wall_clock() * 1000)

    async def get_server_time(self) -> int:
        """The server's time (``server.time``), in epoch milliseconds."""
        session = self.session
        await session.wait_connected()
        done = await session.request(session.protocol.server_time())
        if done.errors:
            raise done.errors[0]
        result: Any = done.results[0] if done.results else None
        if not isinstance(result, int):
            raise UnexpectedAnswerError(f"server.time answered without a timestamp: {result!r}")
        return result

    async def ping(self) -> float:
        """Round trip of a ``server.ping``, in seconds."""
        return await self.session.ping()
