"""One endpoint of the python-kraken-sdk facade: raw Kraken v2 dicts over a ManagedConnection.

:class:`SdkConnection` is the exchange-specific :class:`~spotstream.asyncio.connection.
ConnectionHandler` behind :class:`spotstream.compat.kraken_sdk.SpotWSClient`: it decodes
every frame into the plain dict users of the SDK expect (JSON floats become exact
``Decimal``), remembers confirmed subscriptions the way the SDK does (for
``active_*_subscriptions`` and for resubscribing after a reconnect), pings like the SDK, and
gives up after ``max_reconnects`` consecutive failed connection attempts. A private endpoint
fetches a fresh WebSocket token before every connection attempt (:class:`TokenTransport`).
"""

from __future__ import annotations

import asyncio
import copy
import logging
import time
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import msgspec

from spotstream.asyncio.backoff import ReconnectPolicy
from spotstream.asyncio.connection import ManagedConnection
from spotstream.asyncio.transport import FrameSink, Link, Transport
from spotstream.errors import ConnectionClosedError, RequestTimeoutError
from spotstream.models.enums import LifecycleKind
from spotstream.models.market import LifecycleEvent

log = logging.getLogger("spotstream.compat.kraken_sdk")

Deliver = Callable[[Any], None]
"""Receives every decoded message (a dict, or whatever else the JSON held), in order."""
Observer = Callable[[dict[str, Any]], None]
"""Sees every decoded dict synchronously, before it is queued for ``on_message``."""
TokenSource = Callable[[], Awaitable[str]]

SDK_ERROR_KEY = "python-kraken-sdk"
"""Key of the synthetic messages the SDK (and this facade) sends to ``on_message``."""
MAX_RECONNECT_ERROR = "kraken.exceptions.MaxReconnectError"
# The SDK stores a subscription's symbol as a list so that it can be sent again; level3 is
# added here (the SDK forgets it, so its level3 resubscription after a reconnect fails).
_LIST_SYMBOL_CHANNELS = frozenset({"book", "ticker", "ohlc", "trade", "level3"})

decode_message = msgspec.json.Decoder(float_hook=Decimal).decode
"""JSON text to Python objects; non-integer numbers become exact ``Decimal``."""
_encoder = msgspec.json.Encoder(decimal_format="number")
PING = _encoder.encode({"method": "ping"})


def encode_message(message: Any) -> bytes:
    """A request as JSON; ``Decimal`` amounts are written as JSON numbers (as Kraken wants).

    Raises ``TypeError`` for values JSON cannot hold (as ``json.dumps`` does in the SDK).
    """
    try:
        return _encoder.encode(message)
    except msgspec.EncodeError as exc:
        raise TypeError(f"message is not JSON serializable: {exc}") from None


def sdk_error(error: str, detail: str = "") -> dict[str, Any]:
    """The SDK's synthetic error message shape, ``{"python-kraken-sdk": {"error": ...}}``."""
    body: dict[str, Any] = {"error": error}
    if detail:
        body["detail"] = detail
    return {SDK_ERROR_KEY: body}


class SubscriptionTracker:
    """Confirmed subscriptions, one entry per acknowledged (channel, symbol), as the SDK keeps
    them: the ack's ``result`` with a list ``symbol`` and without ``warnings`` (and, for
    executions, without ``maxratecount``), so that each entry can be subscribed again."""

    def __init__(self) -> None:
        self._entries: list[dict[str, Any]] = []

    def entries(self) -> list[dict[str, Any]]:
        """A deep copy (callers may change it freely)."""
        return copy.deepcopy(self._entries)

    def observe(self, message: dict[str, Any]) -> None:
        """Update the entries from a subscribe/unsubscribe acknowledgement (ignore the rest)."""
        method = message.get("method")
        if method not in ("subscribe", "unsubscribe"):
            return
        result = message.get("result")
        if not message.get("success") or not isinstance(result, dict) or not result:
            log.warning("%s failed: %s", method, message)
            return
        entry = _resubscribable(result)
        self._remove(entry)
        if method == "subscribe":
            self._entries.append(entry)

    def _remove(self, entry: dict[str, Any]) -> None:
        for index, known in enumerate(self._entries):
            same_stream = known.get("channel") == entry.get("channel") and known.get(
                "symbol"
            ) == entry.get("symbol")
            if known == entry or same_stream:
                del self._entries[index]
                return


def _resubscribable(result: dict[str, Any]) -> dict[str, Any]:
    entry = copy.deepcopy(result)
    channel = entry.get("channel")
    symbol = entry.get("symbol")
    if channel in _LIST_SYMBOL_CHANNELS and symbol is not None and not isinstance(symbol, list):
        entry["symbol"] = [symbol]
    if channel == "executions":
        entry.pop("maxratecount", None)  # echoed by Kraken, refused in a subscribe
    entry.pop("warnings", None)
    return entry


class TokenTransport:
    """Fetches a WebSocket token before every connection attempt, then connects.

    A token request that times out or cannot reach the server counts as a failed connection
    attempt (retried with backoff); a refusal (:class:`AuthenticationError`) ends the
    connection's life, since retrying a bad key cannot succeed.
    """

    def __init__(self, inner: Transport, fetch: Callable[[], Awaitable[None]]) -> None:
        self._inner = inner
        self._fetch = fetch

    async def connect(self, url: str, sink: FrameSink) -> Link:
        try:
            await self._fetch()
        except (RequestTimeoutError, ConnectionClosedError) as exc:
            raise ConnectionClosedError(f"no WebSocket token: {exc}") from exc
        return await self._inner.connect(url, sink)


class SdkConnection:
    """A public or private Kraken v2 endpoint as the SDK's clients use it.

    ``start()`` launches the connection task; ``wait_ready()`` waits until the socket is open
    (raising the failure if the connection gave up); ``stop()`` closes it. Every decoded
    message goes to ``deliver`` in order; ``observers`` see dicts synchronously first.
    """

    def __init__(
        self,
        url: str,
        transport: Transport,
        deliver: Deliver,
        *,
        token_source: TokenSource | None = None,
        policy: ReconnectPolicy,
        max_reconnects: int,
    ) -> None:
        self.url = url
        self.private = token_source is not None
        self.token: str | None = None
        self.tracker = SubscriptionTracker()
        self.observers: list[Observer] = []
        self.exception_occur = False
        self.failure: BaseException | None = None
        self.decode_errors = 0
        self._deliver = deliver
        self._token_source = token_source
        self._max_reconnects = max_reconnects
        self._up = asyncio.Event()
        self._changed = asyncio.Event()
        self._gave_up = False
        self._task: asyncio.Task[None] | None = None
        if token_source is not None:
            transport = TokenTransport(transport, self._fetch_token)
        self._transport = transport
        self._policy = policy
        self._connection = self._new_connection()

    def _new_connection(self) -> ManagedConnection:
        return ManagedConnection(
            self.url, self._transport, self, policy=self._policy, clock=time.monotonic
        )

    # --- lifecycle -----------------------------------------------------------------------

    @property
    def started(self) -> bool:
        return self._task is not None

    @property
    def connected(self) -> bool:
        return self._up.is_set()

    def start(self) -> None:
        """Start connecting (idempotent while running)."""
        if self._task is not None and not self._task.done():
            return
        self.exception_occur, self.failure, self._gave_up = False, None, False
        self._connection = self._new_connection()  # a closed one cannot be reopened
        self._task = asyncio.create_task(self._connection.run(), name=f"kraken-sdk {self.url}")
        self._task.add_done_callback(self._on_run_done)

    async def wait_ready(self) -> None:
        """Wait until the socket is open; raise the reason if the connection gave up."""
        while not self._up.is_set():
            if self.failure is not None:
                raise self.failure
            if self._task is None or self._task.done():
                raise ConnectionClosedError(f"{self.url}: not connected (call start())")
            self._changed.clear()
            await self._changed.wait()

    async def stop(self) -> None:
        """Close the socket politely and end the connection task."""
        task, self._task = self._task, None
        if task is None:
            return
        graceful = self._up.is_set()
        await self._connection.close()
        if graceful:
            await asyncio.wait([task], timeout=1.0)
        if not task.done():
            task.cancel()
        await asyncio.wait([task])

    def drop(self) -> None:
        """Abort the socket now; it reconnects and resubscribes."""
        self._connection.drop()

    async def send(self, message: dict[str, Any], *, raw: bool = False) -> None:
        """Send a request; unless ``raw``, a private endpoint adds its token to ``params``."""
        if self.private and not raw:
            params = dict(message.get("params") or {})
            params["token"] = self.token
            message = {**message, "params": params}
        await self._connection.send(encode_message(message))

    async def _fetch_token(self) -> None:
        assert self._token_source is not None
        self.token = await self._token_source()

    def _on_run_done(self, task: asyncio.Task[None]) -> None:
        if task.cancelled():
            if self._gave_up:
                self._fail(ConnectionClosedError(f"{self.url}: too many reconnects"))
            return
        exc = task.exception()
        if exc is not None:
            self._fail(exc)

    def _fail(self, exc: BaseException) -> None:
        self.exception_occur = True
        self.failure = exc
        self._changed.set()
        if self._gave_up:
            self._deliver(sdk_error(MAX_RECONNECT_ERROR))
        else:
            log.error("%s: connection failed: %s", self.url, exc)
            name = f"{type(exc).__module__}.{type(exc).__qualname__}"
            self._deliver(sdk_error(name, str(exc)))

    # --- ConnectionHandler ---------------------------------------------------------------

    def on_frame(self, frame: bytes | str) -> None:
        try:
            message = decode_message(frame)
        except msgspec.DecodeError:
            self.decode_errors += 1
            log.warning("%s: undecodable frame %.200r", self.url, frame)
            return
        if isinstance(message, dict):
            self.tracker.observe(message)
            for observer in self.observers:
                observer(message)
        self._deliver(message)

    async def on_open(self, reconnect: bool) -> None:
        self._up.set()
        self._changed.set()
        try:
            await self._connection.send(PING)  # the SDK greets every connection with a ping
            if reconnect:
                for params in self.tracker.entries():
                    await self.send({"method": "subscribe", "params": params})
        except ConnectionClosedError:
            return  # the connection is already going; the next one resubscribes

    def on_close(self) -> None:
        self._up.clear()
        self._changed.set()

    def keepalive_frame(self) -> bytes:
        return PING

    def on_lifecycle(self, event: LifecycleEvent) -> None:
        log.debug("%s: %s %s", self.url, event.kind, event.detail)
        gave_up = event.kind is LifecycleKind.RECONNECTING and event.attempt > self._max_reconnects
        if gave_up and self._task is not None:
            self._gave_up = True
            self._task.cancel()  # raised at the backoff sleep that follows this event
        elif event.kind is LifecycleKind.CONNECT_REJECTED and event.error is not None:
            self._fail(event.error)  # 401/403/404: final, as the SDK's own connect would be
            if self._task is not None:
                self._task.cancel()
