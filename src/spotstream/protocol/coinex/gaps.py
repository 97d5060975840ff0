"""What CoinEx's account feeds (v1 and v2) share, sans-I/O: they carry no sequence number,
so the only loss a protocol can see is a push of a subscribed feed it could not read. Pushes
are counted per channel, and such a push is a :class:`SequenceGap` numbered by that count:
the session then reconciles the account from elsewhere. A fill already delivered (the same
deal id of the same order) is never delivered again (:class:`FeedSequences`)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from spotstream.errors import ProtocolError
from spotstream.protocol.coinex.routing import Handler
from spotstream.protocol.core import ProtocolCore
from spotstream.protocol.events import Event, SequenceGap
from spotstream.protocol.sequences import FeedSequences


class CountedPushes(ProtocolCore):
    """Per-channel push counts and the gap a lost push is."""

    def __init__(self) -> None:
        super().__init__()
        self.received: Counter[str] = Counter()  # pushes per channel: a gap's numbers
        self.fills = FeedSequences()  # a fill delivered once is never delivered again

    def _subscribed(self, channel: str) -> bool:
        """Whether ``channel`` is subscribed on this connection (only then is a loss a gap)."""
        raise NotImplementedError

    def _guarded(self, channel: str, handler: Handler) -> Handler:
        """``handler`` counted per channel; if it fails, the push is lost: a gap (a push it
        refuses, :class:`ProtocolError`, is an :class:`Unhandled` of the channel's kind; any
        other exception one of kind ``internal:<channel>``)."""

        def handle(msg: Any, text: Any) -> list[Event]:
            self.received[channel] += 1
            try:
                return handler(msg, text)
            except ProtocolError as exc:  # a value the wire types let through, refused
                return [self._unhandled(channel, str(exc), text), *self._lost(channel)]
            except Exception as exc:
                return [self._internal(channel, exc, text), *self._lost(channel)]

        return handle

    def _unreadable(self, channel: str | None) -> list[Event]:
        """An unreadable push of ``channel`` (if it is one of the account's): counted, and a
        gap when subscribed."""
        if channel is None:
            return []
        self.received[channel] += 1
        return self._lost(channel)

    def _lost(self, channel: str) -> list[Event]:
        if not self._subscribed(channel):
            return []
        number = self.received[channel]
        return [SequenceGap(channel, number, number)]
