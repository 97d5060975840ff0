"""Order state of the matching engine: orders, fills, the queue of resting user orders, ids.

Prices and quantities are the instrument's scaled integers (see
:mod:`spotstream.simulator.market.instruments`); money (costs, fees) is ``Decimal``. An
:class:`Order` is mutable: the engine changes it in place and tells listeners with an
:class:`ExecutionEvent` that is encoded at once (so the event shows the state of that moment).
"""

from __future__ import annotations

import random
from bisect import insort
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from spotstream.models.enums import (
    FeePreference,
    LimitPriceType,
    OrderType,
    TriggerPriceType,
    TriggerReference,
)
from spotstream.models.orders import OrderRequest
from spotstream.simulator.matching.rejections import Rejection

Side = Literal["buy", "sell"]
Liquidity = Literal["m", "t"]

OPEN_STATUSES = frozenset({"pending_new", "new", "partially_filled"})
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True, kw_only=True)
class Amendment:
    """An open order changed in place (its queue priority kept where the venue keeps it):
    which order (``order_id`` or ``client_order_id``), its new total quantity, and what else
    changes (``None`` keeps it)."""

    quantity: Decimal
    order_id: str | None = None
    client_order_id: str | None = None
    display_quantity: Decimal | None = None
    limit_price: Decimal | None = None
    limit_price_type: LimitPriceType | None = None
    post_only: bool | None = None
    trigger_price: Decimal | None = None
    trigger_price_type: TriggerPriceType | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Replacement:
    """An open order cancelled and replaced by a new one: what the new one changes
    (``None`` keeps the old order's value)."""

    order_id: str
    symbol: str
    quantity: Decimal | None = None
    limit_price: Decimal | None = None
    display_quantity: Decimal | None = None
    post_only: bool | None = None
    reduce_only: bool | None = None
    trigger_price: Decimal | None = None
    trigger_reference: TriggerReference | None = None
    trigger_price_type: TriggerPriceType | None = None
    user_ref: int | None = None
    fee_preference: FeePreference | None = None


@dataclass(slots=True)
class Trigger:
    """The trigger of a stop-loss / take-profit / trailing order.

    ``price`` is the trigger price now (a trailing order's follows ``peak``, the best
    reference price seen since it was placed: the highest for a sell, the lowest for a buy).
    """

    reference: str  # "last" or "index"
    price_type: str  # "static", "pct" or "quote", as requested
    offset: Decimal  # the requested triggers.price (the price itself when static)
    price: int
    peak: int | None = None
    last: int | None = None  # the reference price at the last check
    triggered_ns: int | None = None


@dataclass(frozen=True, slots=True)
class Conditional:
    """The OTO template: a secondary order opened for each fill of its primary."""

    order_type: OrderType
    limit_price: Decimal | None
    limit_price_type: LimitPriceType
    trigger_price: Decimal | None
    trigger_price_type: TriggerPriceType


@dataclass(frozen=True, slots=True)
class OrderFill:
    """One execution of one order. ``cost`` is in the quote asset; ``fee`` in ``fee_asset``."""

    exec_id: str
    trade_id: int
    qty: int
    price: int
    cost: Decimal
    fee: Decimal
    fee_asset: str
    liquidity: Liquidity
    time_ns: int


@dataclass(eq=False, slots=True)
class Order:
    """One order and everything that happened to it."""

    order_id: str
    account_id: str
    symbol: str
    side: Side
    order_type: str
    qty: int  # a cash_order_qty order gets its qty from the book when it executes
    created_ns: int
    limit_price: int | None = None
    limit_price_type: str | None = None  # as requested
    limit_offset: Decimal | None = None  # pct / quote limit: applied to the trigger price
    trigger: Trigger | None = None
    time_in_force: str = "gtc"
    expire_ns: int | None = None
    effective_ns: int | None = None
    post_only: bool = False
    display_qty: int | None = None
    cash_qty: Decimal | None = None
    fee_in_base: bool = False
    stp_type: str = "cancel_newest"
    cl_ord_id: str | None = None
    order_userref: int | None = None
    sender_sub_id: str | None = None
    conditional: Conditional | None = None
    status: str = "pending_new"
    seq: int = 0  # placement order: breaks ties of queue time
    queue_ns: int = 0  # time priority in the queue (a refill or a price amend resets it)
    filled: int = 0
    cum_cost: Decimal = ZERO
    fees: Decimal = ZERO
    visible: int = 0  # what the queue shows: the display part of an iceberg
    hold: Decimal = ZERO  # funds reserved for the rest of the order
    hold_price: int = 0  # the price ``hold`` was reckoned at
    resting: bool = False
    active: bool = False  # effective (past effective_time)
    warnings: tuple[str, ...] = ()
    request: OrderRequest | None = None  # what the client sent

    @property
    def remaining(self) -> int:
        return max(0, self.qty - self.filled)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def untriggered(self) -> bool:
        return self.trigger is not None and self.trigger.triggered_ns is None

    @property
    def takes_as(self) -> Literal["market", "limit"]:
        """How the order executes once live: a limit price or none."""
        return "limit" if self.limit_price is not None else "market"


@dataclass(frozen=True, slots=True)
class UserOrderOnBook:
    """A visible resting user order as the L3 feed shows it."""

    order_id: str
    side: Side
    price_units: int
    qty_units: int
    timestamp_ns: int


@dataclass(frozen=True, slots=True)
class ExecutionEvent:
    """Something happened to ``order`` at ``time_ns`` (``exec_type``: ``pending_new``, ``new``,
    ``trade``, ``filled``, ``canceled``, ``expired``, ``amended``, ``restated``, ``status`` or
    ``iceberg_refill``)."""

    exec_type: str
    order: Order
    time_ns: int
    fill: OrderFill | None = None
    reason: str | None = None


def _priority(order: Order) -> tuple[int, int, int]:
    price = order.limit_price or 0
    return (-price if order.side == "buy" else price, order.queue_ns, order.seq)


class UserBook:
    """The resting user orders of one symbol, each side in price-time priority."""

    __slots__ = ("asks", "bids")

    def __init__(self) -> None:
        self.bids: list[Order] = []
        self.asks: list[Order] = []

    def side(self, side: Side) -> list[Order]:
        return self.bids if side == "buy" else self.asks

    def add(self, order: Order) -> None:
        insort(self.side(order.side), order, key=_priority)

    def remove(self, order: Order) -> None:
        orders = self.side(order.side)
        if order in orders:
            orders.remove(order)

    def best(self, side: Side) -> Order | None:
        orders = self.side(side)
        return orders[0] if orders else None

    def __bool__(self) -> bool:
        return bool(self.bids or self.asks)


_ID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"


class IdGenerator:
    """Exchange-style ids (``OXXXXX-XXXXX-XXXXXX``) from a seeded generator."""

    def __init__(self, seed: object) -> None:
        self._rng = random.Random(f"{seed}/private")

    def _block(self, size: int) -> str:
        return "".join(self._rng.choice(_ID_CHARS) for _ in range(size))

    def make(self, prefix: str) -> str:
        return f"{prefix}{self._block(5)}-{self._block(5)}-{self._block(6)}"

    def order_id(self) -> str:
        return self.make("O")

    def exec_id(self) -> str:
        return self.make("T")

    def ledger_id(self) -> str:
        return self.make("L")

    def amend_id(self) -> str:
        return self.make("A")


class OrderError(Exception):
    """A request the engine refuses: the ``reason``, and what is wrong in ``detail`` (for
    :attr:`~Rejection.INVALID_ARGUMENTS`: the field). A venue words it for its clients."""

    def __init__(self, reason: Rejection, detail: str | None = None) -> None:
        super().__init__(str(reason) if detail is None else f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
