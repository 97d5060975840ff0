"""What each account-feed subscriber is given (``select_*``), for any venue.

The private session always asks for (or fetches) the feeds' snapshots so that it can
reconcile after any interruption; a subscriber sees the snapshot's items only if it asked,
and every update and :class:`~spotstream.models.orders.Reconciliation`.
"""

from __future__ import annotations

from spotstream.asyncio.private_session import Select
from spotstream.models.enums import EventKind
from spotstream.models.orders import Fill, OrderUpdate, Reconciliation


def select_executions(orders: bool, trades: bool) -> Select:
    """What an executions subscriber gets: updates always; snapshot parts if it asked."""

    def select(item: object, kind: EventKind) -> object | None:
        if kind is EventKind.UPDATE or isinstance(item, Reconciliation):
            return item
        is_trade = isinstance(item, OrderUpdate) and item.exec_type == "trade"
        return item if (trades if is_trade else orders) else None

    return select


def select_fills(snapshot: bool) -> Select:
    """What a fills subscriber gets: the fills of live updates (v2: of order updates; v1:
    ``ownTrades`` items), the snapshot's if it asked, and every reconciliation."""

    def select(item: object, kind: EventKind) -> object | None:
        if isinstance(item, Reconciliation):
            return item
        if kind is EventKind.SNAPSHOT and not snapshot:
            return None
        if isinstance(item, OrderUpdate):
            return item.fill
        return item if isinstance(item, Fill) else None

    return select


def select_orders(snapshot: bool) -> Select:
    """What an order-feed subscriber gets: updates and reconciliations always, the
    snapshot's open orders if it asked."""

    def select(item: object, kind: EventKind) -> object | None:
        if kind is EventKind.SNAPSHOT and not snapshot and not isinstance(item, Reconciliation):
            return None
        return item

    return select


def select_snapshot(wanted: bool) -> Select:
    def select(item: object, kind: EventKind) -> object | None:
        return item if wanted or kind is not EventKind.SNAPSHOT else None

    return select


def for_markets(select: Select, markets: frozenset[str]) -> Select:
    """``select`` narrowed to the orders of ``markets`` (every market when empty);
    reconciliations pass whole."""
    if not markets:
        return select

    def narrowed(item: object, kind: EventKind) -> object | None:
        if isinstance(item, OrderUpdate) and item.symbol not in markets:
            return None
        return select(item, kind)

    return narrowed
