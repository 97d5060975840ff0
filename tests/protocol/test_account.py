"""Account state from the private feeds, and reconciliation after an interruption."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from spotstream.models.market import OrderSide
from spotstream.models.orders import (
    Balance,
    BalanceChange,
    Fill,
    LedgerEntry,
    OrderUpdate,
    ReconcileReason,
)
from spotstream.protocol.account import (
    BalanceTracker,
    OrderTracker,
    reconcile_balances,
    reconcile_fills,
    reconcile_orders,
)

NOW = datetime(2024, 1, 1, tzinfo=UTC)


def update(order_id: str, exec_type: str, status: str | None, **fields: Any) -> OrderUpdate:
    values: dict[str, Any] = {
        "order_id": order_id,
        "exec_type": exec_type,
        "status": status,
        "symbol": None,
        "side": None,
        "order_type": None,
        "quantity": None,
        "limit_price": None,
        "filled_quantity": None,
        "filled_cost": None,
        "average_price": None,
        "client_order_id": None,
        "user_ref": None,
        "time_in_force": None,
        "reason": None,
        "timestamp": NOW,
        "fill": None,
        "ratecount": None,
    }
    values.update(fields)
    return OrderUpdate(**values)


def fill(order_id: str, exec_id: str, qty: str) -> Fill:
    return Fill(
        order_id,
        1,
        exec_id,
        "BTC/USD",
        OrderSide.BUY,
        Decimal(qty),
        Decimal("100"),
        None,
        (),
        True,
        NOW,
    )


def test_updates_merge_into_the_order_and_closed_orders_leave() -> None:
    tracker = OrderTracker()
    tracker.apply(
        update(
            "O1",
            "pending_new",
            "pending_new",
            symbol="BTC/USD",
            side=OrderSide.BUY,
            quantity=Decimal("2"),
            limit_price=Decimal("100"),
        )
    )
    state = tracker.apply(update("O1", "new", "new"))  # minimal: keeps what it does not carry
    assert state.symbol == "BTC/USD"
    assert state.quantity == Decimal("2")
    assert state.status == "new"
    state = tracker.apply(
        update(
            "O1",
            "trade",
            "partially_filled",
            filled_quantity=Decimal("0.5"),
            fill=fill("O1", "E1", "0.5"),
        )
    )
    assert state.filled_quantity == Decimal("0.5")
    assert "O1" in tracker.open
    tracker.apply(update("O1", "filled", "filled", filled_quantity=Decimal("2")))
    assert tracker.open == {}


def test_reconciliation_says_what_changed_during_the_gap() -> None:
    tracker = OrderTracker()
    for order_id in ("KEEP", "GONE", "MOVED"):
        tracker.apply(update(order_id, "new", "new", quantity=Decimal("1")))
    tracker.apply(update("KEEP", "trade", "partially_filled", fill=fill("KEEP", "E0", "0.1")))
    tracker.interrupt(ReconcileReason.SEQUENCE_GAP)
    tracker.interrupt(ReconcileReason.RECONNECT)  # the first interruption is the one that counts
    snapshot = [
        update("KEEP", "new", "partially_filled", quantity=Decimal("1")),
        update(
            "MOVED",
            "new",
            "partially_filled",
            quantity=Decimal("1"),
            filled_quantity=Decimal("0.4"),
        ),
        update("NEW", "new", "new", quantity=Decimal("3")),
        update("GONE", "trade", "filled", fill=fill("GONE", "E9", "1")),
        update("KEEP", "trade", "partially_filled", fill=fill("KEEP", "E0", "0.1")),  # seen before
    ]
    fills = tracker.replace(snapshot)
    result = reconcile_orders(tracker, fills, "executions")
    assert result is not None
    assert result.reason is ReconcileReason.SEQUENCE_GAP
    assert [o.order_id for o in result.opened] == ["NEW"]
    assert [o.order_id for o in result.closed] == ["GONE"]
    assert [(a.order_id, b.filled_quantity) for a, b in result.changed] == [
        ("MOVED", Decimal("0.4"))
    ]
    assert [f.exec_id for f in result.fills] == ["E9"]
    assert set(tracker.open) == {"KEEP", "MOVED", "NEW"}
    assert reconcile_orders(tracker, [], "executions") is None  # nothing interrupted since


def test_balance_reconciliation() -> None:
    tracker = BalanceTracker()
    tracker.replace([Balance("USD", Decimal("100")), Balance("BTC", Decimal("1"))])
    tracker.apply(
        LedgerEntry("L1", "T1", NOW, "trade", "USD", Decimal("-10"), Decimal("0"), Decimal("90"))
    )
    assert tracker.balances["USD"] == Decimal("90")
    tracker.interrupt(ReconcileReason.RECONNECT)
    tracker.replace(
        [Balance("USD", Decimal("80")), Balance("ETH", Decimal("2")), Balance("BTC", Decimal("1"))]
    )
    result = reconcile_balances(tracker, "balances")
    assert result is not None
    assert result.balances == (
        BalanceChange("ETH", None, Decimal("2")),
        BalanceChange("USD", Decimal("90"), Decimal("80")),
    )
    assert not result.empty


def test_absolute_updates_set_the_balance_and_reconcile_the_same_way() -> None:
    tracker = BalanceTracker()
    tracker.replace([Balance("USDT", Decimal("100"))])
    tracker.set(Balance("USDT", Decimal("95.5")))  # the balance now, not a change
    tracker.set(Balance("BTC", Decimal("0.1")))
    assert tracker.balances == {"USDT": Decimal("95.5"), "BTC": Decimal("0.1")}
    tracker.interrupt(ReconcileReason.SEQUENCE_GAP)
    tracker.set(Balance("USDT", Decimal("1")))  # after the checkpoint: reconciled below
    tracker.replace([Balance("USDT", Decimal("1")), Balance("BTC", Decimal("0.1"))])
    result = reconcile_balances(tracker, "balances")
    assert result is not None
    assert result.reason is ReconcileReason.SEQUENCE_GAP
    assert result.balances == (BalanceChange("USDT", Decimal("95.5"), Decimal("1")),)


def test_a_separate_trades_feed_reconciles_its_fills() -> None:
    tracker = OrderTracker()
    assert [f.exec_id for f in tracker.record_fills([fill("A", "T1", "1")])] == ["T1"]
    assert reconcile_fills(tracker, [fill("A", "T1", "1")], "ownTrades") is None  # no gap
    tracker.interrupt_fills(ReconcileReason.SEQUENCE_GAP)
    tracker.interrupt_fills(ReconcileReason.RECONNECT)  # the first interruption counts
    snapshot = [fill("A", "T1", "1"), fill("B", "T2", "2"), fill("B", "T3", "0.5")]
    result = reconcile_fills(tracker, snapshot, "ownTrades")
    assert result is not None
    assert (result.channel, result.reason) == ("ownTrades", ReconcileReason.SEQUENCE_GAP)
    assert [f.exec_id for f in result.fills] == ["T2", "T3"]
    assert tracker.open == {}  # a trades snapshot says nothing about open orders
    assert reconcile_fills(tracker, snapshot, "ownTrades") is None  # nothing interrupted since
