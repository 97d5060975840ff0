"""What CoinEx adds to a public session (:class:`~spotstream.asyncio.session.SessionHooks`):
its books live on the ``book`` channel, and maintenance notices set the session's status
(and with it the slower reconnect after maintenance) while a window is under way."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from spotstream.asyncio.session import Session, SessionHooks
from spotstream.models.enums import SystemState
from spotstream.models.market import Maintenance, SystemStatus
from spotstream.protocol.events import ChannelData


def maintenance_status(windows: list[Maintenance], now: datetime) -> SystemStatus:
    """``MAINTENANCE`` while one of ``windows`` is under way at ``now``, else ``ONLINE``."""
    ongoing = any(w.start <= now < w.end for w in windows)
    return SystemStatus(SystemState.MAINTENANCE if ongoing else SystemState.ONLINE, "v2", "")


class CoinExPublicHooks(SessionHooks):
    """CoinEx's public-session additions; ``wall_clock`` (epoch seconds) dates notices."""

    book_channels = frozenset({"book"})

    def __init__(self, wall_clock: Callable[[], float] = time.time) -> None:
        self._wall_clock = wall_clock

    def on_data(self, session: Session[Any], event: ChannelData[Any]) -> None:
        if event.key[0] != "notice":
            return
        windows = [item for item in event.items if isinstance(item, Maintenance)]
        now = datetime.fromtimestamp(self._wall_clock(), UTC)
        status = maintenance_status(windows, now)
        session.set_status(status, event.frame)
