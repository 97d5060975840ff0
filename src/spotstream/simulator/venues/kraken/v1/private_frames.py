"""Kraken v1 private frames (spec §7, §8): ``openOrders`` order objects, ``ownTrades`` trades.

A private message is ``[[{id: object}, ...], channelName, {"sequence": N}]``. The objects follow
the captured 2023 messages (kraken-async-rs' fixtures): a full order, keys in alphabetical
order, on the snapshot and on ``pending``; then small updates: ``{"status":"open",
"userref":0}`` when it opens, ``vol_exec``/``cost``/``fee``/``avg_price`` on each fill, and on
closing ``lastupdated`` and ``status`` (``closed``, ``canceled`` with ``cancel_reason``,
``expired``) with the totals. Quote amounts (prices, costs, fees, average prices) have the
pair's v1 price width, volumes its volume width (:mod:`.numbers`); times are epoch strings;
absent times and references are ``null``, as captured. Decisions (UNCONFIRMED): an order
changed in place (an amend over v2, the engine's restatement) is sent whole, with
``"amended": true``; a trigger firing is ``{"misc": "touched", ...}``; an iceberg's refill
``display_volume_remain``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from spotstream.simulator.market.instruments import InstrumentSpec
from spotstream.simulator.matching.orders import ExecutionEvent, Order, OrderFill
from spotstream.simulator.venues.kraken.v1.frames import encode, sorted_object
from spotstream.simulator.venues.kraken.v1.numbers import V1Numbers, epoch_text

STATUS_WORDS = {
    "pending_new": "pending",
    "new": "open",
    "partially_filled": "open",
    "filled": "closed",
    "canceled": "canceled",
    "expired": "expired",
}
POSITION_ID = "TKH2SE-M7IF5-CFI7LT"  # what live Kraken puts in every spot trade's postxid
TRIGGERED_LIMITS = frozenset({"stop-loss-limit", "take-profit-limit", "trailing-stop-limit"})
ZERO = Decimal(0)


class V1ReportWriter:
    """The v1 objects of one market's orders and fills."""

    def __init__(
        self,
        instruments: dict[str, InstrumentSpec],
        numbers: dict[str, V1Numbers],
        names: dict[str, str],
    ) -> None:
        self.instruments = instruments
        self.numbers = numbers
        self.names = names

    # --- openOrders ---------------------------------------------------------------------------

    def order(self, order: Order, status: str | None = None) -> dict[str, Any]:
        """Everything about an order (a snapshot entry, or a new order while pending)."""
        numbers, name = self.numbers[order.symbol], self.names[order.symbol]
        zero = numbers.quote(ZERO)
        limit, trigger = order.limit_price, order.trigger
        price = trigger.price if trigger is not None else limit
        price2 = limit if trigger is not None and order.order_type in TRIGGERED_LIMITS else None
        if price2 is not None:
            price2_text = numbers.price(price2)
        elif order.limit_offset is not None:  # a limit relative to the trigger, as requested
            price2_text = numbers.quote(order.limit_offset)
        else:
            price2_text = zero
        descr = {
            "close": None,
            "leverage": None,
            "order": self.description(order),
            "ordertype": order.order_type,
            "pair": name,
            "price": numbers.price(price) if price is not None else zero,
            "price2": price2_text,
            "type": order.side,
        }
        out: dict[str, Any] = {"avg_price": self._average(order)}
        if order.cl_ord_id is not None:
            out["cl_ord_id"] = order.cl_ord_id
        out |= {
            "cost": numbers.quote(order.cum_cost),
            "descr": descr,
            "expiretm": _time(order.expire_ns),
            "fee": self._fee(order, order.fees),
            "limitprice": numbers.price(price2) if price2 is not None else zero,
            "misc": "",
            "oflags": self.oflags(order),
            "opentm": epoch_text(order.created_ns),
            "refid": None,
            "starttm": _time(order.effective_ns),
            "status": status or STATUS_WORDS[order.status],
            "stopprice": numbers.price(trigger.price) if trigger is not None else zero,
            "timeinforce": order.time_in_force.upper(),
            "userref": order.order_userref or 0,
            "vol": numbers.volume(order.qty),
            "vol_exec": numbers.volume(order.filled),
        }
        return out

    def order_update(self, event: ExecutionEvent) -> dict[str, Any] | None:
        """What ``openOrders`` sends for one event (``None``: nothing)."""
        order, kind = event.order, event.exec_type
        userref = order.order_userref or 0
        if kind == "pending_new":
            return self.order(order, "pending")
        if kind == "new":
            return {"status": "open", "userref": userref}
        if kind == "trade":
            return {**self._totals(order), "userref": userref}
        if kind in ("filled", "canceled", "expired"):
            out = {
                "lastupdated": epoch_text(event.time_ns),
                "status": STATUS_WORDS[kind],
                **self._totals(order),
                "userref": userref,
            }
            if kind == "canceled" and event.reason is not None:
                out["cancel_reason"] = event.reason
            return out
        if kind in ("amended", "restated"):
            return sorted_object({**self.order(order), "amended": True})
        if kind == "status":
            return {"misc": "touched", "status": "open", "userref": userref}
        if kind == "iceberg_refill":
            remain = self.numbers[order.symbol].volume(order.visible)
            return {"display_volume_remain": remain, "userref": userref}
        return None

    def _totals(self, order: Order) -> dict[str, str]:
        return {
            "vol_exec": self.numbers[order.symbol].volume(order.filled),
            "cost": self.numbers[order.symbol].quote(order.cum_cost),
            "fee": self._fee(order, order.fees),
            "avg_price": self._average(order),
        }

    def _average(self, order: Order) -> str:
        spec = self.instruments[order.symbol]
        average = order.cum_cost.scaleb(spec.qty_precision) / order.filled if order.filled else ZERO
        return self.numbers[order.symbol].quote(average)

    def _fee(self, order: Order, fee: Decimal) -> str:
        numbers = self.numbers[order.symbol]
        return numbers.base(fee) if order.fee_in_base else numbers.quote(fee)

    def oflags(self, order: Order) -> str:
        flags = ["fcib" if order.fee_in_base else "fciq"]
        if order.post_only:
            flags.append("post")
        return ",".join(flags)

    def description(self, order: Order) -> str:
        """``descr.order``: ``buy 1.00000000 XBT/USD @ limit 25000.00000``."""
        numbers = self.numbers[order.symbol]
        head = f"{order.side} {numbers.volume(order.qty)} {self.names[order.symbol]} @ "
        kind = order.order_type.replace("-", " ")
        trigger, limit = order.trigger, order.limit_price
        if trigger is not None:
            text = f"{head}{kind.removesuffix(' limit')} {numbers.price(trigger.price)}"
            if order.order_type in TRIGGERED_LIMITS and limit is not None:
                text += f" -> limit {numbers.price(limit)}"
            return text
        if limit is None:
            return f"{head}{kind}"
        return f"{head}{kind} {numbers.price(limit)}"

    # --- ownTrades ----------------------------------------------------------------------------

    def trade(self, order: Order, fills: list[OrderFill], update: bool) -> dict[str, Any]:
        """One trade of ``order``: one fill, or several of one taker order consolidated (their
        volume and cost summed, the price their volume-weighted average, the first fill's id
        and the last's time). ``update``: a live trade (carries the order's references), not a
        snapshot."""
        numbers = self.numbers[order.symbol]
        spec = self.instruments[order.symbol]
        qty = sum(fill.qty for fill in fills)
        cost = sum((fill.cost for fill in fills), ZERO)
        fee = sum((fill.fee for fill in fills), ZERO)
        out: dict[str, Any] = {}
        if update and order.cl_ord_id is not None:
            out["cl_ord_id"] = order.cl_ord_id
        out |= {
            "cost": numbers.quote(cost),
            "fee": numbers.base(fee) if fills[0].fee_asset == spec.base else numbers.quote(fee),
            "margin": numbers.quote(ZERO),
            "ordertxid": order.order_id,
            "ordertype": order.order_type,
            "pair": self.names[order.symbol],
            "postxid": POSITION_ID,
            "price": self._price(order, fills),
            "time": epoch_text(fills[-1].time_ns),
            "type": order.side,
        }
        if update and order.order_userref:
            out["userref"] = order.order_userref
        out["vol"] = numbers.volume(qty)
        return out

    def _price(self, order: Order, fills: list[OrderFill]) -> str:
        numbers = self.numbers[order.symbol]
        if len(fills) == 1:
            return numbers.price(fills[0].price)  # exactly the trade's price
        notional = sum(fill.price * fill.qty for fill in fills)
        average = Decimal(notional) / sum(fill.qty for fill in fills)
        return numbers.quote(average.scaleb(-self.instruments[order.symbol].price_precision))


def _time(ns: int | None) -> str | None:
    return epoch_text(ns) if ns is not None else None


def private_message(
    entries: list[tuple[str, dict[str, Any]]], channel: str, sequence: int
) -> bytes:
    """``[[{id: object}, ...], channel, {"sequence": N}]``."""
    return encode([[{key: value} for key, value in entries], channel, {"sequence": sequence}])
