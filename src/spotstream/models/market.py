"""User-facing models, shared across exchanges where the meaning is the same.

Money is exact: every price and quantity is a :class:`~decimal.Decimal`. Models are frozen
msgspec Structs (cheap to build, immutable, hashable by value where it makes sense).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Generic, TypeVar

import msgspec

from spotstream.errors import InvalidRequestError
from spotstream.models.edge import to_decimal, to_enum
from spotstream.models.enums import BookStatus, EventKind, LifecycleKind, OrderSide, SystemState

T = TypeVar("T")


class SystemStatus(msgspec.Struct, frozen=True):
    system: SystemState
    api_version: str
    version: str
    connection_id: int | None = None


class Asset(msgspec.Struct, frozen=True):
    id: str
    status: str
    precision: int
    precision_display: int
    borrowable: bool = False
    collateral_value: Decimal | None = None
    margin_rate: Decimal | None = None
    multiplier: Decimal | None = None


class Instrument(msgspec.Struct, frozen=True):
    """A tradable pair and the precisions its prices and quantities use."""

    symbol: str
    base: str
    quote: str
    status: str
    price_precision: int
    qty_precision: int
    price_increment: Decimal
    qty_increment: Decimal
    qty_min: Decimal
    cost_precision: int | None = None
    cost_min: Decimal | None = None
    marginable: bool = False
    has_index: bool = False


class Ticker(msgspec.Struct, frozen=True):
    """A market's 24-hour ticker. Kraken sets every field up to ``timestamp``; CoinEx's
    ``state`` has no best bid/ask (use ``bbo``), vwap or percentage (those are ``None``) and
    adds the period's ``open``, ``close``, quote-asset ``value`` and the taker volumes."""

    symbol: str
    bid: Decimal | None
    bid_qty: Decimal | None
    ask: Decimal | None
    ask_qty: Decimal | None
    last: Decimal
    volume: Decimal  # base asset
    vwap: Decimal | None
    low: Decimal
    high: Decimal
    change: Decimal  # last - open
    change_pct: Decimal | None
    timestamp: datetime | None = None
    open: Decimal | None = None
    close: Decimal | None = None
    value: Decimal | None = None  # quote asset
    taker_buy_volume: Decimal | None = None
    taker_sell_volume: Decimal | None = None


class Trade(msgspec.Struct, frozen=True):
    """A public trade; ``side`` and ``ord_type`` are the taker's (``trade_id`` is ``None``
    where the venue gives none: Kraken v1)."""

    symbol: str
    side: OrderSide
    price: Decimal
    qty: Decimal
    ord_type: str
    trade_id: int | None
    timestamp: datetime


class Spread(msgspec.Struct, frozen=True):
    """The best bid and ask with their volumes (Kraken v1's ``spread``; v2's ``bbo`` ticker)."""

    symbol: str
    bid: Decimal
    ask: Decimal
    bid_qty: Decimal
    ask_qty: Decimal
    timestamp: datetime | None = None


class IndexPrice(msgspec.Struct, frozen=True):
    """A market's index price (CoinEx ``index``; ``mark_price`` on futures only)."""

    symbol: str
    price: Decimal
    mark_price: Decimal | None = None


class Maintenance(msgspec.Struct, frozen=True):
    """A maintenance window the venue announced (CoinEx ``notice``); ``protect_*`` bound the
    protection period after it, where the venue gives one."""

    start: datetime
    end: datetime
    scope: tuple[str, ...] = ()
    protect_start: datetime | None = None
    protect_end: datetime | None = None


class Kline(msgspec.Struct, frozen=True):
    """One OHLC candle; ``interval`` is in minutes, ``interval_begin`` its opening time.

    ``trades`` and ``vwap`` are ``None`` where the venue gives none (CoinEx's REST klines);
    ``value`` is the quote-asset volume where the venue gives it (CoinEx), else ``None``."""

    symbol: str
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal
    trades: int | None
    volume: Decimal
    vwap: Decimal | None
    interval_begin: datetime
    interval: int
    value: Decimal | None = None


class BookLevel(msgspec.Struct, frozen=True, array_like=True):
    price: Decimal
    qty: Decimal


class BookSnapshot(msgspec.Struct, frozen=True):
    """An immutable copy of a local order book, best levels first."""

    symbol: str
    bids: tuple[BookLevel, ...]
    asks: tuple[BookLevel, ...]
    checksum: int
    status: BookStatus
    sequence: int  # number of book messages applied since the last snapshot
    timestamp: datetime | None = None

    @property
    def best_bid(self) -> BookLevel | None:
        return self.bids[0] if self.bids else None

    @property
    def best_ask(self) -> BookLevel | None:
        return self.asks[0] if self.asks else None

    def average_fill_price(self, quantity: Decimal, side: OrderSide | str) -> Decimal | None:
        """Average price of a market order for ``quantity`` (base) against these levels
        (a buy takes asks, a sell hits bids); ``None`` if the levels cannot fill it.
        ``side`` is an :class:`OrderSide` or exactly its value (``"buy"``); anything else
        raises :class:`InvalidRequestError`, as does a ``quantity`` that is not positive."""
        quantity = to_decimal(quantity, "quantity")
        if quantity <= 0:
            raise InvalidRequestError("quantity must be positive")
        remaining, cost = quantity, Decimal(0)
        for level in self._taken_by(side):
            take = min(remaining, level.qty)
            cost += take * level.price
            remaining -= take
            if not remaining:
                return cost / quantity
        return None

    def tradable_amount(self, quote_quantity: Decimal, side: OrderSide | str) -> Decimal:
        """Base quantity a market order worth ``quote_quantity`` would trade against these
        levels (capped by what the levels hold); ``side`` as in :meth:`average_fill_price`."""
        remaining, base = to_decimal(quote_quantity, "quote_quantity"), Decimal(0)
        for level in self._taken_by(side):
            level_cost = level.price * level.qty
            if remaining <= level_cost:
                return base + remaining / level.price
            base += level.qty
            remaining -= level_cost
        return base

    def _taken_by(self, side: OrderSide | str) -> tuple[BookLevel, ...]:
        """The levels a market order of ``side`` takes (the edge conversion of ``side``:
        never the other side's levels for a value that is not exactly a side)."""
        match to_enum(OrderSide, side, "side"):
            case OrderSide.BUY:
                return self.asks
            case OrderSide.SELL:
                return self.bids


class BookCounters(msgspec.Struct):
    """What a book has been through; all counters only ever grow."""

    snapshots: int = 0
    updates: int = 0
    checksums_verified: int = 0
    checksum_mismatches: int = 0
    resyncs: int = 0
    inconsistent: int = 0  # left crossed (best bid >= best ask), or a snapshot listed a price twice


@dataclass(frozen=True, slots=True)
class DataEvent(Generic[T]):
    """One delivery to a subscriber.

    ``gap`` is true on the first event after anything may have been missed (a reconnect, or
    the subscriber falling so far behind that its bounded queue dropped events).
    ``original`` holds the exchange's frame when the client was built with
    ``output_original_data=True``.
    """

    data: T
    symbol: str | None
    channel: str
    kind: EventKind
    received_at: float
    gap: bool = False
    original: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class LifecycleEvent:
    """A change in a connection's or a subscription's life, for logs and callbacks.

    ``close_code`` and ``close_reason`` (on ``CONNECTION_LOST``) are those of the server's
    close frame; ``None`` when the link died without one (a drop, a reset, our watchdog)."""

    kind: LifecycleKind
    at: float
    detail: str = ""
    attempt: int = 0
    error: BaseException | None = None  # what failed, for the failure kinds
    close_code: int | None = None
    close_reason: str = ""
