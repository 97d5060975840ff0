"""The websocket endpoints a venue serves, and what the server asks of their sessions.

A venue package exports its :class:`Endpoint` s; the server builds its endpoint table (path
-> endpoint) from them and, for each connection, calls the endpoint's ``factory`` with itself
and the connection's id. Sessions are sans-I/O: the server feeds them frames and writes their
``outbox``.
"""

from __future__ import annotations

from collections.abc import Callable, Sized
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from spotstream.simulator.server import Simulator


class VenueSession(Protocol):
    """What every endpoint's session offers the server."""

    outbox: list[bytes]  # complete, unmasked websocket frames to write

    @property
    def streams(self) -> Sized:
        """What the connection subscribed to (heartbeats go only to a subscribed one)."""

    def open(self) -> None:
        """The connection is up: greet it."""

    def receive(self, payload: bytes | str) -> None:
        """Handle one complete message of the client."""

    def close(self) -> None:
        """The connection is gone: leave everything."""


Refuser = Callable[[bytes, int], bytes]
"""``(message, now_ns) -> frame``: a venue's complete websocket frame refusing ``message``."""

SessionFactory = Callable[["Simulator", int], VenueSession]
"""``(simulator, connection_id) -> session`` for one new connection."""


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One websocket endpoint of a venue.

    ``name`` is its key in ``Simulator.urls`` and for ``drop_connections``; ``path`` is the
    canonical path (what ``urls`` prints), ``aliases`` further paths that answer the same;
    ``moves_market``: a request here can change what other connections see (trading), so
    every connection is written after each one, not only this one; ``heartbeat``: the
    complete websocket frame sent to a subscribed connection that has been quiet for the
    heartbeat interval (``None``: the venue sends none); ``throttled``: the complete frame
    refusing a message over the connection's message rate (:mod:`spotstream.simulator.msgrate`),
    given the message and the time in epoch nanoseconds (``None``: the endpoint is not
    limited).
    """

    name: str
    path: str
    factory: SessionFactory
    aliases: tuple[str, ...] = ()
    moves_market: bool = False
    heartbeat: bytes | None = None
    throttled: Refuser | None = None

    @property
    def paths(self) -> tuple[str, ...]:
        return (self.path, *self.aliases)
