"""Account state kept from the private feeds, and the reconciliation after an interruption.

Sans-I/O and exchange-neutral: it works on :class:`~spotstream.models.orders.OrderUpdate`,
:class:`~spotstream.models.orders.Balance` and :class:`~spotstream.models.orders.LedgerEntry`.

:class:`OrderTracker` merges order updates into the state of each open order (an update
may carry only the fields that changed) and remembers which fills it has seen.
:class:`BalanceTracker` keeps each asset's balance (from ledger entries, or from absolute
updates where the venue pushes balances themselves). Both can :meth:`checkpoint` their
state when a feed is interrupted and, once the fresh snapshot is in, say what changed
(:func:`reconcile`).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

import msgspec

from spotstream.models.enums import CLOSED_ORDER_STATUSES, ReconcileReason
from spotstream.models.orders import (
    Balance,
    BalanceChange,
    Fill,
    LedgerEntry,
    OrderState,
    OrderUpdate,
    Reconciliation,
)

_ZERO = Decimal(0)
_SEEN_FILLS = 10_000  # fill ids remembered to tell new fills from known ones


def _fill_key(fill: Fill) -> str:
    return fill.exec_id or f"{fill.order_id}/{fill.trade_id}"


def _merged(state: OrderState | None, update: OrderUpdate) -> OrderState:
    filled = update.filled_quantity
    cost = update.filled_cost
    if state is None:
        return OrderState(
            order_id=update.order_id,
            symbol=update.symbol,
            side=update.side,
            order_type=update.order_type,
            quantity=update.quantity,
            limit_price=update.limit_price,
            filled_quantity=filled if filled is not None else _ZERO,
            filled_cost=cost if cost is not None else _ZERO,
            status=update.status,
            client_order_id=update.client_order_id,
            user_ref=update.user_ref,
            updated_at=update.timestamp,
        )
    changes = {
        "symbol": update.symbol,
        "side": update.side,
        "order_type": update.order_type,
        "quantity": update.quantity,
        "limit_price": update.limit_price,
        "filled_quantity": filled,
        "filled_cost": cost,
        "status": update.status,
        "client_order_id": update.client_order_id,
        "user_ref": update.user_ref,
        "updated_at": update.timestamp,
    }
    return msgspec.structs.replace(state, **{k: v for k, v in changes.items() if v is not None})


@dataclass(slots=True)
class Checkpoint:
    """The account state when a feed was interrupted."""

    reason: ReconcileReason
    orders: dict[str, OrderState] = field(default_factory=dict)
    balances: dict[str, Decimal] = field(default_factory=dict)


class OrderTracker:
    """Open orders by id, merged from updates; fills seen, by exec id."""

    def __init__(self) -> None:
        self.open: dict[str, OrderState] = {}
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.checkpoint: Checkpoint | None = None
        self.fills_checkpoint: ReconcileReason | None = None  # of a separate trades feed

    def apply(self, update: OrderUpdate) -> OrderState:
        """Fold one update in; returns the order's state after it."""
        state = _merged(self.open.get(update.order_id), update)
        if update.fill is not None:
            self._remember(update.fill)
        if state.status in CLOSED_ORDER_STATUSES or update.exec_type in CLOSED_ORDER_STATUSES:
            self.open.pop(update.order_id, None)
        else:
            self.open[update.order_id] = state
        return state

    def replace(self, updates: Iterable[OrderUpdate]) -> list[Fill]:
        """Take a snapshot as the whole truth; returns the snapshot's fills not seen before."""
        self.open.clear()
        new_fills = []
        for update in updates:
            if update.fill is not None and _fill_key(update.fill) not in self._seen:
                new_fills.append(update.fill)
            if update.fill is not None and update.exec_type == "trade":
                self._remember(update.fill)
                continue  # a snapshot trade is history, not an open order
            self.apply(update)
        return new_fills

    def record_fills(self, fills: Iterable[Fill]) -> list[Fill]:
        """Remember fills reported on their own (a venue with a separate trades feed);
        returns those not seen before."""
        new_fills = [fill for fill in fills if _fill_key(fill) not in self._seen]
        for fill in new_fills:
            self._remember(fill)
        return new_fills

    def interrupt(self, reason: ReconcileReason) -> None:
        """Remember the state at an interruption (the first one counts until reconciled)."""
        if self.checkpoint is None:
            self.checkpoint = Checkpoint(reason, dict(self.open))

    def interrupt_fills(self, reason: ReconcileReason) -> None:
        """A separate trades feed was interrupted (the first one counts until reconciled)."""
        if self.fills_checkpoint is None:
            self.fills_checkpoint = reason

    def _remember(self, fill: Fill) -> None:
        self._seen[_fill_key(fill)] = None
        if len(self._seen) > _SEEN_FILLS:
            self._seen.popitem(last=False)


class BalanceTracker:
    """Each asset's balance, from snapshots, ledger entries (a change and the balance after
    it) and absolute updates (a venue that pushes an asset's balance itself, not a change)."""

    def __init__(self) -> None:
        self.balances: dict[str, Decimal] = {}
        self.checkpoint: Checkpoint | None = None

    def replace(self, balances: Iterable[Balance]) -> None:
        self.balances = {b.asset: b.balance for b in balances}

    def apply(self, entry: LedgerEntry) -> None:
        self.balances[entry.asset] = entry.balance

    def set(self, balance: Balance) -> None:
        """An absolute update: ``balance`` is the asset's balance now."""
        self.balances[balance.asset] = balance.balance

    def interrupt(self, reason: ReconcileReason) -> None:
        if self.checkpoint is None:
            self.checkpoint = Checkpoint(reason, balances=dict(self.balances))


def reconcile_orders(
    tracker: OrderTracker, new_fills: list[Fill], channel: str
) -> Reconciliation | None:
    """Compare the checkpoint with the state after the fresh snapshot of ``channel`` (and
    clear it)."""
    checkpoint, tracker.checkpoint = tracker.checkpoint, None
    if checkpoint is None:
        return None
    before, after = checkpoint.orders, tracker.open
    return Reconciliation(
        channel=channel,
        reason=checkpoint.reason,
        opened=tuple(after[k] for k in after if k not in before),
        closed=tuple(before[k] for k in before if k not in after),
        changed=tuple(
            (before[k], after[k]) for k in before if k in after and _moved(before[k], after[k])
        ),
        fills=tuple(new_fills),
    )


def reconcile_fills(
    tracker: OrderTracker, snapshot: Iterable[Fill], channel: str
) -> Reconciliation | None:
    """A separate trades feed's fresh snapshot: the fills it holds that were not seen before
    its interruption (``None`` if it was not interrupted)."""
    new_fills = tracker.record_fills(snapshot)
    reason, tracker.fills_checkpoint = tracker.fills_checkpoint, None
    if reason is None:
        return None
    return Reconciliation(channel=channel, reason=reason, fills=tuple(new_fills))


def reconcile_balances(tracker: BalanceTracker, channel: str) -> Reconciliation | None:
    checkpoint, tracker.checkpoint = tracker.checkpoint, None
    if checkpoint is None:
        return None
    before, after = checkpoint.balances, tracker.balances
    changes = tuple(
        BalanceChange(asset, before.get(asset), after.get(asset))
        for asset in sorted(before.keys() | after.keys())
        if before.get(asset) != after.get(asset)
    )
    return Reconciliation(channel=channel, reason=checkpoint.reason, balances=changes)


def _moved(before: OrderState, after: OrderState) -> bool:
    return (
        before.filled_quantity != after.filled_quantity
        or before.quantity != after.quantity
        or before.limit_price != after.limit_price
        or before.status != after.status
    )
