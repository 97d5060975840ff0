"""What one verified message changed in a local book: Kraken.Net's order book updates.

Kraken.Net's ``SubscribeToOrderBookUpdatesAsync`` hands over each book message's levels.
spotstream hands over the same thing measured where it can be trusted: the levels of the
*verified* book that changed since the previous event (a quantity of 0: the level left the
book, deleted or pushed out of the subscribed depth), after the first event's full snapshot.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import msgspec

from spotstream.models.enums import EventKind
from spotstream.models.market import BookLevel, BookSnapshot

_GONE = Decimal(0)


class BookChanges(msgspec.Struct, frozen=True):
    """The levels of ``symbol``'s verified book that changed (``kind`` is ``SNAPSHOT`` for
    the whole book, first and after every resync)."""

    symbol: str
    kind: EventKind
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    checksum: int
    sequence: int
    timestamp: datetime | None = None


def book_changes(before: BookSnapshot | None, after: BookSnapshot) -> BookChanges:
    """The change from ``before`` to ``after`` (everything, if there is no ``before``)."""
    if before is None:
        kind, bids, asks = EventKind.SNAPSHOT, after.bids, after.asks
    else:
        kind = EventKind.UPDATE
        bids, asks = _side(before.bids, after.bids), _side(before.asks, after.asks)
    return BookChanges(
        after.symbol, kind, bids, asks, after.checksum, after.sequence, after.timestamp
    )


def _side(before: tuple[BookLevel, ...], after: tuple[BookLevel, ...]) -> tuple[BookLevel, ...]:
    old = {level.price: level.qty for level in before}
    new = {level.price: level.qty for level in after}
    changed = [level for level in after if old.get(level.price) != level.qty]
    gone = [BookLevel(price, _GONE) for price in old if price not in new]
    return (*changed, *gone)
