"""Public CoinEx v1 connections, pooled: v1 honours one market per subscription type on a
connection (a later ``depth.subscribe`` replaces the earlier one), so each further market of
a type gets a connection of its own, and a connection whose slot for that type is free (or
already carries that very stream) is reused.

A slot is taken by the streams the session wants (its registry) and, while a subscribe is
under way, by a reservation, so two subscribes racing before the connection is open never
share one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from spotstream.asyncio.session import Session

Slot = tuple[str, tuple[tuple[str, Any], ...]]  # symbol, options


def slot(symbol: str, options: Mapping[str, Any]) -> Slot:
    return (symbol, tuple(sorted(options.items())))


class ConnectionPool:
    """The public sessions of one v1 client; ``open_session`` makes (and starts) another."""

    def __init__(self, first: Session[Any], open_session: Callable[[], Session[Any]]) -> None:
        self.sessions: list[Session[Any]] = [first]
        self._open_session = open_session
        self._reserved: dict[int, dict[str, Slot]] = {}  # id(session) -> channel -> slot

    @contextmanager
    def place(
        self, channel: str, symbol: str, options: Mapping[str, Any]
    ) -> Iterator[Session[Any]]:
        """The session to subscribe ``channel`` for ``symbol`` on, reserved for the block."""
        wanted = slot(symbol, options)
        session = next((s for s in self.sessions if self._fits(s, channel, wanted)), None)
        if session is None:
            session = self._open_session()
            self.sessions.append(session)
        reserved = self._reserved.setdefault(id(session), {})
        reserved[channel] = wanted
        try:
            yield session
        finally:
            if reserved.get(channel) == wanted:
                del reserved[channel]

    def _fits(self, session: Session[Any], channel: str, wanted: Slot) -> bool:
        held = {
            slot(w.symbol, w.options)
            for w in session.streams.wants.values()
            if w.channel == channel
        }
        reserved = self._reserved.get(id(session), {}).get(channel)
        if reserved is not None:
            held.add(reserved)
        return not held or held == {wanted}
