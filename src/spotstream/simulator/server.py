"""The simulator's server: one port for every venue's websockets and REST.

Websockets (picows) are routed by an endpoint table, path -> endpoint (its name and session
factory, :mod:`spotstream.simulator.endpoints`), built from what each venue package exports:
Kraken v2's public ``/v2``, private ``/auth/v2`` and level 3 ``/l3/v2`` (with their older
aliases), Kraken v1's public ``/`` and private ``/auth``, CoinEx v2's ``/coinex/v2/spot`` and CoinEx
v1's ``/coinex/``.
Every venue's hub hangs off one
:class:`~spotstream.simulator.market.fanout.MarketFanout`, so all of them show one market.
Plain HTTP/1.1 gets the REST methods of :mod:`spotstream.simulator.venues.kraken.rest`
(``sim.urls["rest"]`` is a Kraken-style base URL), or under ``/coinex/`` CoinEx's REST v2
(:mod:`spotstream.simulator.venues.coinex.rest`, ``sim.urls["coinex_rest"]``).
:class:`~spotstream.simulator.http.FrontProtocol` tells websockets and HTTP apart per
connection and hands websockets to picows untouched. Frames are written raw: every
connection has an outbox of complete, unmasked websocket frames that is joined and written
to the socket in one call (much cheaper than one ``WSTransport.send`` per frame).
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

from spotstream.simulator.connection import SocketConnection
from spotstream.simulator.endpoints import Endpoint, VenueSession
from spotstream.simulator.faults import Faults
from spotstream.simulator.framing import NumberStyle
from spotstream.simulator.http import (
    FrontProtocol,
    HttpRequest,
    HttpResponse,
    picows_protocol_factory,
)
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS, InstrumentSpec
from spotstream.simulator.market.scheduler import Engine
from spotstream.simulator.market.state import DEFAULT_LEVELS, Market
from spotstream.simulator.market.tape import DEFAULT_TAPE_STEPS
from spotstream.simulator.matching.accounts import DEFAULT_ACCOUNTS, AccountSpec
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.msgrate import DEFAULT_MESSAGE_RATE, MessageRate
from spotstream.simulator.tls import TlsFiles, make_tls_files
from spotstream.simulator.venues.coinex.rest import PREFIX as COINEX_REST_PREFIX
from spotstream.simulator.venues.coinex.v1 import ENDPOINTS as COINEX_V1_ENDPOINTS
from spotstream.simulator.venues.coinex.v2 import ENDPOINTS as COINEX_V2_ENDPOINTS
from spotstream.simulator.venues.coinex.venue import CoinExVenue
from spotstream.simulator.venues.kraken.credentials import CredentialStore
from spotstream.simulator.venues.kraken.rest import KrakenRest
from spotstream.simulator.venues.kraken.v1 import ENDPOINTS as KRAKEN_V1_ENDPOINTS
from spotstream.simulator.venues.kraken.v1.hub import KrakenV1Hub
from spotstream.simulator.venues.kraken.v2 import ENDPOINTS as KRAKEN_V2_ENDPOINTS
from spotstream.simulator.venues.kraken.v2.hub import KrakenV2Hub
from spotstream.simulator.venues.kraken.v2.l3 import L3Hub

try:  # picows serves on aiofastnet's faster transports when it is installed: so do we
    from aiofastnet import create_server as fast_create_server
except ImportError:  # pragma: no cover - depends on the environment
    fast_create_server = None  # type: ignore[assignment]


def _route_key(path: str) -> str:
    """A request path as the endpoint table keys it: without a trailing ``/``, except the
    root itself (Kraken v1's public endpoint)."""
    return path.rstrip("/") or "/"


Clock = Callable[[], int]  # epoch nanoseconds
Rate = float | Literal["max"] | None
VENUE_ENDPOINTS: tuple[Endpoint, ...] = (
    KRAKEN_V2_ENDPOINTS + KRAKEN_V1_ENDPOINTS + COINEX_V2_ENDPOINTS + COINEX_V1_ENDPOINTS
)
"""Every venue's websocket endpoints, in the order ``urls`` lists them (``rest`` comes right
after Kraken v2's, the first keys ``urls`` ever had; ``coinex_rest`` after CoinEx v2's, and
CoinEx v1's ``coinex_v1``, added later, after it)."""
ROUTES: dict[str, Endpoint] = {_route_key(path): e for e in VENUE_ENDPOINTS for path in e.paths}
"""The endpoint table: websocket path -> endpoint (whose factory makes each session)."""
ENDPOINTS: dict[str, str] = {path: endpoint.name for path, endpoint in ROUTES.items()}
"""Websocket path -> the name of its endpoint (``"public"``, ``"kraken_v1_public"``, ...)."""
CANONICAL_PATHS: dict[str, str] = {e.name: e.path for e in VENUE_ENDPOINTS}
"""Each endpoint's canonical path (what ``urls`` prints)."""

DEFAULT_RATE = 20.0
HEARTBEAT_INTERVAL = 1.0  # seconds without traffic before a heartbeat
CLOSE_GRACE = 2.0  # seconds a closing client gets to read what is left
SLOW_READER_TIMEOUT = 5.0  # seconds a connection may hold max rate back before it is dropped
_UPGRADE_HEADERS = (("Content-Type", "text/plain; charset=utf-8"), ("Upgrade", "websocket"))


class ManualClock:
    """A clock that moves only when told to (for deterministic tests)."""

    def __init__(self, start_ns: int = 1_700_000_000_000_000_000) -> None:
        self.now_ns = start_ns

    def __call__(self) -> int:
        return self.now_ns

    def advance(self, seconds: float) -> None:
        self.now_ns += round(seconds * 1_000_000_000)


class Simulator:
    """A local exchange speaking Kraken WebSocket v2 (public, private, level 3), Kraken
    WebSocket v1 (public, private) and REST, CoinEx's socket API v2 and REST v2 (its USDT
    pairs: ``BTC/USDT`` is CoinEx's ``BTCUSDT``), over one market and one matching engine.

    ``rate`` is market events per second per watched symbol, or ``None`` / ``"max"`` for as
    fast as clients read (frames pre-encoded, see
    :mod:`spotstream.simulator.market.tape`). Every timestamp comes from ``clock`` (epoch
    nanoseconds; wall time by default), every random
    draw from ``seed``. ``accounts`` may sign REST requests and trade. ``tls``: the
    websockets are (also) served as ``wss://`` with a self-signed certificate made at start
    (:mod:`spotstream.simulator.tls`, see :attr:`urls`). ``message_rate`` limits what each
    websocket may send (:mod:`spotstream.simulator.msgrate`; 40 messages at once, 20 a
    second after, by default; ``None``: unlimited): a message over it is refused with the
    venue's error, not executed (counted in :attr:`throttled`). At max rate the market waits
    for a connection that stopped reading at most ``slow_reader_timeout`` seconds, then drops
    it (counted in :attr:`slow_dropped`) so that everyone else keeps receiving. Use as
    ``async with Simulator(...) as sim:`` or ``start``/``stop``.
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
        accounts: tuple[AccountSpec, ...] = DEFAULT_ACCOUNTS,
        tls: bool = False,
        message_rate: MessageRate | None = DEFAULT_MESSAGE_RATE,
        slow_reader_timeout: float = SLOW_READER_TIMEOUT,
    ) -> None:
        self.host = host
        self.port = port
        self.tls = tls
        self.tls_port: int | None = None  # the TLS listener's port, once started with tls
        self.tls_files: TlsFiles | None = None
        self.seed = seed
        self.rate = _parse_rate(rate)
        self.clock: Clock = clock or time.time_ns
        self.heartbeat_interval = heartbeat_interval
        self.message_rate = message_rate
        self.slow_reader_timeout = slow_reader_timeout
        self.throttled = 0  # messages refused over the message rate
        self.slow_dropped = 0  # connections dropped for holding max rate back
        self.faults = Faults(self)
        self.market = Market(seed, self.clock(), instruments, levels=levels)
        self.fanout = MarketFanout(self.market)
        self.hub = KrakenV2Hub(self.market, self.fanout, self.clock, self.faults, numbers)
        self.hub_v1 = KrakenV1Hub(self.market, self.fanout, self.clock, self.faults)
        self.credentials = CredentialStore(accounts, self.clock, seed)
        self.rest = KrakenRest(self.market, self.credentials, self.clock)
        self.matching = MatchingEngine(
            self.market, self.fanout, self.clock, accounts, _call_later, self.flush, seed=seed
        )
        self.coinex = CoinExVenue(
            self.market, self.fanout, self.clock, self.faults, self.matching, self.flush, seed=seed
        )
        self.faults.on_drop_private(lambda: self._drop_ids(self.coinex.signed))
        self.level3 = L3Hub(self.hub, seed, self.matching.resting_orders)
        self.matching.on_book_change = self.level3.users_changed
        self.connections: set[SocketConnection] = set()
        self.http_connections: set[FrontProtocol] = set()
        self.stalled = False
        self.engine = Engine(
            self.market,
            self.fanout,
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
        self._tls_server: asyncio.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self.fanout.on_activity = self._activity.set

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
        upgrade = picows_protocol_factory(self._route)

        def front() -> FrontProtocol:
            return FrontProtocol(self._answer_http, upgrade, self.http_connections)

        loop = asyncio.get_running_loop()
        if fast_create_server is not None:
            self._server = await fast_create_server(loop, front, self.host, self.port)
        else:
            self._server = await loop.create_server(front, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        if self.tls:
            self.tls_files = make_tls_files()
            context = self.tls_files.server_context()
            self._tls_server = await loop.create_server(front, self.host, 0, ssl=context)
            self.tls_port = self._tls_server.sockets[0].getsockname()[1]
        self._task = asyncio.create_task(self._run(), name="spotstream-simulator")

    async def stop(self) -> None:
        """Stop the market, close every connection (websockets: 1001 going away; HTTP
        keep-alive connections too), stop listening."""
        if self._stall_timer is not None:
            self._stall_timer.cancel()
        self.matching.close()
        if self._task is not None:
            self._task.cancel()
            await asyncio.wait([self._task])
            if not self._task.cancelled():
                self._task.result()
            self._task = None
        await self._close_connections()
        for http in list(self.http_connections):
            http.close()
        for server in (self._server, self._tls_server):
            if server is not None:
                server.close()
                await server.wait_closed()
        self._server = self._tls_server = None
        if self.tls_files is not None:
            self.tls_files.remove()
            self.tls_files = None

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
        """The canonical URLs: ``public`` (``ws://H:P/v2``), ``private`` (``/auth/v2``) and
        ``l3`` (``/l3/v2``) websockets, ``rest``: a Kraken-style base URL
        (``rest + "/0/private/GetWebSocketsToken"``), then Kraken v1's ``kraken_v1_public``
        (``ws://H:P/``) and ``kraken_v1_private`` (``/auth``). Later venues add keys after
        these: CoinEx's ``coinex_v2`` (``ws://H:P/coinex/v2/spot``), ``coinex_rest``
        (``http://H:P/coinex``, a base URL: ``coinex_rest + "/v2/spot/market"``) and the
        legacy socket API v1's ``coinex_v1`` (``ws://H:P/coinex/``). Keys are
        never renamed or reordered. With ``tls`` the websockets are
        ``wss://`` on a second loopback port (:attr:`tls_port`, certificate :attr:`tls_cert`);
        ``rest`` stays plain ``http://`` on :attr:`port`, which keeps serving everything in
        the clear too."""
        host = "127.0.0.1" if self.host in ("", "0.0.0.0", "::") else self.host
        origin = f"{host}:{self.port}"
        websockets = f"wss://{host}:{self.tls_port}" if self.tls_port else f"ws://{origin}"
        sockets = [(name, f"{websockets}{path}") for name, path in CANONICAL_PATHS.items()]
        first = len(KRAKEN_V2_ENDPOINTS)
        last = len(sockets) - len(COINEX_V1_ENDPOINTS)
        coinex_rest = ("coinex_rest", f"http://{origin}{COINEX_REST_PREFIX}")
        rest = ("rest", f"http://{origin}")
        return dict([*sockets[:first], rest, *sockets[first:last], coinex_rest, *sockets[last:]])

    @property
    def tls_cert(self) -> str | None:
        """The PEM file of the certificate the ``wss://`` URLs present (``None`` without TLS),
        for clients to trust."""
        return str(self.tls_files.cert) if self.tls_files is not None else None

    @property
    def market_time(self) -> datetime:
        """The simulator's current time (its clock)."""
        ns = self.clock()
        return datetime.fromtimestamp(ns // 1_000_000_000, UTC).replace(
            microsecond=ns // 1000 % 1_000_000
        )

    def next_connection_id(self) -> int:
        return self._ids.getrandbits(64)

    def new_session(self, endpoint: str, connection_id: int) -> VenueSession:
        """A session of the endpoint named ``endpoint`` (``"public"``, ``"private"``, ``"l3"``)."""
        return ROUTES[_route_key(CANONICAL_PATHS[endpoint])].factory(self, connection_id)

    def _route(self, request: Any) -> picows.WSListener | None:
        path = request.path.decode() if isinstance(request.path, bytes) else str(request.path)
        endpoint = ROUTES.get(_route_key(path.split("?", 1)[0]))
        return None if endpoint is None else SocketConnection(self, endpoint)  # None: 404

    def _answer_http(self, request: HttpRequest) -> HttpResponse:
        if _route_key(request.path) in ROUTES:  # a websocket path without the upgrade
            return HttpResponse(426, b"Upgrade Required\n", _UPGRADE_HEADERS)
        if request.path.startswith(COINEX_REST_PREFIX + "/"):
            return self.coinex.rest.handle(request)
        return self.rest.handle(request)

    # --- writing ------------------------------------------------------------------------------

    def flush(self) -> None:
        for connection in list(self.connections):
            connection.flush()

    def wake_writers(self) -> None:
        self._writable.set()

    async def _wait_writable(self) -> None:
        """Wait until no connection is paused by flow control; one paused longer than
        ``slow_reader_timeout`` is dropped instead of waited for."""
        loop = asyncio.get_running_loop()
        while paused := [c for c in self.connections if c.paused]:
            deadline = min(c.paused_at for c in paused) + self.slow_reader_timeout
            if loop.time() >= deadline:
                for connection in paused:
                    if connection.paused_at + self.slow_reader_timeout <= loop.time():
                        self.slow_dropped += 1
                        connection.paused = False  # not waited for while it disconnects
                        connection.drop_slow()
                continue
            self._writable.clear()
            try:
                async with asyncio.timeout_at(deadline):
                    await self._writable.wait()
            except TimeoutError:
                pass

    async def _ready(self) -> None:
        while not self._is_ready():
            event = self._resumed if self.stalled else self._activity
            event.clear()
            await event.wait()

    def _is_ready(self) -> bool:
        return not self.stalled and bool(self.fanout.active_symbols)

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_interval / 4)
            if self.stalled:
                continue
            now = time.monotonic()
            for connection in list(self.connections):
                session, heartbeat = connection.session, connection.route.heartbeat
                if (
                    session
                    and heartbeat is not None
                    and session.streams
                    and now - connection.last_sent >= self.heartbeat_interval
                ):
                    session.outbox.append(heartbeat)
                    connection.flush()

    # --- fault target -------------------------------------------------------------------------

    def drop_connections(self, endpoint: str | None = None) -> None:
        """Cut the websockets of ``endpoint`` (``"public"``, ``"private"``, ``"l3"``), or all."""
        for connection in list(self.connections):
            if endpoint is None or connection.endpoint == endpoint:
                connection.drop()

    def half_open(self, endpoint: str | None = None) -> None:
        """The websockets of ``endpoint`` (or all) stop sending, without closing."""
        for connection in list(self.connections):
            if endpoint is None or connection.endpoint == endpoint:
                connection.muted = True

    def close_connections(self, code: int, reason: str, endpoint: str | None = None) -> None:
        """Close the websockets of ``endpoint`` (or all) with a close frame of ``code``."""
        for connection in list(self.connections):
            if endpoint is None or connection.endpoint == endpoint:
                connection.close(code, reason)

    def _drop_ids(self, connection_ids: set[int]) -> None:
        for connection in list(self.connections):
            if connection.connection_id in connection_ids:
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


def _call_later(delay: float, callback: Callable[[], None]) -> asyncio.TimerHandle:
    """``loop.call_later`` on the running loop (the simulator may be built outside one)."""
    return asyncio.get_running_loop().call_later(delay, callback)


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
