"""What every venue's protocol object keeps, whatever its wire: request ids, and the count of
frames it could not use.

A protocol never raises on input (:class:`~spotstream.protocol.base.SessionProtocol`): a
frame it cannot use is an :class:`Unhandled` event, counted by kind in ``unhandled``; an
exception while handling one (a bug, or an input no check foresaw) is one too, its traceback
logged once per kind.
"""

from __future__ import annotations

import logging
from collections import Counter

from spotstream.protocol.events import Unhandled

log = logging.getLogger("spotstream.protocol")


class ProtocolCore:
    """Request ids and the unhandled-frame counters of one connection's protocol."""

    def __init__(self) -> None:
        self.unhandled: Counter[str] = Counter()
        self._next_req_id = 1

    def _allocate(self) -> int:
        req_id = self._next_req_id
        self._next_req_id += 1
        return req_id

    def _unhandled(self, kind: str, reason: str, frame: bytes | str) -> Unhandled:
        self.unhandled[kind] += 1
        return Unhandled(kind, reason, frame)

    def _internal(self, where: str, exc: Exception, frame: bytes | str) -> Unhandled:
        """An exception while handling a frame: a bug, or an input no check foresaw."""
        event = self._unhandled(f"internal:{where}", f"{type(exc).__name__}: {exc}", frame)
        if self.unhandled[event.kind] == 1:
            log.error("handling a %s frame failed: %.200r", where, frame, exc_info=exc)
        return event
