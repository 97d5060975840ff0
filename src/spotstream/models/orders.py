"""User-facing models of the private side: order updates, fills, balances, reconciliation.

Exact ``Decimal`` money, frozen Structs. Each model keeps the exchange's exact message in
``report`` / ``entry`` so that nothing the exchange sent is out of reach; the named fields
are the common ones under names shared across exchanges.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated

import msgspec
from msgspec import Meta

from spotstream.models.edge import convert_fields
from spotstream.models.enums import (
    FeePreference,
    LimitPriceType,
    OrderSide,
    OrderType,
    ReconcileReason,
    StpType,
    TimeInForce,
    TriggerPriceType,
    TriggerReference,
)


class Fee(msgspec.Struct, frozen=True):
    asset: str
    quantity: Decimal


class Fill(msgspec.Struct, frozen=True):
    """One execution of an order (a user trade)."""

    order_id: str
    trade_id: int | None
    exec_id: str | None
    symbol: str | None
    side: OrderSide | None
    quantity: Decimal
    price: Decimal
    cost: Decimal | None
    fees: tuple[Fee, ...]
    maker: bool | None  # None when the exchange did not say
    timestamp: datetime | None


class OrderUpdate(msgspec.Struct, frozen=True):
    """One event in an order's life (Kraken: an ``executions`` report).

    Which fields are set depends on ``exec_type`` (``pending_new`` carries the whole order,
    ``new`` little more than the ids, ``trade`` a :attr:`fill`). ``report`` is the exact
    exchange message (a :class:`~spotstream.protocol.kraken.v2.private_wire.ExecutionReport`).
    """

    order_id: str
    exec_type: str
    status: str | None
    symbol: str | None
    side: OrderSide | None
    order_type: str | None
    quantity: Decimal | None
    limit_price: Decimal | None
    filled_quantity: Decimal | None
    filled_cost: Decimal | None
    average_price: Decimal | None
    client_order_id: str | None
    user_ref: int | None
    time_in_force: str | None
    reason: str | None
    timestamp: datetime | None
    fill: Fill | None
    ratecount: int | None
    report: object = msgspec.field(default=None)


class OrderState(msgspec.Struct, frozen=True):
    """What is known of an open order, merged from every update seen so far."""

    order_id: str
    symbol: str | None
    side: OrderSide | None
    order_type: str | None
    quantity: Decimal | None
    limit_price: Decimal | None
    filled_quantity: Decimal
    filled_cost: Decimal
    status: str | None
    client_order_id: str | None
    user_ref: int | None
    updated_at: datetime | None


class Wallet(msgspec.Struct, frozen=True):
    type: str
    id: str
    balance: Decimal


class Balance(msgspec.Struct, frozen=True):
    """An asset's total balance and its wallets (a balances snapshot entry)."""

    asset: str
    balance: Decimal
    wallets: tuple[Wallet, ...] = ()
    asset_class: str | None = None


class LedgerEntry(msgspec.Struct, frozen=True):
    """A balance change (a balances update entry): ``balance`` is the balance after it."""

    ledger_id: str
    ref_id: str
    timestamp: datetime
    type: str
    asset: str
    amount: Decimal
    fee: Decimal
    balance: Decimal
    category: str | None = None
    wallet_type: str | None = None
    wallet_id: str | None = None
    entry: object = msgspec.field(default=None)


class BalanceChange(msgspec.Struct, frozen=True):
    asset: str
    before: Decimal | None  # None: the asset was not held
    after: Decimal | None  # None: the asset is no longer listed


class Reconciliation(msgspec.Struct, frozen=True):
    """What changed while a private feed was interrupted (a sequence gap or a reconnect).

    Computed by comparing the state before the interruption with the fresh snapshot that
    followed it. ``closed`` orders were open before and are not any more (filled, cancelled
    or expired while the feed was down); ``fills`` are the snapshot's trades newer than the
    last fill seen before the interruption.
    """

    channel: str
    reason: ReconcileReason
    opened: tuple[OrderState, ...] = ()
    closed: tuple[OrderState, ...] = ()
    changed: tuple[tuple[OrderState, OrderState], ...] = ()
    fills: tuple[Fill, ...] = ()
    balances: tuple[BalanceChange, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.opened or self.closed or self.changed or self.fills or self.balances)


# --- results of trading calls ----------------------------------------------------------------


class PlacedOrder(msgspec.Struct, frozen=True):
    """An accepted order (``order_id`` is ``""`` for a validate-only request)."""

    order_id: str
    client_order_id: str | None = None
    user_ref: int | None = None
    warnings: tuple[str, ...] = ()


class AmendedOrder(msgspec.Struct, frozen=True):
    amend_id: str
    order_id: str | None = None
    client_order_id: str | None = None
    warnings: tuple[str, ...] = ()


class EditedOrder(msgspec.Struct, frozen=True):
    order_id: str
    original_order_id: str
    warnings: tuple[str, ...] = ()


class CancelledOrder(msgspec.Struct, frozen=True):
    order_id: str | None = None
    client_order_id: str | None = None
    warnings: tuple[str, ...] = ()


class CancelAfter(msgspec.Struct, frozen=True):
    """The dead man's switch state: ``trigger_time`` is None when disarmed."""

    current_time: datetime
    trigger_time: datetime | None


# --- requests ----------------------------------------------------------------------------------


class ConditionalClose(msgspec.Struct, frozen=True, kw_only=True):
    """The secondary close order an order places on each of its fills (one-triggers-other),
    of the fill's size and the opposite side; its fields read as :class:`OrderRequest`'s."""

    order_type: OrderType
    limit_price: Decimal | None = None
    limit_price_type: LimitPriceType | None = None
    trigger_price: Decimal | None = None
    trigger_price_type: TriggerPriceType | None = None

    def __post_init__(self) -> None:
        convert_fields(self)


class OrderRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A new order, the same on every venue: its fields are declared here once.

    A venue's wire parameters (Kraken v2: :mod:`spotstream.protocol.kraken.v2.orders`), the
    client's checks, the command line's ``order add`` options and the simulator's parsing
    are derived from these fields. Building one converts at the edge: enum fields take a
    member or exactly its value (``"buy"``; not ``"BUY"``), money fields a ``Decimal``
    (never a float); anything else raises :class:`~spotstream.errors.InvalidRequestError`.
    What goes with what (a limit price for limit types, ...) is checked before sending.
    """

    side: OrderSide
    order_type: OrderType
    quantity: Annotated[Decimal, Meta(description="quantity (base asset)")]
    limit_price: Annotated[Decimal | None, Meta(description="limit price (limit-type orders)")] = (
        None
    )
    limit_price_type: Annotated[
        LimitPriceType | None, Meta(description="how limit_price reads (default static)")
    ] = None
    trigger_price: Annotated[
        Decimal | None, Meta(description="trigger price (stop, take-profit, trailing types)")
    ] = None
    trigger_reference: Annotated[
        TriggerReference | None, Meta(description="the price the trigger watches (default last)")
    ] = None
    trigger_price_type: Annotated[
        TriggerPriceType | None, Meta(description="how trigger_price reads (default static)")
    ] = None
    time_in_force: Annotated[
        TimeInForce | None, Meta(description="gtc (default), gtd (needs expire_time) or ioc")
    ] = None
    expire_time: Annotated[datetime | None, Meta(description="for gtd: when it expires")] = None
    effective_time: Annotated[datetime | None, Meta(description="scheduled start")] = None
    post_only: Annotated[
        bool | None, Meta(description="only add liquidity (rejected if it would take)")
    ] = None
    reduce_only: Annotated[bool | None, Meta(description="only reduce a margin position")] = None
    margin: Annotated[bool | None, Meta(description="a margin order")] = None
    display_quantity: Annotated[
        Decimal | None, Meta(description="iceberg: the shown quantity (at least 1/15)")
    ] = None
    quote_quantity: Annotated[
        Decimal | None, Meta(description="market: the quantity in the quote asset")
    ] = None
    fee_preference: Annotated[
        FeePreference | None, Meta(description="the asset fees are paid in")
    ] = None
    stp_type: Annotated[StpType | None, Meta(description="self-trade prevention")] = None
    client_order_id: Annotated[
        str | None, Meta(description="your order id (UUID or up to 18 characters)")
    ] = None
    user_ref: Annotated[
        int | None, Meta(description="your numeric order reference (not with an order id)")
    ] = None
    sender_sub_id: Annotated[str | None, Meta(description="sub-account / trader id")] = None
    conditional: Annotated[
        ConditionalClose | None, Meta(description="a close order placed on each fill")
    ] = None

    def __post_init__(self) -> None:
        convert_fields(self)
