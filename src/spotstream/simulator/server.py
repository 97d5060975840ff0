"""The simulator's websocket server (picows): Kraken v2 public on ``/v2``.

``/v2-auth`` (private channels and trading) and ``/v2-l3`` (level 3) will be routed here
too; :meth:`Simulator._route` is where. Frames are written raw: every connection has an
outbox of complete, unmasked websocket frames that is joined and written to the socket in
one call (much cheaper than one ``WSTransport.send`` per frame).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Literal

import picows

from spotstream.simulator import kraken_v2_frames as frames
from spotstream.simulator.engine import Engine
from spotstream.simulator.faults import Faults
from spotstream.simulator.instruments import DEFAULT_INSTRUMENTS, InstrumentSpec
from spotstream.simulator.kraken_v2 import KrakenV2Session
from spotstream.simulator.kraken_v2_hub import KrakenV2Hub
from spotstream.simulator.market import DEFAULT_LEVELS, Market
from spotstream.simulator.tape import DEFAULT_TAPE_STEPS
from spotstream.simulator.wire import NumberStyle, ws_frame

Clock = Callable[[], int]  # epoch nanoseconds
Rate = float | Literal["max"] | None

DEFAULT_RATE = 20.0
HEARTBEAT_INTERVAL = 1.0  # seconds without traffic before a heartbeat
MAX_WRITE_BUFFER = 64 << 20  # a client this far behind is dropped
CLOSE_GRACE = 2.0  # seconds a closing client gets to read what is left
_HEARTBEAT = ws_frame(frames.HEARTBEAT)


class ManualClock:
    """A clock that moves only when told to (for deterministic tests)."""

    def __init__(self, start_ns: int = 1_700_000_000_000_000_000) -> None:
        self.now_ns = start_ns

    def __call__(self) -> int:
        return self.now_ns

    def advance(self, seconds: float) -> None:
        self.now_ns += round(seconds * 1_000_000_000)


class _Connection(picows.WSListener):
    """One client socket: feeds its session and writes the session's outbox."""

    def __init__(self, sim: Simulator) -> None:
        super().__init__()
        self.sim = sim
        self.transport: Any = None
        self.session: KrakenV2Session | None = None
        self.paused = False
        self.last_sent = 0.0
        self._fragments: list[bytes] = []

    def on_ws_connected(self, transport: Any) -> None:
        self.transport = transport
        if self.sim.faults.take_drop_next():
            transport.disconnect(graceful=False)
            return
        self.session = KrakenV2Session(self.sim.hub, self.sim.next_connection_id())
        self.sim.connections.add(self)
        self.session.open()
        self.flush()

    def on_ws_frame(self, transport: Any, frame: Any) -> None:
        kind = frame.msg_type
        if kind == picows.WSMsgType.CLOSE:
            transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()
            return
        if kind not in (
            picows.WSMsgType.TEXT,
            picows.WSMsgType.BINARY,
            picows.WSMsgType.CONTINUATION,
        ):
            return
        self._fragments.append(frame.get_payload_as_bytes())
        if frame.fin and self.session is not None:
            payload = b"".join(self._fragments)
            self._fragments.clear()
            self.session.receive(payload)
            self.flush()

    def on_ws_disconnected(self, transport: Any) -> None:
        self.sim.connections.discard(self)
        if self.session is not None:
            self.session.close()
            self.session.outbox.clear()
        self.paused = False
        self.sim.wake_writers()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self.sim.wake_writers()

    def flush(self) -> None:
        """Write what the session queued (unless the simulator is stalled)."""
        session = self.session
        if session is None or not session.outbox or self.sim.stalled:
            return
        data = b"".join(session.outbox)
        session.outbox.clear()
        if self.transport.is_disconnected:
            return
        socket = self.transport.underlying_transport
        socket.write(data)
        self.last_sent = time.monotonic()
        if socket.get_write_buffer_size() > MAX_WRITE_BUFFER:
            self.transport.disconnect(graceful=False)

    def drop(self) -> None:
        self.transport.disconnect(graceful=False)


class Simulator:
    """A local exchange speaking Kraken WebSocket v2 (public market data, for now).

    ``rate`` is market events per second per watched symbol, or ``None`` / ``"max"`` for as
    fast as clients read (frames pre-encoded, see :mod:`spotstream.simulator.tape`). Every
    timestamp comes from ``clock`` (epoch nanoseconds; wall time by default), every random
    draw from ``seed``. Use as ``async with Simulator(...) as sim:`` or ``start``/``stop``.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        seed: int = 1,
        rate: Rate = DEFAULT_RATE,
        *,
        clock: Clock | None = None,
        numbers: NumberStyle = "shortest",
        instruments: tuple[InstrumentSpec, ...] = DEFAULT_INSTRUMENTS,
        levels: int = DEFAULT_LEVELS,
        tape_steps: int = DEFAULT_TAPE_STEPS,
        heartbeat_interval: float = HEARTBEAT_INTERVAL,
    ) -> None:
        self.host = host
        self.port = port
        self.seed = seed
        self.rate = _parse_rate(rate)
        self.clock: Clock = clock or time.time_ns
        self.heartbeat_interval = heartbeat_interval
        self.faults = Faults(self)
        self.market = Market(seed, self.clock(), instruments, levels=levels)
        self.hub = KrakenV2Hub(self.market, self.clock, self.faults, numbers)
        self.connections: set[_Connection] = set()
        self.stalled = False
        self.engine = Engine(
            self.market,
            self.hub,
            self.clock,
            rate=self.rate,
            tape_steps=tape_steps,
            ready=self._ready,
            is_ready=self._is_ready,
            flush=self.flush,
            writable=self._wait_writable,
        )
        self._ids = random.Random(f"{seed}/connections")
        self._activity = asyncio.Event()
        self._resumed = asyncio.Event()
        self._writable = asyncio.Event()
        self._stall_timer: asyncio.TimerHandle | None = None
        self._server: asyncio.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.hub.on_activity = self._activity.set

    # --- lifecycle ----------------------------------------------------------------------------

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    async def start(self) -> None:
        """Listen (``port=0`` picks a free port) and start the market."""
        self._server = await picows.ws_create_server(self._route, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        self._task = asyncio.create_task(self._run(), name="spotstream-simulator")

    async def stop(self) -> None:
        """Stop the market, close every connection (1001 going away), stop listening."""
        if self._stall_timer is not None:
            self._stall_timer.cancel()
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            if not self._task.cancelled():
                self._task.result()
            self._task = None
        await self._close_connections()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _run(self) -> None:
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(self.engine.run())
            tasks.create_task(self._heartbeats())

    async def _close_connections(self) -> None:
        """Close handshake where the socket is drained; a client that left megabytes unread
        would never see the close frame, so its socket is cut (after a grace period)."""
        connections = list(self.connections)
        for connection in connections:
            transport = connection.transport
            drained = transport.underlying_transport.get_write_buffer_size() == 0
            transport.send_close(picows.WSCloseCode.GOING_AWAY)
            transport.disconnect(graceful=drained)
        try:
            async with asyncio.timeout(CLOSE_GRACE):
                await asyncio.gather(*(c.transport.wait_disconnected() for c in connections))
        except TimeoutError:
            for connection in connections:
                connection.drop()
            await asyncio.gather(
                *(c.transport.wait_disconnected() for c in connections), return_exceptions=True
            )

    # --- what clients see ---------------------------------------------------------------------

    @property
    def urls(self) -> dict[str, str]:
        host = "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host
        return {"public": f"ws://{host}:{self.port}/v2"}

    @property
    def market_time(self) -> datetime:
        """The simulator's current time (its clock)."""
        ns = self.clock()
        return datetime.fromtimestamp(ns // 1_000_000_000, UTC).replace(
            microsecond=ns // 1000 % 1_000_000
        )

    def next_connection_id(self) -> int:
        return self._ids.getrandbits(64)

    def _route(self, request: Any) -> picows.WSListener | None:
        path = request.path.decode() if isinstance(request.path, bytes) else str(request.path)
        if path.split("?", 1)[0].rstrip("/") == "/v2":
            return _Connection(self)
        return None  # 404 (``/v2-auth`` and ``/v2-l3`` are not served yet)

    # --- writing ------------------------------------------------------------------------------

    def flush(self) -> None:
        for connection in list(self.connections):
            connection.flush()

    def wake_writers(self) -> None:
        self._writable.set()

    async def _wait_writable(self) -> None:
        while any(c.paused for c in self.connections):
            self._writable.clear()
            await self._writable.wait()

    async def _ready(self) -> None:
        while not self._is_ready():
            event = self._resumed if self.stalled else self._activity
            event.clear()
            await event.wait()

    def _is_ready(self) -> bool:
        return not self.stalled and bool(self.hub.active_symbols)

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval / 4)
            if self.stalled:
                continue
            now = time.monotonic()
            for connection in list(self.connections):
                session = connection.session
                if (
                    session
                    and session.streams
                    and now - connection.last_sent >= self.heartbeat_interval
                ):
                    session.outbox.append(_HEARTBEAT)
                    connection.flush()

    # --- fault target -------------------------------------------------------------------------

    def drop_connections(self) -> None:
        for connection in list(self.connections):
            connection.drop()

    def stall(self, seconds: float | None) -> None:
        self.stalled = True
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None
        if seconds is not None:
            self._stall_timer = asyncio.get_running_loop().call_later(seconds, self.resume)

    def resume(self) -> None:
        if self._stall_timer is not None:
            self._stall_timer.cancel()
            self._stall_timer = None
        self.stalled = False
        self._resumed.set()
        self.flush()


def _parse_rate(rate: Rate) -> float | None:
    if rate is None or rate == "max":
        return None
    if isinstance(rate, str) or rate <= 0:
        raise ValueError(f"rate must be a positive number, None or 'max', not {rate!r}")
    return float(rate)


async def serve_forever(
    host: str,
    port: int,
    seed: int,
    rate: Rate,
    on_ready: Callable[[dict[str, str]], None],
) -> None:
    """Run a simulator until cancelled; ``on_ready`` gets its URLs once it listens."""
    async with Simulator(host, port, seed, rate) as sim:
        on_ready(sim.urls)
        await asyncio.Event().wait()
