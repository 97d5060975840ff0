"""python-kraken-sdk's ``SpotWSClient`` (Kraken websocket API v2), on spotstream's machinery.

Import it from :mod:`spotstream.compat.kraken_sdk` (the module docstring there lists what is
covered and what differs). Endpoints: the SDK's ``ws_url``/``auth_ws_url`` bases (``/v2`` is
appended), spotstream's full ``public_url``/``private_url``, ``rest_url``, or the environment
(``SPOTSTREAM_KRAKEN_PUBLIC_URL``, ``..._PRIVATE_URL``, ``..._REST_URL``); Kraken's by default.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import os
import warnings
from collections.abc import Callable, Mapping
from enum import Enum, auto
from types import TracebackType
from typing import Any, Self

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.transport import Transport, transport_by_name
from spotstream.auth.kraken import Credentials
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.compat.kraken_sdk.connection import SdkConnection
from spotstream.errors import InvalidCredentialsError

__all__ = [
    "PRIVATE_URL_ENV",
    "PUBLIC_URL_ENV",
    "REST_URL_ENV",
    "KrakenAuthenticationError",
    "SpotWSClient",
    "WSState",
]

PUBLIC_URL_ENV = "SPOTSTREAM_KRAKEN_PUBLIC_URL"
PRIVATE_URL_ENV = "SPOTSTREAM_KRAKEN_PRIVATE_URL"
REST_URL_ENV = "SPOTSTREAM_KRAKEN_REST_URL"
DEFAULT_QUEUE_SIZE = 100_000

MessageCallback = Callable[[Any], Any]


class WSState(Enum):
    """The client's state, as the SDK's ``WSState``."""

    INIT = auto()
    CONNECTING = auto()
    CONNECTED = auto()
    RECONNECTING = auto()
    CANCELLING = auto()
    ERRORHANDLING = auto()
    ERROR = auto()
    CLOSED = auto()


class KrakenAuthenticationError(InvalidCredentialsError):
    """A private channel or method was used on a client without credentials (found out
    locally: nothing was sent, so it is not an exchange's refusal)."""

    def __init__(self, error: str = "this client has no API key and secret") -> None:
        super().__init__(error)


class SpotWSClient:
    """Kraken Spot websocket API v2 client with python-kraken-sdk's interface.

    Holds up to two connections: public (unless ``no_public``) and private (when ``key`` and
    ``secret`` are given). Every message reaches :meth:`on_message` (override it) or the
    ``callback`` (sync or async), one at a time and in order, from the client's own task.
    Confirmed subscriptions are restored after a reconnect; after ``MAX_RECONNECT_NUM``
    consecutive failed attempts a connection gives up, ``exception_occur`` turns true and
    ``{"python-kraken-sdk": {"error": "kraken.exceptions.MaxReconnectError"}}`` is delivered.

    Keyword-only additions: ``public_url``/``private_url`` (full endpoint URLs, used as given),
    ``transport`` (``"picows"``, ``"websockets"`` or a Transport), ``reconnect`` (a
    :class:`ReconnectPolicy`) and ``queue_size`` (messages waiting for ``on_message``; a
    connection whose messages overflow it is dropped and resubscribed, so the consumer gets
    fresh snapshots instead of a silent gap).
    """

    LOG: logging.Logger = logging.getLogger(__name__)
    WS_URL: str = "wss://ws.kraken.com"
    AUTH_WS_URL: str = "wss://ws-auth.kraken.com"
    REST_URL: str = "https://api.kraken.com"
    API_V: str = "/v2"
    MAX_RECONNECT_NUM: int = 7
    CONNECT_TIMEOUT: float = 10.0

    def __init__(
        self,
        key: str = "",
        secret: str = "",
        callback: MessageCallback | None = None,
        *,
        no_public: bool = False,
        rest_url: str | None = None,
        ws_url: str | None = None,
        auth_ws_url: str | None = None,
        public_url: str | None = None,
        private_url: str | None = None,
        transport: str | Transport = "picows",
        reconnect: ReconnectPolicy | None = None,
        queue_size: int = DEFAULT_QUEUE_SIZE,
    ) -> None:
        self.state = WSState.INIT
        self._is_auth = bool(key and secret)
        self._credentials = Credentials(key, secret) if self._is_auth else None
        self.__callback = callback
        env = os.environ
        self.public_url = _endpoint(
            public_url, ws_url, self.API_V, env, PUBLIC_URL_ENV, self.WS_URL
        )
        self.private_url = _endpoint(
            private_url, auth_ws_url, self.API_V, env, PRIVATE_URL_ENV, self.AUTH_WS_URL
        )
        self.rest_url = rest_url or env.get(REST_URL_ENV) or self.REST_URL
        self.overflows = 0
        self._queue: asyncio.Queue[Any] = asyncio.Queue(queue_size)
        self._dispatcher: asyncio.Task[None] | None = None
        self._closing = False
        link = transport_by_name(transport) if isinstance(transport, str) else transport
        policy = reconnect or ReconnectPolicy()
        self._pub_conn = None if no_public else self._connection(self.public_url, link, policy)
        self._priv_conn = (
            self._connection(self.private_url, link, policy, private=True)
            if self._is_auth
            else None
        )

    def _connection(
        self, url: str, transport: Transport, policy: ReconnectPolicy, *, private: bool = False
    ) -> SdkConnection:
        connection: SdkConnection

        def deliver(message: Any) -> None:
            self._enqueue(connection, message)

        connection = SdkConnection(
            url,
            transport,
            deliver,
            token_source=self._token if private else None,
            policy=policy,
            max_reconnects=self.MAX_RECONNECT_NUM,
        )
        return connection

    # --- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Open the connection(s) and wait until they are up.

        Raises ``TimeoutError`` after ``CONNECT_TIMEOUT`` seconds, or the reason a connection
        gave up (e.g. :class:`AuthenticationError` when Kraken refuses the key).
        """
        self._closing = False
        if self._dispatcher is None or self._dispatcher.done():
            self._dispatcher = asyncio.create_task(self._dispatch(), name="kraken-sdk dispatch")
        self.state = WSState.CONNECTING
        connections = self._connections()
        for connection in connections:
            connection.start()
        try:
            async with asyncio.timeout(self.CONNECT_TIMEOUT):
                for connection in connections:
                    await connection.wait_ready()
        except TimeoutError:
            self.state = WSState.ERROR
            raise TimeoutError("Could not connect to the Kraken API!") from None
        except BaseException:
            self.state = WSState.ERROR
            raise
        self.state = WSState.CONNECTED

    async def close(self) -> None:
        """Close the connection(s); messages not yet handed to ``on_message`` are dropped.

        May be called from ``on_message`` itself (the dispatch ends after it returns).
        """
        self.state = WSState.CANCELLING
        for connection in self._connections():
            await connection.stop()
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is asyncio.current_task():
            self._closing = True
        elif dispatcher is not None:
            dispatcher.cancel()
            await asyncio.wait([dispatcher])
        self.state = WSState.CLOSED

    async def stop(self) -> None:
        """Deprecated alias of :meth:`close` (as in the SDK)."""
        warnings.warn(
            "The 'stop' function is deprecated and will be replaced by 'close' in a future "
            "release.",
            DeprecationWarning,
            stacklevel=2,
        )
        await self.close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # --- receiving -----------------------------------------------------------------------

    async def on_message(self, message: Any) -> None:
        """Receives every message: calls the ``callback`` (awaiting it if it is async), or,
        without one, logs a warning and prints the message. Override it in a subclass."""
        callback = self.__callback
        if callback is None:
            self.LOG.warning(
                "Received message but no callback is defined! Either use a callback when "
                "initializing the websocket client or overload its ``on_message`` function."
            )
            print(message)
            return
        result = callback(message)
        if inspect.isawaitable(result):
            await result

    def _enqueue(self, connection: SdkConnection, message: Any) -> None:
        try:
            self._queue.put_nowait(message)
        except asyncio.QueueFull:
            # on_message is this far behind: drop the connection rather than leave a hole;
            # it reconnects and resubscribes, so books restart from fresh snapshots
            self.overflows += 1
            if connection.connected:
                self.LOG.warning("on_message is %d messages behind: reconnecting", self.overflows)
                connection.drop()

    async def _dispatch(self) -> None:
        """The client's task: hands queued messages to ``on_message`` one at a time."""
        queue = self._queue
        while not self._closing:
            message = await queue.get()
            try:
                await self.on_message(message)
            except Exception:
                self.LOG.exception("on_message raised (the message is skipped)")

    # --- sending -------------------------------------------------------------------------

    async def send_message(self, message: dict[str, Any], *, raw: bool = False) -> None:
        """Send a request on the right connection: private methods and channels go to the
        authenticated one, with the session token added to ``params`` (unless ``raw``).

        Raises ``TypeError`` for a malformed message, :class:`KrakenAuthenticationError` for
        a private request on a client without credentials and ``TimeoutError`` when the
        connection is not up within ``CONNECT_TIMEOUT`` seconds.
        """
        private = self._is_private(message)
        if private and not self._is_auth:
            raise KrakenAuthenticationError
        connection = self._priv_conn if private else self._pub_conn
        if connection is None:
            raise AttributeError("Could not find a connected public websocket (no_public=True)!")
        await self._wait_connected(connection)
        if raw:
            await connection.send(message, raw=True)
            return
        outgoing = dict(message)
        if outgoing.get("params") is None and outgoing["method"] in self.private_methods:
            outgoing["params"] = {}
        await connection.send(outgoing)

    def _is_private(self, message: dict[str, Any]) -> bool:
        """Validate ``message`` as the SDK does; True when it needs the private connection."""
        if not isinstance(message, dict):
            raise TypeError("The ``message`` must be type dict!")
        method = message.get("method")
        if not method or not isinstance(method, str):
            raise TypeError("The message must contain the ``method`` key with a valid string!")
        if "subscribe" in method:  # includes unsubscribe
            params = message.get("params")
            if not params or not isinstance(params, dict):
                raise TypeError(
                    "The message must contain the ``params`` key with a value as type dict!"
                )
            channel = params.get("channel")
            if not channel or not isinstance(channel, str):
                raise TypeError(
                    "The message must contain the ``params`` key that points to a dictionary "
                    "containing the ``channel`` key with a valid string!"
                )
            return channel in self.private_channel_names
        return method in self.private_methods

    async def _wait_connected(self, connection: SdkConnection) -> None:
        if not connection.started:
            raise TimeoutError("Could not retrieve the desired websocket connection! (start())")
        try:
            async with asyncio.timeout(self.CONNECT_TIMEOUT):
                await connection.wait_ready()
        except TimeoutError:
            raise TimeoutError("Could not retrieve the desired websocket connection!") from None

    async def subscribe(self, params: dict[str, Any], req_id: int | None = None) -> None:
        """Send ``{"method": "subscribe", "params": params}`` (with ``req_id`` if given);
        acknowledgements and data arrive at :meth:`on_message`."""
        await self.send_message(_request("subscribe", params, req_id))

    async def unsubscribe(self, params: dict[str, Any], req_id: int | None = None) -> None:
        """Send ``{"method": "unsubscribe", "params": params}`` (with ``req_id`` if given)."""
        await self.send_message(_request("unsubscribe", params, req_id))

    async def get_ws_token(self) -> dict[str, Any]:
        """A fresh WebSocket token from REST ``GetWebSocketsToken``: ``{"token", "expires"}``."""
        if self._credentials is None:
            raise ValueError("Missing credentials.")
        token = await get_websockets_token(self._credentials, base_url=self.rest_url)
        return {"token": token.token, "expires": token.expires}

    async def _token(self) -> str:
        return str((await self.get_ws_token())["token"])

    # --- state ---------------------------------------------------------------------------

    def _connections(self) -> list[SdkConnection]:
        return [c for c in (self._pub_conn, self._priv_conn) if c is not None]

    @property
    def is_auth(self) -> bool:
        """True when the client has credentials (and so a private connection)."""
        return self._is_auth

    @property
    def exception_occur(self) -> bool:
        """True if any connection stopped because of an error (it will not come back)."""
        return any(c.exception_occur for c in self._connections())

    @property
    def active_public_subscriptions(self) -> list[dict[str, Any]]:
        """Confirmed public subscriptions (copies); ``ConnectionError`` without a public one."""
        if self._pub_conn is None:
            raise ConnectionError("Public connection does not exist!")
        return self._pub_conn.tracker.entries()

    @property
    def active_private_subscriptions(self) -> list[dict[str, Any]]:
        """Confirmed private subscriptions (copies); ``ConnectionError`` without credentials."""
        if self._priv_conn is None:
            raise ConnectionError("Private connection does not exist!")
        return self._priv_conn.tracker.entries()

    @property
    def public_channel_names(self) -> list[str]:
        """Channels subscribable without authentication."""
        return ["book", "instrument", "ohlc", "ticker", "trade"]

    @property
    def private_channel_names(self) -> list[str]:
        """Channels that need the authenticated connection (level3 lives on its own endpoint:
        use a second client with ``auth_ws_url="wss://ws-l3.kraken.com"``)."""
        return ["executions", "balances", "level3"]

    @property
    def private_methods(self) -> list[str]:
        """Trading methods (sent on the authenticated connection, with the token)."""
        return [
            "add_order",
            "amend_order",
            "batch_add",
            "batch_cancel",
            "cancel_all",
            "cancel_all_orders_after",
            "cancel_order",
            "edit_order",
        ]


def _request(method: str, params: dict[str, Any], req_id: int | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"method": method}
    if req_id is not None:
        payload["req_id"] = req_id
    payload["params"] = params
    return payload


def _endpoint(
    full: str | None,
    sdk_base: str | None,
    api_v: str,
    env: Mapping[str, str],
    env_name: str,
    default_base: str,
) -> str:
    """Precedence: a full URL argument, the SDK's base argument (+ ``/v2``), the environment
    variable (a full URL), the class default (+ ``/v2``)."""
    if full:
        return full
    if sdk_base:
        return sdk_base + api_v
    return env.get(env_name) or default_base + api_v
