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
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar, cast

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.call import Call
from spotstream.asyncio.client import SocketClient
from spotstream.asyncio.pacing import RequestRate
from spotstream.asyncio.private_session import PrivateSession
from spotstream.asyncio.recovery import BookRecoveryPolicy
from spotstream.asyncio.session import Session
from spotstream.asyncio.subscription import DEFAULT_QUEUE_SIZE, Subscription
from spotstream.asyncio.tasks import Sleep
from spotstream.asyncio.transport import Transport
from spotstream.auth.kraken import Credentials
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.errors import InvalidCredentialsError, UnsupportedFeatureError
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
from spotstream.protocol.kraken.v2.private import AuthEndpoint

T = TypeVar("T")
_Call = Call


def _symbols(symbols: str | Sequence[str]) -> list[str]:
    return [symbols] if isinstance(symbols, str) else list(symbols)


class KrakenSocketClient(SocketClient):
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
        keepalive_interval: float = 5.0,
        dead_after: float = 10.0,
        queue_size: int = DEFAULT_QUEUE_SIZE,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        book_recovery: BookRecoveryPolicy | None = None,
        request_rate: RequestRate | None = None,
    ) -> None:
        self.api: KrakenApi = kraken_api(api_version)
        self.api_version: ApiVersion = api_version
        super().__init__(
            url or self.api.public_url,
            transport=transport,
            output_original_data=output_original_data,
            request_timeout=request_timeout,
            reconnect=reconnect,
            keepalive_interval=keepalive_interval,
            dead_after=dead_after,
            queue_size=queue_size,
            clock=clock,
            sleep=sleep,
            book_recovery=book_recovery,
            request_rate=request_rate,
        )
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
        self._public_hooks: PublicHooks  # fresh with each session (__aenter__)
        self.spot = KrakenSpotStreams(self)

    # --- SocketClient --------------------------------------------------------------------

    def _open_public(self) -> PublicSession:
        self._public_hooks = self.api.public_hooks(self.rest_url, self._request_timeout)
        return Session(
            self._make_connection,
            protocol=self.api.public_protocol(),
            hooks=self._public_hooks,
            **self._session_kwargs(),
        )

    def _other_sessions(self) -> list[Session[Any]]:
        return [s for s in (self._private, self._l3) if s is not None]

    def _forget_other_sessions(self) -> None:
        self._private = self._l3 = None

    def _owner(self, sub: Subscription[Any]) -> Session[Any] | None:
        return self._private if sub.channel in self.api.private_channels else self._session

    @property
    def session(self) -> PublicSession:
        return cast(PublicSession, self.public_session)

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
            **self._session_kwargs(),
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
