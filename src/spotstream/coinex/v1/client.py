"""``CoinExSocketClient(api_version=1)``: CoinEx's legacy socket API v1 on the same machinery
as v2, with CoinEx.Net's v1 ``SpotApi`` methods (``client.spot``)::

    async with CoinExSocketClient(api_version=1, url=sim.urls["coinex_v1"]) as client:
        ticker = await client.spot.get_ticker("BTCUSDT")
        book = await client.spot.order_book("BTCUSDT", depth=10)   # verified on every push

CoinEx retired v1 in 2024. A v1 endpoint that does not answer (refuses, accepts and closes,
or never answers ``server.ping``) fails the first call within ``connect_timeout`` seconds
with :class:`~spotstream.errors.EndpointRetiredError` naming v2, instead of retrying
forever. The keep-alive is ``server.ping`` every minute (CoinEx.Net's period); v1 honours one
market per subscription type on a connection, so further markets get connections of their
own (:mod:`.pool`). URL: ``url``, else ``SPOTSTREAM_COINEX_V1_URL``, else CoinEx's.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any, cast

from spotstream.asyncio.private_session import PrivateSession
from spotstream.asyncio.session import Session
from spotstream.asyncio.subscription import Subscription
from spotstream.auth.coinex import CoinExCredentials
from spotstream.coinex.account import CoinExAccountHooks
from spotstream.coinex.client import CoinExSocketClient
from spotstream.coinex.endpoints import COINEX_V1_URL, COINEX_V1_URL_ENV, COINEX_V2_URL
from spotstream.coinex.hooks import CoinExPublicHooks
from spotstream.coinex.v1.account import CoinExV1AccountHooks
from spotstream.coinex.v1.pool import ConnectionPool
from spotstream.coinex.v1.spot import CoinExV1SpotStreams
from spotstream.errors import (
    ConnectionClosedError,
    EndpointRetiredError,
    RequestTimeoutError,
)
from spotstream.models.market import LifecycleEvent
from spotstream.protocol.coinex.v1.private import PRIVATE_METHODS, CoinExV1PrivateProtocol
from spotstream.protocol.coinex.v1.public import CoinExV1Protocol

PublicSession = Session[CoinExV1Protocol]
AccountSession = PrivateSession[CoinExV1PrivateProtocol]
DEFAULT_CONNECT_TIMEOUT = 10.0
V1_KEEPALIVE = 60.0  # server.ping every minute (CoinEx.Net's period)


class CoinExV1SocketClient(CoinExSocketClient):
    """A CoinEx socket API v1 client (made by ``CoinExSocketClient(api_version=1)``).

    ``connect_timeout`` bounds how long the first call waits for the endpoint to answer; the
    rest is as for :class:`CoinExSocketClient` (``keepalive_interval`` defaults to 60 s)."""

    api_version = 1
    default_dead_after = 150.0  # well past the minute between keep-alive pings
    spot: CoinExV1SpotStreams  # type: ignore[assignment]

    def __init__(self, *, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connect_timeout = connect_timeout
        self.spot = CoinExV1SpotStreams(self)
        self._pool: ConnectionPool | None = None
        self._holders: dict[int, Session[Any]] = {}  # id(subscription) -> its session
        self._listeners: list[Callable[[LifecycleEvent], object]] = []
        self._alive: set[int] = set()  # id(session) of sessions that answered once

    def _default_url(self) -> str:
        return os.environ.get(COINEX_V1_URL_ENV) or COINEX_V1_URL

    def _keepalive(self, interval: float | None) -> float:
        return interval or V1_KEEPALIVE

    # --- sessions ---------------------------------------------------------------------------

    def _open_public(self) -> PublicSession:  # type: ignore[override]
        first = self._new_public()
        self._pool = ConnectionPool(first, self._start_public)
        self._alive.clear()
        return first

    def _new_public(self) -> PublicSession:
        session: PublicSession = Session(
            self._make_connection,
            protocol=CoinExV1Protocol(),
            hooks=CoinExPublicHooks(self._wall_clock),
            **self._session_kwargs(),
        )
        for listener in self._listeners:
            session.add_lifecycle_listener(listener)
        return session

    def _start_public(self) -> PublicSession:
        session = self._new_public()
        self._spawn(session.connection.run())
        return session

    def _other_sessions(self) -> list[Session[Any]]:
        pooled = self._pool.sessions[1:] if self._pool is not None else []
        return [*pooled, *super()._other_sessions()]

    def _forget_other_sessions(self) -> None:
        super()._forget_other_sessions()
        self._pool = None
        self._holders.clear()

    def _owner(self, sub: Subscription[Any]) -> Session[Any] | None:
        if sub.channel in PRIVATE_METHODS:
            return self._private
        return self._holders.pop(id(sub), None)

    @property
    def pool(self) -> ConnectionPool:
        """The public connections (the first carries the queries)."""
        self.public_session  # noqa: B018 - raises when the client is not open
        assert self._pool is not None
        return self._pool

    def hold(self, sub: Subscription[Any], session: Session[Any]) -> None:
        self._holders[id(sub)] = session

    def on_lifecycle(self, listener: Callable[[LifecycleEvent], object]) -> None:
        """As for v2, for every public connection of the pool (and those opened later)."""
        self._listeners.append(listener)
        for session in self.pool.sessions:
            session.add_lifecycle_listener(listener)

    @property
    def session(self) -> PublicSession:  # type: ignore[override]
        return cast(PublicSession, self.public_session)

    @property
    def private_session(self) -> AccountSession:  # type: ignore[override]
        if self._private is None:
            self._private = self._authenticated()
        return cast(AccountSession, self._private)

    def _private_protocol(self) -> Any:
        return CoinExV1PrivateProtocol()

    def _account_hooks(self, credentials: CoinExCredentials) -> CoinExAccountHooks:
        return CoinExV1AccountHooks(
            credentials, self.rest_url, self._request_timeout, clock_ms=self._clock_ms
        )

    # --- an endpoint that answers -----------------------------------------------------------

    async def live(self, session: Session[Any] | None = None) -> Session[Any]:
        """``session`` (the first public one by default) once its endpoint has answered a
        ``server.ping``; :class:`EndpointRetiredError` if it does not within
        ``connect_timeout`` (v1 is retired: the error names v2)."""
        session = session or self.public_session
        if id(session) in self._alive:
            return session
        try:
            async with asyncio.timeout(self.connect_timeout):
                while True:
                    try:
                        await session.connection.wait_connected()
                        await session.request(session.protocol.ping())
                        break
                    except ConnectionClosedError:
                        await asyncio.sleep(0)  # an early close: wait for the next connect
        except (TimeoutError, RequestTimeoutError):
            raise EndpointRetiredError(
                f"CoinEx socket API v1 at {self.url} did not answer within "
                f"{self.connect_timeout:g} s. CoinEx retired v1 in 2024: use socket API v2, "
                f"CoinExSocketClient() ({COINEX_V2_URL})"
            ) from None
        self._alive.add(id(session))
        return session

    async def get_server_time(self) -> int:
        """The server's time (``server.time``, whole seconds), in epoch milliseconds."""
        session = await self.live()
        seconds: int = await session.ask(self.session.protocol.server_time())
        return seconds * 1000

    async def ping(self) -> float:
        """Round trip of a ``server.ping``, in seconds."""
        return await (await self.live()).ping()
