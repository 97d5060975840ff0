"""Fault switches: what client tests use to prove reconnection and resynchronisation.

Reach them as ``sim.faults``. Each switch either acts at once (:meth:`Faults.drop_connections`,
:meth:`Faults.stall`, :meth:`Faults.resume`) or arms a one-shot fault that the server or a
protocol module consumes when the moment comes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Literal, Protocol

PRIVATE_ENDPOINTS = ("private", "kraken_v1_private")
"""The endpoints :meth:`Faults.drop_private_connections` cuts (names as in ``urls``)."""


ResponseFate = Literal["lose", "duplicate"]
POLICY_VIOLATION = 1008


class FaultTarget(Protocol):
    """What the server offers the immediate switches."""

    def drop_connections(self, endpoint: str | None = None) -> None: ...
    def half_open(self, endpoint: str | None = None) -> None: ...
    def close_connections(self, code: int, reason: str, endpoint: str | None = None) -> None: ...
    def stall(self, seconds: float | None) -> None: ...
    def resume(self) -> None: ...


class Faults:
    """The fault switches of one simulator."""

    def __init__(self, target: FaultTarget) -> None:
        self._target = target
        self._drop_next = 0
        self._rejections: deque[str] = deque()
        self._corruptors: list[Callable[[str], None]] = []
        self._sequence_skips = 0
        self._response_delays: deque[float] = deque()
        self._maintenance: list[Callable[[tuple[float, float] | None], None]] = []
        self._private_droppers: list[Callable[[], None]] = []
        self._sequence_repeats = 0
        self._response_fates: deque[ResponseFate] = deque()
        self._malformers: list[Callable[[str], None]] = []

    # --- switches -----------------------------------------------------------------------------

    def drop_connections(self) -> None:
        """Close every client socket abruptly, as a network drop (no close frame)."""
        self._target.drop_connections()

    def drop_next_connection(self) -> None:
        """Accept the next connection's handshake, then drop it before it gets a message."""
        self._drop_next += 1

    def corrupt_next_checksum(self, symbol: str) -> None:
        """Send the next book update of ``symbol`` with a wrong checksum, once per depth."""
        for corrupt in self._corruptors:
            corrupt(symbol)

    def stall(self, seconds: float | None = None) -> None:
        """Send nothing (no data, no responses, no heartbeats) until :meth:`resume`, or for
        ``seconds``. The market pauses too; what was queued is delivered on resume."""
        self._target.stall(seconds)

    def resume(self) -> None:
        self._target.resume()

    def reject_next_subscribe(self, error: str) -> None:
        """Answer the next subscribe request (any connection) with ``error`` per symbol."""
        self._rejections.append(error)

    def drop_private_connections(self) -> None:
        """Close every private socket (Kraken v2 ``/auth/v2``, v1 ``/auth``, a CoinEx socket
        that signed in) abruptly; public ones stay."""
        for endpoint in PRIVATE_ENDPOINTS:
            self._target.drop_connections(endpoint=endpoint)
        for drop in self._private_droppers:
            drop()

    def skip_next_sequence(self) -> None:
        """The next private channel message (``executions``, ``balances``, ``ownTrades`` or
        ``openOrders``; any connection) jumps its ``sequence`` by one: a gap the client must
        notice."""
        self._sequence_skips += 1

    def repeat_next_sequence(self) -> None:
        """The next private channel message (any connection) is sent twice, the second time
        with the same ``sequence``: a replay the client must drop (never deliver twice)."""
        self._sequence_repeats += 1

    def lose_next_response(self) -> None:
        """Never send the next trading response (any connection); the order itself happens."""
        self._response_fates.append("lose")

    def duplicate_next_response(self) -> None:
        """Send the next trading response (any connection) twice."""
        self._response_fates.append("duplicate")

    def half_open(self, endpoint: str | None = None) -> None:
        """Every open websocket (of ``endpoint``, or all) stops sending without closing: no
        data, no responses, no heartbeats, no close frame; what it receives is still read.
        New connections are served normally."""
        self._target.half_open(endpoint)

    def close_connections(
        self,
        code: int = POLICY_VIOLATION,
        reason: str = "policy violation",
        endpoint: str | None = None,
    ) -> None:
        """Close every websocket (of ``endpoint``, or all) with a close frame carrying
        ``code`` and ``reason`` (1008 by default; 1013 ...), then disconnect it."""
        self._target.close_connections(code, reason, endpoint)

    def malform_next_book(self, symbol: str) -> None:
        """Send the next book update of ``symbol`` (Kraken v2, once per depth) as a frame
        that cannot be applied (its checksum is not a number): the client must not keep
        serving the book as synced without it."""
        for malform in self._malformers:
            malform(symbol)

    def delay_next_response(self, seconds: float) -> None:
        """Hold back the next trading response (any connection) for ``seconds``; the order
        itself still happens at once (its executions come first)."""
        self._response_delays.append(seconds)

    def maintenance(self, starts_in: float = 0.0, lasts: float = 3600.0) -> None:
        """Announce a maintenance window from ``starts_in`` seconds from now, ``lasts``
        seconds long, to the venues that announce one (CoinEx: ``notice.update`` to its
        subscribers and ``/v2/maintain/info``). Nothing stops trading: it is an announcement."""
        for listener in self._maintenance:
            listener((starts_in, lasts))

    def end_maintenance(self) -> None:
        """Withdraw the announced maintenance window."""
        for listener in self._maintenance:
            listener(None)

    # --- consumed by the server and the protocol modules --------------------------------------

    def on_corrupt(self, corrupt: Callable[[str], None]) -> None:
        self._corruptors.append(corrupt)

    def on_malform(self, malform: Callable[[str], None]) -> None:
        self._malformers.append(malform)

    def on_drop_private(self, drop: Callable[[], None]) -> None:
        """``drop`` cuts a venue's private sockets that no endpoint name tells apart."""
        self._private_droppers.append(drop)

    def on_maintenance(self, listener: Callable[[tuple[float, float] | None], None]) -> None:
        self._maintenance.append(listener)

    def take_drop_next(self) -> bool:
        if self._drop_next:
            self._drop_next -= 1
            return True
        return False

    def take_subscribe_rejection(self) -> str | None:
        return self._rejections.popleft() if self._rejections else None

    def take_sequence_skip(self) -> bool:
        if self._sequence_skips:
            self._sequence_skips -= 1
            return True
        return False

    def take_response_delay(self) -> float | None:
        return self._response_delays.popleft() if self._response_delays else None

    def take_sequence_repeat(self) -> bool:
        if self._sequence_repeats:
            self._sequence_repeats -= 1
            return True
        return False

    def shape_response(self, answers: list[bytes]) -> list[bytes]:
        """A trading request's answers as sent: none (lost), twice (duplicated) or as is."""
        if not self._response_fates:
            return answers
        fate = self._response_fates.popleft()
        return [] if fate == "lose" else answers + answers
