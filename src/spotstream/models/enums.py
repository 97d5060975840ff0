"""Every closed set of values the models use, as ``StrEnum``s.

A member *is* a ``str`` equal to its value, so members encode as their value and compare
equal to it. The values are Kraken v2's words (the first venue); another venue maps its own
words onto these members in its protocol package. Where users may pass plain strings, they
become members once, at the edge (:func:`spotstream.models.edge.to_enum`).
"""

from __future__ import annotations

from enum import StrEnum

# --- orders ------------------------------------------------------------------------------------


class OrderSide(StrEnum):
    BUY = "buy"
    SELL = "sell"


class OrderType(StrEnum):
    """What kind of order: a limit, a market order, or one that waits for a trigger."""

    LIMIT = "limit"
    MARKET = "market"
    ICEBERG = "iceberg"
    STOP_LOSS = "stop-loss"
    STOP_LOSS_LIMIT = "stop-loss-limit"
    TAKE_PROFIT = "take-profit"
    TAKE_PROFIT_LIMIT = "take-profit-limit"
    TRAILING_STOP = "trailing-stop"
    TRAILING_STOP_LIMIT = "trailing-stop-limit"
    SETTLE_POSITION = "settle-position"


LIMIT_PRICED_ORDER_TYPES = frozenset(
    {
        OrderType.LIMIT,
        OrderType.ICEBERG,
        OrderType.STOP_LOSS_LIMIT,
        OrderType.TAKE_PROFIT_LIMIT,
        OrderType.TRAILING_STOP_LIMIT,
    }
)
"""Order types that take a limit price."""
TRAILING_ORDER_TYPES = frozenset({OrderType.TRAILING_STOP, OrderType.TRAILING_STOP_LIMIT})
"""Order types whose trigger trails the market."""
TRIGGERED_ORDER_TYPES = frozenset(
    {
        OrderType.STOP_LOSS,
        OrderType.STOP_LOSS_LIMIT,
        OrderType.TAKE_PROFIT,
        OrderType.TAKE_PROFIT_LIMIT,
        *TRAILING_ORDER_TYPES,
    }
)
"""Order types that wait for a trigger price."""
CONDITIONAL_ORDER_TYPES = frozenset({OrderType.LIMIT, *TRIGGERED_ORDER_TYPES})
"""Order types a conditional close (one-triggers-other) may have."""


class TimeInForce(StrEnum):
    GTC = "gtc"  # good till cancelled
    GTD = "gtd"  # good till a date (``expire_time``)
    IOC = "ioc"  # immediate or cancel


class TriggerReference(StrEnum):
    """The price a trigger watches."""

    LAST = "last"  # the last trade
    INDEX = "index"  # the index price


class TriggerPriceType(StrEnum):
    """How a trigger price reads: a price, or an offset from the reference price."""

    STATIC = "static"
    PCT = "pct"  # percent offset
    QUOTE = "quote"  # offset in the quote asset


class LimitPriceType(StrEnum):
    """How a limit price reads: a price, or (trailing-stop-limit) an offset from the trigger."""

    STATIC = "static"
    PCT = "pct"
    QUOTE = "quote"


class FeePreference(StrEnum):
    """The asset the fee is taken in."""

    BASE = "base"
    QUOTE = "quote"


class StpType(StrEnum):
    """Self-trade prevention: which order is cancelled when two of the account's would match."""

    CANCEL_NEWEST = "cancel_newest"
    CANCEL_OLDEST = "cancel_oldest"
    CANCEL_BOTH = "cancel_both"


# --- streams and books ----------------------------------------------------------------------


class Channel(StrEnum):
    """The streams a client subscribes to (``DataEvent.channel`` holds one of these)."""

    BOOK = "book"
    TICKER = "ticker"
    TRADE = "trade"
    OHLC = "ohlc"
    INSTRUMENT = "instrument"
    STATUS = "status"
    EXECUTIONS = "executions"
    BALANCES = "balances"
    LEVEL3 = "level3"


class SystemState(StrEnum):
    ONLINE = "online"
    MAINTENANCE = "maintenance"
    CANCEL_ONLY = "cancel_only"
    POST_ONLY = "post_only"


class BookStatus(StrEnum):
    """Lifecycle of a local order book."""

    SYNCING = "syncing"  # waiting for the first snapshot
    SYNCED = "synced"  # snapshot applied and every checksum so far verified
    RESYNCING = "resyncing"  # a checksum failed or the connection dropped: waiting for a snapshot
    FAILED = "failed"  # snapshots kept failing: given up (BookFailedError), subscription released
    CLOSED = "closed"


class EventKind(StrEnum):
    SNAPSHOT = "snapshot"
    UPDATE = "update"


class LifecycleKind(StrEnum):
    CONNECTED = "connected"
    CONNECTION_LOST = "connection_lost"
    RECONNECTING = "reconnecting"
    RESTORED = "restored"  # reconnected and every subscription re-established
    RESUBSCRIBE_FAILED = "resubscribe_failed"
    BOOK_RESYNC = "book_resync"
    CLOSED = "closed"
    CONNECT_REJECTED = "connect_rejected"  # 401/403/404 at the handshake: no redial until called
    TASK_FAILED = "task_failed"  # a background task raised; contained, the client goes on
    DISARM_FAILED = "disarm_failed"  # leaving dead_man_switch(): the disarm did not go through


class OrderStatus(StrEnum):
    """Where an order is in its life (a venue's status words are translated to these)."""

    PENDING_NEW = "pending_new"  # accepted, not yet on the book
    NEW = "new"  # open, nothing filled
    PARTIALLY_FILLED = "partially_filled"
    FILLED = "filled"
    CANCELED = "canceled"
    EXPIRED = "expired"


CLOSED_ORDER_STATUSES = frozenset({OrderStatus.FILLED, OrderStatus.CANCELED, OrderStatus.EXPIRED})
"""The statuses after which an order is no longer open."""


class ReconcileReason(StrEnum):
    SEQUENCE_GAP = "sequence_gap"  # the exchange skipped a sequence number
    RECONNECT = "reconnect"  # the connection was lost and restored
