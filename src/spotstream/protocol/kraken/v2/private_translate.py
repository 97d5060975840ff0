"""Kraken v2 private wire models → the user-facing models of :mod:`spotstream.models.orders`."""

from __future__ import annotations

from datetime import datetime

from spotstream.models.enums import OrderSide
from spotstream.models.orders import (
    AmendedOrder,
    Balance,
    CancelAfter,
    CancelledOrder,
    EditedOrder,
    Fee,
    Fill,
    LedgerEntry,
    OrderUpdate,
    PlacedOrder,
    Wallet,
)
from spotstream.protocol.kraken.v2 import private_wire as pw
from spotstream.protocol.kraken.v2 import trading_wire as tw

_SIDES = {"buy": OrderSide.BUY, "sell": OrderSide.SELL}
_MAKER = {"m": True, "t": False}


def order_update(report: pw.ExecutionReport) -> OrderUpdate:
    side = _SIDES[report.side] if report.side is not None else None
    return OrderUpdate(
        order_id=report.order_id,
        exec_type=report.exec_type,
        status=report.order_status,
        symbol=report.symbol,
        side=side,
        order_type=report.order_type,
        quantity=report.order_qty,
        limit_price=report.limit_price,
        filled_quantity=report.cum_qty,
        filled_cost=report.cum_cost,
        average_price=report.avg_price,
        client_order_id=report.cl_ord_id,
        user_ref=report.order_userref,
        time_in_force=report.time_in_force,
        reason=report.reason if report.reason is not None else report.cancel_reason,
        timestamp=report.timestamp,
        fill=fill(report, side),
        ratecount=report.ratecount,
        report=report,
    )


def fill(report: pw.ExecutionReport, side: OrderSide | None) -> Fill | None:
    """The trade a report carries, if it carries one."""
    if report.last_qty is None or report.last_price is None:
        return None
    fees = tuple(Fee(f.asset, f.qty) for f in report.fees or ())
    maker = _MAKER[report.liquidity_ind] if report.liquidity_ind is not None else None
    return Fill(
        order_id=report.order_id,
        trade_id=report.trade_id,
        exec_id=report.exec_id,
        symbol=report.symbol,
        side=side,
        quantity=report.last_qty,
        price=report.last_price,
        cost=report.cost,
        fees=fees,
        maker=maker,
        timestamp=report.timestamp,
    )


def balance(entry: pw.BalanceWire) -> Balance:
    wallets = tuple(Wallet(w.type, w.id, w.balance) for w in entry.wallets)
    return Balance(entry.asset, entry.balance, wallets, entry.asset_class)


def ledger(entry: pw.LedgerWire) -> LedgerEntry:
    return LedgerEntry(
        ledger_id=entry.ledger_id,
        ref_id=entry.ref_id,
        timestamp=entry.timestamp,
        type=entry.type,
        asset=entry.asset,
        amount=entry.amount,
        fee=entry.fee,
        balance=entry.balance,
        category=entry.category,
        wallet_type=entry.wallet_type,
        wallet_id=entry.wallet_id,
        entry=entry,
    )


def placed(result: tw.AddOrderResult) -> PlacedOrder:
    return PlacedOrder(
        result.order_id, result.cl_ord_id, result.order_userref, tuple(result.warnings or ())
    )


def amended(result: tw.AmendOrderResult) -> AmendedOrder:
    return AmendedOrder(
        result.amend_id, result.order_id, result.cl_ord_id, tuple(result.warnings or ())
    )


def edited(result: tw.EditOrderResult) -> EditedOrder:
    return EditedOrder(result.order_id, result.original_order_id, tuple(result.warnings or ()))


def cancelled(result: tw.CancelOrderResult) -> CancelledOrder:
    return CancelledOrder(result.order_id, result.cl_ord_id, tuple(result.warnings or ()))


def cancel_after(result: tw.CancelAllOrdersAfterResult) -> CancelAfter:
    trigger: datetime | None = None
    if result.trigger_time not in ("", "0"):
        trigger = datetime.fromisoformat(result.trigger_time.replace("Z", "+00:00"))
    return CancelAfter(result.current_time, trigger)
