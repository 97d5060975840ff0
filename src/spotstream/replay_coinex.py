"""Replay recorded CoinEx socket API v2 pushes into local books and verify every checksum.
Sans-I/O.

A recording holds one decompressed frame per line, as JSON text (what the server gzipped);
blank lines are skipped. It need not contain the subscribe requests: each market's book
starts at its first full push (``is_full``), incremental pushes before it are counted as
untrusted, and every push is verified, full ones included, exactly as the client does it
(the same protocol object). After a mismatch a book is not trusted again until its next full
push. Other frames (answers, state, deals ...) are read and counted as frames, not books.
"""

from __future__ import annotations

import msgspec

from spotstream.book.tracked import ApplyResult
from spotstream.protocol.coinex.v2 import wire
from spotstream.protocol.coinex.v2.public import CoinExV2Protocol
from spotstream.protocol.events import BookData, Unhandled
from spotstream.replay import MAX_REPORTED_LINES, ReplaySummary

_DEPTH = msgspec.json.Decoder(wire.DepthUpdate)


class CoinExReplayer:
    """Feeds one line at a time (:meth:`feed`); :attr:`summary` says what it found."""

    def __init__(self) -> None:
        self.summary = ReplaySummary(format="frames")
        self.protocol = CoinExV2Protocol()

    def feed(self, line_no: int, text: bytes | str) -> None:
        raw = text.encode() if isinstance(text, str) else text
        self.summary.frames += 1
        if b'"depth.update"' in raw and not self._open_book(raw):
            self.summary.untrusted_updates += 1  # before the market's first full push
            return
        for event in self.protocol.receive(raw.decode("utf-8", "replace")):
            if type(event) is BookData:
                self.summary.book_messages += 1
                self._count(line_no, event.result)
            elif type(event) is Unhandled and not event.kind.startswith("response"):
                self.summary.unhandled += 1
                kinds = self.summary.unhandled_kinds
                kinds[event.kind] = kinds.get(event.kind, 0) + 1

    def _open_book(self, raw: bytes) -> bool:
        """Whether a depth push has a book to go to: a market's book opens at its first full
        push (the recording need not hold the subscribe; the limit never matters, CoinEx
        keeps the window itself)."""
        try:
            push = _DEPTH.decode(raw)
        except msgspec.MsgspecError:
            return True  # the protocol counts it
        market = push.data.market
        if market in self.protocol.books:
            return True
        if not push.data.is_full:
            return False
        self.protocol.subscribe_stream("book", [market], {"depth": 50})
        self.summary.symbols.append(market)
        return True

    def _count(self, line_no: int, result: ApplyResult) -> None:
        summary = self.summary
        if result is ApplyResult.VERIFIED:
            summary.checksums_verified += 1
        elif result in (ApplyResult.MISMATCH, ApplyResult.INVALID):
            summary.checksum_mismatches += 1
            if len(summary.mismatch_lines) < MAX_REPORTED_LINES:
                summary.mismatch_lines.append(line_no)
        elif result is ApplyResult.IGNORED:
            summary.untrusted_updates += 1


def replay_coinex(data: bytes) -> ReplaySummary:
    """Replay a whole recording of CoinEx v2 pushes, one JSON text per line (1-based)."""
    replayer = CoinExReplayer()
    for line_no, line in enumerate(data.splitlines(), 1):
        if line.strip():
            replayer.feed(line_no, line.strip())
    return replayer.summary
