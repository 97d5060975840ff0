"""Sequence-numbered account feeds, sans-I/O and for any venue: each channel's numbers must
run on by one from its snapshot.

- the next number: delivered;
- a **repeat or a step back** (a replayed or duplicated message): dropped, counted in
  ``repeated``, never delivered;
- a **skip**: delivered with a :class:`SequenceGap`, and the channel is *stale* until its
  next snapshot (one gap per stale window; the session reconciles it).

Fills are remembered by their exec id (or trade id) across messages and reconnects (the
latest :data:`REMEMBERED` of them): a fill delivered once is never delivered again, whatever
message carries it (counted in ``repeated_fills``).
"""

from __future__ import annotations

from collections import Counter

from spotstream.models.enums import EventKind
from spotstream.models.orders import Fill, OrderUpdate
from spotstream.protocol.events import Event, SequenceGap

REMEMBERED = 100_000  # fill ids kept (a few MB at most)


class FeedSequences:
    """The sequence state of one connection's account feeds (``last`` and ``stale`` are
    changed in place: protocols expose them as they are)."""

    def __init__(self) -> None:
        self.last: dict[str, int] = {}
        self.stale: set[str] = set()
        self.repeated: Counter[str] = Counter()  # messages dropped per channel
        self.repeated_fills = 0
        self._fills: dict[object, None] = {}  # insertion-ordered: the oldest go first

    def check(self, channel: str, kind: EventKind, sequence: int) -> list[Event] | None:
        """The events a message numbered ``sequence`` brings (a gap, or none), or ``None``
        when it must be dropped (a repeat or a step back)."""
        last = self.last.get(channel)
        if kind is EventKind.SNAPSHOT:
            self.last[channel] = sequence
            self.stale.discard(channel)
            return []
        if last is not None and sequence <= last:
            self.repeated[channel] += 1
            return None
        self.last[channel] = sequence
        if last is None or sequence == last + 1 or channel in self.stale:
            return []
        self.stale.add(channel)
        return [SequenceGap(channel, last + 1, sequence)]

    def fresh(self, item: object, kind: EventKind) -> bool:
        """Whether ``item`` may be delivered: anything but a fill already delivered (a
        snapshot's fills are remembered, and always delivered)."""
        fill = item.fill if isinstance(item, OrderUpdate) else item
        if not isinstance(fill, Fill):
            return True
        fill_id = fill.exec_id or fill.trade_id
        if fill_id is None:
            return True
        key = (fill.order_id, fill_id)
        if key in self._fills:
            if kind is EventKind.SNAPSHOT:
                return True
            self.repeated_fills += 1
            return False
        self._fills[key] = None
        if len(self._fills) > REMEMBERED:
            del self._fills[next(iter(self._fills))]
        return True

    def connection_lost(self) -> None:
        """A new connection numbers its feeds afresh; the fills delivered stay remembered."""
        self.last.clear()
        self.stale.clear()
