"""User-facing models of the private side: order updates, fills, balances, reconciliation.

Exact ``Decimal`` money, frozen Structs. Each model keeps the exchange's exact message in
``report`` / ``entry`` so that nothing the exchange sent is out of reach; the named fields
are the common ones under names shared across exchanges.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum

import msgspec

from spotstream.models.market import OrderSide


class ReconcileReason(StrEnum):
    SEQUENCE_GAP = "sequence_gap"  # the exchange skipped a sequence number
    RECONNECT = "reconnect"  # the connection was lost and restored


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
    """The secondary close order an order places on each of its fills (Kraken's OTO)."""

    order_type: str
    limit_price: Decimal | None = None
    limit_price_type: str | None = None
    trigger_price: Decimal | None = None
    trigger_price_type: str | None = None


class OrderRequest(msgspec.Struct, frozen=True, kw_only=True):
    """A new order, with Kraken's parameter names (spec §8.1); validated before sending.

    ``order_type``: limit, market, iceberg, stop-loss, stop-loss-limit, take-profit,
    take-profit-limit, trailing-stop, trailing-stop-limit, settle-position. Triggered types
    need ``trigger_price`` (``trigger_reference`` last/index, ``trigger_price_type``
    static/pct/quote). Set at most one of ``cl_ord_id`` and ``order_userref``.
    """

    side: str
    order_type: str
    order_qty: Decimal
    limit_price: Decimal | None = None
    limit_price_type: str | None = None
    trigger_price: Decimal | None = None
    trigger_reference: str | None = None
    trigger_price_type: str | None = None
    time_in_force: str | None = None
    expire_time: datetime | None = None
    effective_time: datetime | None = None
    post_only: bool | None = None
    reduce_only: bool | None = None
    margin: bool | None = None
    display_qty: Decimal | None = None
    cash_order_qty: Decimal | None = None
    fee_preference: str | None = None
    stp_type: str | None = None
    cl_ord_id: str | None = None
    order_userref: int | None = None
    sender_sub_id: str | None = None
    conditional: ConditionalClose | None = None
