"""Kraken v2 private frames (spec §7, §8): execution reports, balances, trading responses.

Built from the client's wire models (:mod:`spotstream.protocol.kraken.v2.private_wire`) and
written by the simulator's :data:`~spotstream.simulator.framing.ENCODER`, so the two sides
cannot drift apart. Which fields a report carries follows the captured messages: a full
``pending_new``, a minimal ``new``, ``trade`` with the fill, ``canceled`` with ``reason`` and
the deprecated ``cancel_reason``. Prices and quantities use the pair's precisions, costs its
``cost_precision``, fees and balances the asset's precision.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from decimal import Decimal

import msgspec

from spotstream.protocol.kraken.v2 import private_wire as pw
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.protocol.kraken.v2.wire import MessageType
from spotstream.simulator.framing import (
    ENCODER,
    NumberStyle,
    PairNumbers,
    WireDecimal,
    amount,
    number,
    rfc3339,
    timestamp,
)
from spotstream.simulator.market.instruments import InstrumentSpec
from spotstream.simulator.matching.accounts import Account, LedgerRecord, quantize
from spotstream.simulator.matching.orders import ExecutionEvent, Order, OrderFill, Trigger

# What the executions ack warns about (captured live): the deprecated fields we still send.
EXECUTIONS_WARNINGS = [
    "cancel_reason is deprecated, use reason",
    "stop_price is deprecated, use triggers.price",
    "trigger is deprecated use triggers.reference",
    "triggered_price is deprecated use triggers.last_price",
]
USD = "USD"

UsdValue = Callable[[str, Decimal], Decimal]  # (asset, amount) -> its value in USD


def money(value: Decimal, places: int, style: NumberStyle) -> WireDecimal:
    """A Decimal amount written with ``places`` decimals (``fixed``) or trimmed."""
    return number(int(quantize(value, places).scaleb(places)), places, style)


def whole_second(ns: int) -> str:
    """RFC 3339 to the second, as ``cancel_all_orders_after`` writes its times."""
    return rfc3339(ns)[:19] + "Z"


class ReportWriter:
    """Execution reports and ledger entries of one market, in one number style."""

    def __init__(
        self,
        instruments: dict[str, InstrumentSpec],
        numbers: dict[str, PairNumbers],
        style: NumberStyle,
        usd: UsdValue,
    ) -> None:
        self.instruments = instruments
        self.numbers = numbers
        self.style: NumberStyle = style
        self.usd = usd

    # --- execution reports ----------------------------------------------------------------------

    def report(self, event: ExecutionEvent, account: Account) -> pw.ExecutionReport:
        """The report of one event (what fields it carries depends on ``exec_type``)."""
        kind, order = event.exec_type, event.order
        if kind == "pending_new":
            return self.full(order, account, kind, event.time_ns)
        report = pw.ExecutionReport(
            order_id=order.order_id,
            exec_type=kind,
            order_status=order.status,
            cl_ord_id=order.cl_ord_id,
            order_userref=order.order_userref or 0,
            timestamp=timestamp(event.time_ns),
        )
        if kind == "trade" and event.fill is not None:
            self._fill(report, order, event.fill, account)
        elif kind in ("filled", "canceled", "expired"):
            self._totals(report, order, account)
            report.reason = report.cancel_reason = event.reason
        elif kind in ("amended", "restated"):
            self._amended(report, order, account)
            report.amended = kind == "amended" or None
            report.reason = event.reason
        elif kind == "iceberg_refill":
            numbers = self.numbers[order.symbol]
            report.display_qty = numbers.qty_number(order.display_qty or 0)
            report.display_qty_remain = numbers.qty_number(order.visible)
        elif kind == "status":
            self._triggered(report, order)
        return report

    def full(self, order: Order, account: Account, kind: str, now_ns: int) -> pw.ExecutionReport:
        """Everything about an order (``pending_new``, and open orders in a snapshot)."""
        numbers = self.numbers[order.symbol]
        report = pw.ExecutionReport(
            order_id=order.order_id,
            exec_type=kind,
            order_status=order.status,
            cl_ord_id=order.cl_ord_id,
            order_userref=order.order_userref or 0,
            symbol=order.symbol,
            side=order.side,
            order_type=order.order_type,
            order_qty=numbers.qty_number(order.qty),
            time_in_force=order.time_in_force.upper(),
            fee_ccy_pref="fcib" if order.fee_in_base else "fciq",
            timestamp=timestamp(now_ns),
            sender_sub_id=order.sender_sub_id,
        )
        self._totals(report, order, account)
        if order.cash_qty is not None:
            spec = self.instruments[order.symbol]
            report.cash_order_qty = money(order.cash_qty, spec.cost_precision, self.style)
        self._prices(report, order)
        self._deprecated(report, order)
        if order.display_qty is not None:
            report.display_qty = numbers.qty_number(order.display_qty)
        report.post_only = order.post_only or None
        if order.expire_ns is not None:
            report.expire_time = timestamp(order.expire_ns)
        if order.effective_ns is not None:
            report.effective_time = timestamp(order.effective_ns)
        if order.conditional is not None:
            report.contingent = _contingent(order)
        return report

    def snapshot_trade(self, order: Order, fill: OrderFill, account: Account) -> pw.ExecutionReport:
        report = pw.ExecutionReport(
            order_id=order.order_id,
            exec_type="trade",
            order_status=order.status,
            cl_ord_id=order.cl_ord_id,
            order_userref=order.order_userref or 0,
            timestamp=timestamp(fill.time_ns),
        )
        self._fill(report, order, fill, account)
        return report

    def _prices(self, report: pw.ExecutionReport, order: Order) -> None:
        numbers = self.numbers[order.symbol]
        if order.limit_price is not None:
            report.limit_price = numbers.price_number(order.limit_price)
            report.limit_price_type = "static"
        elif order.limit_offset is not None:
            report.limit_price = amount(order.limit_offset)
            report.limit_price_type = order.limit_price_type
        if order.trigger is not None:
            report.triggers = self._triggers(order, order.trigger)

    def _deprecated(self, report: pw.ExecutionReport, order: Order) -> None:
        """The deprecated trigger fields Kraken still sends on full reports."""
        price, trigger = self.numbers[order.symbol].price_number, order.trigger
        report.stop_price = price(trigger.price if trigger is not None else 0)
        report.trigger = trigger.reference if trigger is not None else None

    def _triggers(self, order: Order, trigger: Trigger) -> pw.TriggersWire:
        price = self.numbers[order.symbol].price_number
        triggered = trigger.triggered_ns is not None
        return pw.TriggersWire(
            reference=trigger.reference,
            price=amount(trigger.offset),
            price_type=trigger.price_type,
            actual_price=price(trigger.price),
            peak_price=price(trigger.peak) if trigger.peak is not None else None,
            last_price=price(trigger.last) if trigger.last is not None else None,
            status="triggered" if triggered else "untriggered",
            timestamp=timestamp(trigger.triggered_ns) if trigger.triggered_ns else None,
        )

    def _triggered(self, report: pw.ExecutionReport, order: Order) -> None:
        numbers = self.numbers[order.symbol]
        if order.trigger is not None:
            report.triggers = self._triggers(order, order.trigger)
            if order.trigger.last is not None:
                report.triggered_price = numbers.price_number(order.trigger.last)
        if order.limit_price is not None:
            report.limit_price = numbers.price_number(order.limit_price)

    def _totals(self, report: pw.ExecutionReport, order: Order, account: Account) -> None:
        spec = self.instruments[order.symbol]
        self._cumulative(report, order, spec)
        fee_asset = spec.base if order.fee_in_base else spec.quote
        report.fee_usd_equiv = self._usd(fee_asset, order.fees, account)

    def _fill(
        self, report: pw.ExecutionReport, order: Order, fill: OrderFill, account: Account
    ) -> None:
        spec, numbers = self.instruments[order.symbol], self.numbers[order.symbol]
        report.exec_id = fill.exec_id
        report.trade_id = fill.trade_id
        report.symbol = order.symbol
        report.side = order.side
        report.order_type = order.order_type
        report.last_qty = numbers.qty_number(fill.qty)
        report.last_price = numbers.price_number(fill.price)
        report.liquidity_ind = fill.liquidity
        report.cost = money(fill.cost, spec.cost_precision, self.style)
        fee = money(fill.fee, account.precision(fill.fee_asset), self.style)
        report.fees = [pw.FeeWire(fill.fee_asset, fee)]
        report.fee_usd_equiv = self._usd(fill.fee_asset, fill.fee, account)
        self._cumulative(report, order, spec)

    def _cumulative(self, report: pw.ExecutionReport, order: Order, spec: InstrumentSpec) -> None:
        report.cum_qty = self.numbers[order.symbol].qty_number(order.filled)
        report.cum_cost = money(order.cum_cost, spec.cost_precision, self.style)
        average = order.cum_cost.scaleb(spec.qty_precision) / order.filled if order.filled else 0
        report.avg_price = money(Decimal(average), spec.price_precision, self.style)

    def _amended(self, report: pw.ExecutionReport, order: Order, account: Account) -> None:
        numbers = self.numbers[order.symbol]
        report.amended = True
        report.order_qty = numbers.qty_number(order.qty)
        report.cum_qty = numbers.qty_number(order.filled)
        if order.display_qty is not None:
            report.display_qty = numbers.qty_number(order.display_qty)
        self._prices(report, order)

    def _usd(self, asset: str, value: Decimal, account: Account) -> WireDecimal:
        return money(self.usd(asset, value), account.precision(USD), self.style)

    # --- balances -------------------------------------------------------------------------------

    def balances(self, account: Account) -> list[pw.BalanceWire]:
        """The snapshot entries: every asset the account has, its spot wallet only."""
        entries = []
        for asset in sorted(account.balances):
            value = money(account.balance(asset), account.precision(asset), self.style)
            wallet = pw.WalletWire("spot", "main", value)
            entries.append(pw.BalanceWire(asset, value, "currency", [wallet]))
        return entries

    def ledger(self, entry: LedgerRecord, account: Account) -> pw.LedgerWire:
        places = account.precision(entry.asset)
        return pw.LedgerWire(
            ledger_id=entry.ledger_id,
            ref_id=entry.ref_id,
            timestamp=timestamp(entry.time_ns),
            type=entry.type,
            asset=entry.asset,
            amount=money(entry.amount, places, self.style),
            fee=money(entry.fee, places, self.style),
            balance=money(entry.balance, places, self.style),
            asset_class="currency",
            category=entry.category,
            wallet_type="spot",
            wallet_id="main",
        )


def _contingent(order: Order) -> pw.ContingentWire:
    conditional = order.conditional
    assert conditional is not None
    limit, trigger = conditional.limit_price, conditional.trigger_price
    return pw.ContingentWire(
        order_type=conditional.order_type,
        trigger_price=amount(trigger) if trigger is not None else None,
        trigger_price_type=conditional.trigger_price_type if trigger is not None else None,
        limit_price=amount(limit) if limit is not None else None,
        limit_price_type=conditional.limit_price_type if limit is not None else None,
    )


# --- messages ---------------------------------------------------------------------------------


def executions(kind: MessageType, reports: list[pw.ExecutionReport], sequence: int) -> bytes:
    return ENCODER.encode(pw.ExecutionsMessage(type=kind, data=reports, sequence=sequence))


def balances(kind: MessageType, entries: Iterable[msgspec.Struct], sequence: int) -> bytes:
    data = msgspec.Raw(ENCODER.encode(list(entries)))
    return ENCODER.encode(pw.BalancesMessage(type=kind, data=data, sequence=sequence))


def response(
    method: str,
    req_id: int | None,
    result: object,
    time_in: int,
    time_out: int,
    *,
    orders_cancelled: int | None = None,
) -> bytes:
    """A successful trading response; ``result`` (a Struct or a list of them) or, for
    batch_cancel as captured, only ``orders_cancelled``."""
    answer = tw.TradingResponse(
        method, req_id, success=True, time_in=timestamp(time_in), time_out=timestamp(time_out)
    )
    if result is not None:  # an empty Raw would be written as nothing: leave it out instead
        answer.result = msgspec.Raw(ENCODER.encode(result))
    answer.orders_cancelled = orders_cancelled
    return ENCODER.encode(answer)


def cancel_after_result(current_ns: int, trigger_ns: int | None) -> tw.CancelAllOrdersAfterResult:
    current = timestamp(current_ns)
    current.text = whole_second(current_ns)
    trigger = whole_second(trigger_ns) if trigger_ns is not None else "0"
    return tw.CancelAllOrdersAfterResult(current_time=current, trigger_time=trigger)
