"""Money of the matching engine: what an order holds, what a fill costs, the ledger it writes.

Fees are the spec's first tier: 0.26 % taker, 0.16 % maker, taken in the quote asset unless the
order prefers the base asset. Costs round half-even to the asset's precision; fees and holds
round up. A buy holds its quote (cost plus the taker fee at its reckoning price), a sell its
base; a fill releases what the rest of the order no longer needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from spotstream.simulator.market.instruments import InstrumentSpec
from spotstream.simulator.matching.accounts import Account, LedgerRecord, ceil, from_units, quantize
from spotstream.simulator.matching.orders import IdGenerator, Liquidity, Order, OrderFill

TAKER_FEE = Decimal("0.0026")
MAKER_FEE = Decimal("0.0016")
ZERO = Decimal(0)


class Funds:
    """Holds and fill settlement for the instruments of one market."""

    def __init__(self, instruments: Mapping[str, InstrumentSpec], ids: IdGenerator) -> None:
        self.instruments = instruments
        self.ids = ids

    def hold_asset(self, order: Order) -> str:
        spec = self.instruments[order.symbol]
        return spec.quote if order.side == "buy" else spec.base

    def hold_for(self, account: Account, order: Order, qty: int, price: int) -> Decimal:
        """What ``qty`` of ``order`` needs reserved if it trades at ``price`` as a taker."""
        spec = self.instruments[order.symbol]
        if order.side == "buy":
            cost = from_units(price * qty, spec.price_precision + spec.qty_precision)
            if order.cash_qty is not None and not order.qty:
                cost = order.cash_qty
            rate = ZERO if order.fee_in_base else TAKER_FEE
            return ceil(cost * (1 + rate), account.precision(spec.quote))
        amount = from_units(qty, spec.qty_precision)
        rate = TAKER_FEE if order.fee_in_base else ZERO
        return ceil(amount * (1 + rate), account.precision(spec.base))

    def set_hold(self, account: Account, order: Order, amount: Decimal) -> None:
        account.hold(self.hold_asset(order), amount - order.hold)
        order.hold = amount

    def rehold(self, account: Account, order: Order) -> None:
        """Reserve what the rest of ``order`` needs at its reckoning price."""
        self.set_hold(
            account, order, self.hold_for(account, order, order.remaining, order.hold_price)
        )

    def _trade(
        self, account: Account, order: Order, qty: int, price: int, liquidity: Liquidity
    ) -> tuple[Decimal, Decimal, Decimal, str]:
        """(base amount, quote cost, fee, fee asset) of a fill."""
        spec = self.instruments[order.symbol]
        base = from_units(qty, spec.qty_precision)
        exact = from_units(price * qty, spec.price_precision + spec.qty_precision)
        cost = quantize(exact, account.precision(spec.quote))
        rate = TAKER_FEE if liquidity == "t" else MAKER_FEE
        if order.fee_in_base:
            return base, cost, ceil(base * rate, account.precision(spec.base)), spec.base
        return base, cost, ceil(cost * rate, account.precision(spec.quote)), spec.quote

    def affordable(
        self, account: Account, order: Order, qty: int, price: int, liquidity: Liquidity
    ) -> bool:
        """Whether the account can pay for this fill from what is free plus what the fill
        releases of the order's hold."""
        base, cost, fee, fee_asset = self._trade(account, order, qty, price, liquidity)
        spend = cost if order.side == "buy" else base
        asset = self.hold_asset(order)
        if fee_asset == asset:
            spend += fee
        after = self.hold_for(account, order, order.remaining - qty, order.hold_price)
        return account.available(asset) + order.hold - after >= spend

    def settle(
        self,
        account: Account,
        order: Order,
        qty: int,
        price: int,
        liquidity: Liquidity,
        trade_id: int,
        now_ns: int,
    ) -> tuple[OrderFill, list[LedgerRecord]]:
        """Book one fill: balances, the order's totals and hold; the fill and its two ledger
        entries (base leg first, both referring to the fill's ``exec_id``)."""
        spec = self.instruments[order.symbol]
        base, cost, fee, fee_asset = self._trade(account, order, qty, price, liquidity)
        exec_id = self.ids.exec_id()
        fill = OrderFill(exec_id, trade_id, qty, price, cost, fee, fee_asset, liquidity, now_ns)
        sign = 1 if order.side == "buy" else -1
        entries = []
        for asset, amount in ((spec.base, sign * base), (spec.quote, -sign * cost)):
            taken = fee if asset == fee_asset else ZERO
            balance = account.post(asset, amount, taken)
            ledger_id = self.ids.ledger_id()
            entries.append(LedgerRecord(ledger_id, exec_id, now_ns, asset, amount, taken, balance))
        order.filled += qty
        order.cum_cost += cost
        order.fees += fee
        self.rehold(account, order)
        return fill, entries
