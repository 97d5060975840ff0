"""A websocket connection that keeps itself alive and reconnects. Names no exchange.

Nothing that goes wrong on one connection ends more than that connection: a transport error
ends the socket (and it reconnects), an exception of the handler is logged and counted, and
a final refusal of the handshake (see :func:`~spotstream.asyncio.backoff.classify`) stops
dialling until somebody waits for the connection again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter, deque
from typing import Protocol

from spotstream.asyncio.backoff import ReconnectPolicy, Verdict, classify
from spotstream.asyncio.tasks import Clock, Sleep, contained_task
from spotstream.asyncio.transport import ClosedLink, Link, Transport
from spotstream.errors import ConnectionClosedError
from spotstream.models.enums import LifecycleKind
from spotstream.models.market import LifecycleEvent

log = logging.getLogger("spotstream.connection")


class ConnectionHandler(Protocol):
    """The exchange-specific side of a connection."""

    def on_frame(self, frame: bytes | str) -> None: ...

    async def on_open(self, reconnect: bool) -> None:
        """The socket is open: (re)establish subscriptions. Must not raise."""

    def on_close(self) -> None:
        """The socket closed: fail in-flight requests, mark streams interrupted."""

    def keepalive_frame(self) -> bytes:
        """A frame that makes the server answer (an application ping)."""

    def on_lifecycle(self, event: LifecycleEvent) -> None: ...


class ManagedConnection:
    """Connects, delivers frames to its handler, watches liveness and reconnects with backoff.

    ``run()`` is the connection's whole life: it returns only after :meth:`close`, or raises
    :class:`ConnectionClosedError` when reconnection is disabled and the link drops. A final
    refusal of the handshake (401/403/404) is kept in ``rejected``, fails every
    :meth:`wait_connected` at once, and parks ``run()`` until the next
    :meth:`wait_connected` asks for one more attempt. ``handler_errors`` counts frames whose
    handling raised (logged, contained).
    """

    def __init__(
        self,
        url: str,
        transport: Transport,
        handler: ConnectionHandler,
        *,
        policy: ReconnectPolicy,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        keepalive_interval: float = 5.0,
        dead_after: float = 10.0,
        connect_timeout: float = 15.0,
        rng: random.Random | None = None,
    ) -> None:
        self.url = url
        self.frames = 0
        self.bytes = 0  # of the application frames received (characters for text frames)
        self.connects = 0
        self.closes: Counter[str] = Counter()  # connections lost, by close code ("none")
        self.last_close: tuple[int | None, str] = (None, "")  # the last link's close frame
        self.maintenance = False
        self._transport = transport
        self._handler = handler
        self._policy = policy
        self._clock = clock
        self._sleep = sleep
        self._keepalive_interval = keepalive_interval
        self._dead_after = dead_after
        self._last_frame = 0.0  # the clock at the last application frame
        self._connect_timeout = connect_timeout
        self._dialing: asyncio.Future[Link] | None = None  # a connect in flight
        self._rng = rng or random.Random()
        self._link: Link = ClosedLink()
        self._connected = asyncio.Event()
        self._closing = False
        self._attempts: deque[float] = deque()
        self.handler_errors = 0
        self.rejected: ConnectionClosedError | None = None  # the last final refusal
        self._parked = False
        self._redial = asyncio.Event()
        self._outcome: asyncio.Future[None] | None = None

    # FrameSink
    def on_frame(self, frame: bytes | str) -> None:
        self.frames += 1
        self.bytes += len(frame)
        self._last_frame = self._clock()
        try:  # free unless it raises; the protocol and the session contain their own errors
            self._handler.on_frame(frame)
        except Exception:
            self.handler_errors += 1
            log.exception("%s: handling a frame failed (contained): %.200r", self.url, frame)

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    async def wait_connected(self) -> None:
        """Wait until connected. Raises the refusal at once when the server refuses the
        handshake for good; while dialling is stopped by such a refusal, a call dials once
        more (and raises again if refused again)."""
        while not self._connected.is_set():
            if self._closing:
                raise ConnectionClosedError(f"connection to {self.url} is closed")
            if self._parked:
                self._parked = False
                self._redial.set()
            await asyncio.shield(self._next_outcome())

    async def send(self, frame: bytes) -> None:
        await self._link.send(frame)

    def drop(self) -> None:
        """Abort the current socket (it will reconnect, unless closing)."""
        self._link.abort()

    async def close(self) -> None:
        self._closing = True
        self._redial.set()
        if self._dialing is not None:  # a connect in flight (a blackholed endpoint ...)
            self._dialing.cancel()
        self._settle(ConnectionClosedError(f"connection to {self.url} is closed"))
        await self._link.close()
        self._link.abort()

    async def run(self) -> None:
        failures = 0
        now = True  # dial without waiting: the first time, and when asked after a refusal
        while not self._closing:
            link = await self._connect(failures, now)
            now = False
            if link is None:
                if self.rejected is not None and self._parked:
                    await self._park()
                    failures, now = 0, True
                else:
                    failures += 1
                continue
            if self._closing:  # close() was called while this connect was in flight
                await link.close()
                break
            # A connection counts as a success only once its streams were restored on it
            # (the handler's on_open finished while the link was up) and it stayed up a
            # while: a server that accepts and closes at once is backed off like one that
            # refuses.
            failures = 0 if await self._serve(link) else failures + 1
            if not self._policy.enabled and not self._closing:
                code, reason = self.last_close
                closed = "" if code is None else f" (close {code} {reason})"
                raise ConnectionClosedError(
                    f"connection to {self.url} lost{closed}", close_code=code, close_reason=reason
                )
        self._emit(LifecycleKind.CLOSED)

    async def _connect(self, failures: int, now: bool) -> Link | None:
        delay = 0.0
        if not now and (failures or self.connects):
            delay = self._policy.delay(
                failures + 1, self._rng.random(), self._recent_attempts(), self.maintenance
            )
        delay = max(delay, self._policy.hold(self._attempts, self._clock()))
        if delay > 0:
            self._emit(LifecycleKind.RECONNECTING, f"in {delay:.3f}s", failures + 1)
            await self._sleep(delay)
            if self._closing:
                return None
        self._attempts.append(self._clock())
        try:
            return await self._dial()
        except ConnectionClosedError as exc:
            if classify(exc) is Verdict.FATAL:
                self._refused(exc)
                return None
            log.warning("%s", exc)
            if not self._policy.enabled:
                raise
            return None

    async def _dial(self) -> Link | None:
        """One connect (TCP, TLS and the websocket handshake) bounded by ``connect_timeout``
        on every transport (a backstop above the transports' own handshake timeouts, 10 s:
        it catches a TCP connect the kernel keeps retrying): a blackholed endpoint is one
        failed attempt, never a stalled loop; :meth:`close` cancels it (``None``)."""
        dialing = self._dialing = asyncio.ensure_future(self._transport.connect(self.url, self))
        try:
            await asyncio.wait({dialing}, timeout=self._connect_timeout)
        except BaseException:  # the loop itself is cancelled: so is its dial
            dialing.cancel()
            raise
        finally:
            self._dialing = None
        if dialing.cancelled():
            return None  # close() was called meanwhile
        if not dialing.done():
            dialing.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await dialing
            raise ConnectionClosedError(
                f"cannot connect to {self.url}: no handshake within {self._connect_timeout:g} s"
            )
        return dialing.result()

    def _refused(self, error: ConnectionClosedError) -> None:
        """A final refusal: fail every waiter now and stop dialling (see :meth:`_park`)."""
        log.error("%s; not dialling again until the next call", error)
        self.rejected = error
        self._parked = True
        self._redial.clear()
        self._settle(error)
        self._emit(LifecycleKind.CONNECT_REJECTED, str(error), error=error)

    async def _park(self) -> None:
        """Wait for :meth:`wait_connected` (a user's call) or :meth:`close`."""
        await self._redial.wait()
        self._parked = False

    def _next_outcome(self) -> asyncio.Future[None]:
        """Resolved by the next connect (``None``) or final refusal (the error)."""
        if self._outcome is None:
            outcome: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            outcome.add_done_callback(lambda f: f.cancelled() or f.exception())
            self._outcome = outcome
        return self._outcome

    def _settle(self, error: ConnectionClosedError | None) -> None:
        outcome, self._outcome = self._outcome, None
        if outcome is None or outcome.done():
            return
        if error is None:
            outcome.set_result(None)
        else:
            outcome.set_exception(error)

    async def _serve(self, link: Link) -> bool:
        """Serve ``link`` until it ends; whether it was a success: its streams were restored
        on it and it stayed up ``stable_after`` seconds."""
        self._link = link
        reconnect = self.connects > 0
        self.connects += 1
        self.rejected = None
        self._connected.set()
        self._settle(None)
        self._emit(LifecycleKind.CONNECTED, self.url, self.connects)
        opened_at = self._clock()
        restored = False
        try:
            # Each part is contained: whatever raises is logged and reported; only the end
            # of the reader (the socket closed, or failed) ends this connection.
            async with asyncio.TaskGroup() as tg:
                reader = contained_task(tg, link.run(), f"{self.url} reader", self._failed)
                watchdog = contained_task(tg, self._watch(link), f"{self.url} watch", self._failed)
                opener = contained_task(
                    tg, self._handler.on_open(reconnect), f"{self.url} on_open", self._failed
                )
                await asyncio.wait([reader, opener], return_when=asyncio.FIRST_COMPLETED)
                restored = opener.done() and not opener.cancelled() and not reader.done()
                await asyncio.wait([reader])
                watchdog.cancel()
                opener.cancel()
        finally:
            self._connected.clear()
            self._link = ClosedLink()
            # a user's transport may not tell (the attributes are newer than the seam)
            code = getattr(link, "close_code", None)
            reason = getattr(link, "close_reason", "")
            self.last_close = (code, reason)
            if not self._closing:
                self.closes[str(code) if code is not None else "none"] += 1
            try:
                self._handler.on_close()
            except Exception as exc:
                log.exception("%s: on_close failed (contained)", self.url)
                self._failed(f"{self.url} on_close", exc)
            if not self._closing:
                detail = self.url if code is None else f"{self.url} (close {code} {reason})"
                self._emit(LifecycleKind.CONNECTION_LOST, detail, close=(code, reason))
        return restored and self._clock() - opened_at >= self._policy.stable_after

    async def _watch(self, link: Link) -> None:
        """The silence bound: after ``keepalive_interval`` seconds without an application
        frame (data, heartbeat, status or the answer to a ping; websocket-level pongs never
        reach here) send the venue's ping; after ``dead_after`` seconds without one, abort
        the link (it is replaced and its subscriptions restored). Timed by the injected clock
        from the last frame, so the bound holds to the sleep's precision."""
        self._last_frame = self._clock()
        pinged_for = -1.0  # the quiet spell (its start) a ping was sent for
        while True:
            now = self._clock()
            last = self._last_frame
            quiet = now - last
            if quiet >= self._dead_after:
                log.warning("no data from %s for %.1fs: reconnecting", self.url, quiet)
                link.abort()
                return
            if quiet >= self._keepalive_interval and pinged_for != last:
                pinged_for = last
                try:
                    await link.send(self._handler.keepalive_frame())
                except ConnectionClosedError:
                    return
            due = last + (self._dead_after if pinged_for == last else self._keepalive_interval)
            await self._sleep(max(due - now, 0.001))

    def _recent_attempts(self) -> int:
        horizon = self._clock() - self._policy.budget_window
        while self._attempts and self._attempts[0] < horizon:
            self._attempts.popleft()
        return len(self._attempts)

    def _failed(self, what: str, exc: Exception) -> None:
        self._emit(LifecycleKind.TASK_FAILED, f"{what}: {exc!r}", error=exc)

    def _emit(
        self,
        kind: LifecycleKind,
        detail: str = "",
        attempt: int = 0,
        error: BaseException | None = None,
        close: tuple[int | None, str] = (None, ""),
    ) -> None:
        event = LifecycleEvent(kind, self._clock(), detail, attempt, error, *close)
        try:
            self._handler.on_lifecycle(event)
        except Exception:
            log.exception("%s: lifecycle handler failed on %s (contained)", self.url, kind)
