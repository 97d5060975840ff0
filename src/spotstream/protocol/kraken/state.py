"""What both Kraken protocol versions keep per connection: instruments, confirmed streams,
pending requests and local books, and how a lost connection or a dropped book changes them.

:class:`KrakenProtocolState` is the base of both public protocols (``KrakenV2Protocol``,
``KrakenV1Protocol``); each adds its wire.
"""

from __future__ import annotations

from spotstream.book.verified import VerifiedBook
from spotstream.protocol.core import ProtocolCore
from spotstream.protocol.events import StreamKey
from spotstream.protocol.instruments import InstrumentCache
from spotstream.protocol.kraken.streams import PendingRequest, StreamSpec


class KrakenProtocolState(ProtocolCore):
    """Streams, pending requests and books of one Kraken connection."""

    def __init__(self, instruments: InstrumentCache | None = None) -> None:
        super().__init__()
        self.instruments = instruments if instruments is not None else InstrumentCache()
        self.streams: dict[StreamKey, StreamSpec] = {}
        self.books: dict[str, VerifiedBook] = {}
        self.discarded = 0  # book frames still in flight for a book that was dropped
        self._dropped_books: set[str] = set()
        self._pending: dict[int, PendingRequest] = {}

    def canonical(self, symbol: str) -> str:
        """The spelling books and events use (a version may accept another one too)."""
        return symbol

    def connection_lost(self) -> list[StreamSpec]:
        """Forget the connection: returns the streams to restore; pending requests are dropped."""
        restore = list(self.streams.values())
        self.streams.clear()
        self._pending.clear()
        for book in self.books.values():
            book.mark_resyncing()
        return restore

    def drop_book(self, symbol: str) -> None:
        """Forget a book; its frames still in flight are discarded quietly."""
        symbol = self.canonical(symbol)
        if self.books.pop(symbol, None) is not None:
            self._dropped_books.add(symbol)

    def pending_request_ids(self) -> list[int]:
        return list(self._pending)
