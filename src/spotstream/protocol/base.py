"""What every venue's sans-I/O protocol offers the generic sessions.

A session (:mod:`spotstream.asyncio.session`) drives one connection through this interface
only: it never names an exchange, a channel's wire shape or an option's meaning. Each
venue/version package implements it (``protocol/kraken/v2/public.py`` ...).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from spotstream.protocol.events import Event, StreamKey


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A frame to send, and the ``req_id`` its answers will carry. Its repr shows the
    frame's size only: a private request's frame holds the session token or a signature."""

    req_id: int
    frame: bytes = field(repr=False)

    def __repr__(self) -> str:
        return f"Outgoing(req_id={self.req_id}, frame=<{len(self.frame)} bytes>)"


class SessionProtocol(Protocol):
    """The state of one connection, without the connection.

    ``receive`` never raises on bad input: anything unexpected is a counted
    :class:`~spotstream.protocol.events.Unhandled` event (``unhandled`` counts them by kind).
    Every encoder raises :class:`~spotstream.errors.InvalidRequestError` before anything is
    sent when the request cannot be valid.
    """

    unhandled: Counter[str]

    def receive(self, frame: bytes | str) -> list[Event]: ...

    def stream_key(self, channel: str, symbol: str, options: Mapping[str, Any]) -> StreamKey:
        """The key under which the venue's data for this stream arrives."""
        ...

    def subscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing: ...

    def unsubscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing: ...

    def ping(self) -> Outgoing: ...

    def resync_book(self, symbol: str) -> list[Outgoing]:
        """Frames that fetch a fresh snapshot of one local book."""
        ...

    def drop_book(self, symbol: str) -> None:
        """Forget a local book; its frames still in flight are discarded quietly."""
        ...

    def connection_lost(self) -> object:
        """Forget the connection's state (pending requests, confirmed streams)."""
        ...
