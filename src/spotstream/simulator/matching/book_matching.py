"""Matching: orders going live, triggers firing, takers meeting liquidity, the market moving.

Rules of the simulated exchange:

- A taker matches the best price first across resting user orders and the generated book;
  at one price user orders come first (they are ahead of the crowd in the queue). Fills are
  at the resting price; a fill against the generated book is a public trade and consumes the
  level (see :mod:`spotstream.simulator.market.crowd`).
- A resting user order fills (as maker, at its own price) when the market trades at or
  through its price, up to the traded quantity, or when the generated book's other side
  reaches its price (that liquidity is then consumed and published as a trade).
- User orders are not part of the public L2 book; ``resting_orders`` gives them to the L3 feed.
- Triggers follow the last trade price (``index``: the mid price of the book). A triggered
  order is reported with ``exec_type: "status"`` and then executes as a market or limit order.
- An order that cannot pay for a fill (a triggered order whose market ran away from its
  hold) is cancelled with reason ``Insufficient funds``; a market or IOC rest is cancelled
  with ``Insufficient liquidity``; post-only orders that would take with ``Post only order``.
- A ``cash_order_qty`` order gets its base quantity from the book when it executes, told as
  ``exec_type: "restated"`` (an engine amend) before its trades.
"""

from __future__ import annotations

from collections.abc import Callable

from spotstream.simulator.market.crowd import Crowd
from spotstream.simulator.market.state import DeepSide, Market, MarketFill, MarketStep
from spotstream.simulator.market.stats import TapeTrade
from spotstream.simulator.matching import triggers
from spotstream.simulator.matching.accounts import AccountSpec
from spotstream.simulator.matching.order_flow import (
    CallLater,
    Hub,
    OrderFlow,
    acceptable,
    better,
    opposite,
)
from spotstream.simulator.matching.orders import Order, Side, UserBook

CASH_RESTATED = "Order quantity set from cash_order_qty"


class Matcher(OrderFlow[Hub]):
    """Order flow plus matching against the market and its moves."""

    def __init__(
        self,
        market: Market,
        hub: Hub,
        clock: Callable[[], int],
        accounts: tuple[AccountSpec, ...],
        call_later: CallLater,
        flush: Callable[[], None],
        seed: object,
    ) -> None:
        super().__init__(market, hub, clock, accounts, call_later, flush, seed)
        hub.step_listeners.append(self._on_market_step)

    def close(self) -> None:
        super().close()
        if self._on_market_step in self.hub.step_listeners:
            self.hub.step_listeners.remove(self._on_market_step)

    # --- lifecycle ------------------------------------------------------------------------------

    def submit(self, order: Order) -> None:
        """Place a checked order: id, hold, ``pending_new``, then live (or scheduled)."""
        now = self.clock()
        order.order_id = self.ids.order_id()
        self._seq += 1
        order.seq, order.queue_ns = self._seq, now
        order.hold_price = self.reckoning_price(order)
        self.funds.rehold(self.accounts[order.account_id], order)
        self.orders[order.order_id] = order
        self.emit("pending_new", order)
        immediate = order.effective_ns is None and not order.untriggered
        if order.post_only and immediate and self._crosses(order):
            self.close_order(order, "canceled", "Post only order")
            return
        order.status = "new"
        self.emit("new", order)
        if order.expire_ns is not None:
            self.schedule(order.order_id, order.expire_ns, lambda: self._expire(order))
        if order.effective_ns is not None:
            self.schedule(f"{order.order_id}/on", order.effective_ns, lambda: self.activate(order))
        else:
            self.activate(order)

    def activate(self, order: Order) -> None:
        """The order is effective: watch its trigger, or execute it."""
        if not order.is_open:
            return
        order.active = True
        if order.untriggered:
            if self._fires(order):
                self._fire(order)
            else:
                self.watching.setdefault(order.symbol, []).append(order)
            return
        self._execute(order)

    def _expire(self, order: Order) -> None:
        if order.is_open:
            self.close_order(order, "expired")

    def _fires(self, order: Order) -> bool:
        trigger = order.trigger
        assert trigger is not None
        symbol = order.symbol
        price = self.last_price(symbol) if trigger.reference == "last" else self.mid_price(symbol)
        return triggers.check(order, price, self.instruments[symbol])

    def _fire(self, order: Order) -> None:
        trigger = order.trigger
        assert trigger is not None
        trigger.triggered_ns = self.clock()
        watching = self.watching.get(order.symbol, [])
        if order in watching:
            watching.remove(order)
        order.limit_price = triggers.limit_after_trigger(order, self.instruments[order.symbol])
        self.emit("status", order)
        order.hold_price = self.reckoning_price(order)
        self.funds.rehold(self.accounts[order.account_id], order)
        self._execute(order)

    def check_triggers(self, symbol: str) -> None:
        for order in list(self.watching.get(symbol, ())):
            if order.is_open and self._fires(order):
                self._fire(order)

    def _execute(self, order: Order) -> None:
        if order.post_only and self._crosses(order):
            self.close_order(order, "canceled", "Post only order")
            return
        if order.cash_qty is not None and not order.qty:
            order.qty, order.hold_price = self._cash_walk(order)
            self.funds.rehold(self.accounts[order.account_id], order)
            if not order.qty:
                self.close_order(order, "canceled", "Insufficient liquidity")
                return
            self.emit("restated", order, reason=CASH_RESTATED)  # the engine set its quantity
        self._take(order)
        if not order.is_open:
            return
        if order.limit_price is None or order.time_in_force == "ioc":
            self.close_order(order, "canceled", "Insufficient liquidity")
        else:
            self.rest(order)

    # --- prices ---------------------------------------------------------------------------------

    def reckoning_price(self, order: Order) -> int:
        """The price a new or triggered order's hold is reckoned at: its limit, its trigger,
        or (market orders) the worst level its quantity would reach now."""
        if order.limit_price is not None:
            return order.limit_price
        if order.untriggered:
            assert order.trigger is not None
            limit = triggers.limit_after_trigger(order, self.instruments[order.symbol])
            return limit if limit is not None else order.trigger.price
        if order.cash_qty is not None and not order.qty:
            return self.last_price(order.symbol)
        return self._walk(order, order.remaining)[1]

    def _walk(self, order: Order, qty: int) -> tuple[int, int]:
        """(quantity available, worst price) to fill ``qty`` from the generated book now."""
        self.hub.sync(order.symbol)
        symbol_market = self.market[order.symbol]
        side = symbol_market.asks if order.side == "buy" else symbol_market.bids
        got, price = 0, self.last_price(order.symbol)
        for level_price, level_qty in side.levels():
            got, price = got + level_qty, level_price
            if got >= qty:
                return qty, price
        return got, price

    def _cash_walk(self, order: Order) -> tuple[int, int]:
        """(quantity, worst price) that ``cash_qty`` of quote buys (or a sell fetches) now."""
        spec = self.instruments[order.symbol]
        assert order.cash_qty is not None
        budget = int(order.cash_qty.scaleb(spec.price_precision + spec.qty_precision))
        self.hub.sync(order.symbol)
        symbol_market = self.market[order.symbol]
        side = symbol_market.asks if order.side == "buy" else symbol_market.bids
        qty, price = 0, self.last_price(order.symbol)
        for level_price, level_qty in side.levels():
            take = min(level_qty, budget // level_price)
            qty, budget, price = qty + take, budget - take * level_price, level_price
            if take < level_qty:
                break
        return qty, price

    def _crosses(self, order: Order) -> bool:
        """Whether ``order`` would take liquidity now."""
        other = opposite(order.side)
        self.hub.sync(order.symbol)
        symbol_market = self.market[order.symbol]
        best = (symbol_market.asks if order.side == "buy" else symbol_market.bids).best()
        maker = self.books.get(order.symbol, UserBook()).best(other)
        prices = [p for p in (best[0] if best else None, maker.limit_price if maker else None)]
        return any(p is not None and acceptable(order, p) for p in prices)

    # --- matching -------------------------------------------------------------------------------

    def _step_for(self, symbol: str) -> MarketStep | None:
        """The public step collecting this action's changes (``None`` on a replayed tape)."""
        if symbol in self.hub.tapes:
            return None
        step = self._steps.get(symbol)
        if step is None:
            step = self._steps[symbol] = MarketStep(symbol, self.clock())
        return step

    def _public_trade(
        self, symbol: str, price: int, qty: int, taker: Side, limit: bool
    ) -> TapeTrade:
        fill: MarketFill = (price, qty, taker, "limit" if limit else "market")
        (trade,) = self.market[symbol].record([fill], self.clock())
        step = self._step_for(symbol)
        if step is not None:
            step.fills.append(fill)
            step.trades.append(trade)
        self._traded.add(symbol)
        return trade

    def _take(self, order: Order) -> None:
        """Match ``order`` as a taker until it is done or nothing acceptable is left."""
        symbol = order.symbol
        self.hub.sync(symbol)
        book = self.books.setdefault(symbol, UserBook())
        symbol_market = self.market[symbol]
        crowd = Crowd(
            symbol_market.asks if order.side == "buy" else symbol_market.bids,
            self._step_for(symbol),
        )
        other = opposite(order.side)
        while order.is_open and order.remaining > 0:
            maker, level = book.best(other), crowd.best()
            maker_price = maker.limit_price if maker is not None else None
            # at one price user orders go first: the crowd only at a strictly better price
            crowd_first = level is not None and (
                maker_price is None or better(other, level[0], maker_price)
            )
            if maker is not None and maker_price is not None and not crowd_first:
                if not acceptable(order, maker_price):
                    return
                self._match_user(order, maker)
                continue
            if level is None or not acceptable(order, level[0]):
                return
            self._match_crowd(order, crowd, level[0], level[1])

    def _match_crowd(self, order: Order, crowd: Crowd, price: int, available: int) -> None:
        qty = min(order.remaining, available)
        if not self._affordable(order, qty, price, "t"):
            self.close_order(order, "canceled", "Insufficient funds")
            return
        crowd.take(qty)
        trade = self._public_trade(
            order.symbol, price, qty, order.side, order.limit_price is not None
        )
        self.fill(order, qty, price, "t", trade.trade_id)

    def _match_user(self, taker: Order, maker: Order) -> None:
        if maker.account_id == taker.account_id:
            stp = taker.stp_type
            if stp in ("cancel_oldest", "cancel_both"):
                self.close_order(maker, "canceled", "Self trade prevention")
            if stp in ("cancel_newest", "cancel_both"):
                self.close_order(taker, "canceled", "Self trade prevention")
            return
        price = maker.limit_price
        assert price is not None
        qty = min(taker.remaining, maker.visible)
        if not self._affordable(maker, qty, price, "m"):
            self.close_order(maker, "canceled", "Insufficient funds")
            return
        if not self._affordable(taker, qty, price, "t"):
            self.close_order(taker, "canceled", "Insufficient funds")
            return
        trade = self._public_trade(
            taker.symbol, price, qty, taker.side, taker.limit_price is not None
        )
        self.fill(maker, qty, price, "m", trade.trade_id)
        self.fill(taker, qty, price, "t", trade.trade_id)

    # --- the market moves -----------------------------------------------------------------------

    def _on_market_step(self, step: MarketStep) -> None:
        if self._busy:
            return  # our own changes, published at the end of an action
        symbol = step.symbol
        book = self.books.get(symbol)
        if not book and not self.watching.get(symbol):
            return
        with self.operation(flush=False):  # the engine's step writes everything after
            if book:
                for trade in step.trades:
                    self._trade_through(book, trade)
                if symbol not in self.hub.tapes:
                    self._touch(book, symbol)
            if step.trades or step.bids or step.asks:  # last or index (mid) price moved
                self._traded.add(symbol)

    def _trade_through(self, book: UserBook, trade: TapeTrade) -> None:
        """Resting orders the market traded at or through fill, up to the traded quantity."""
        left = trade.qty
        for maker in list(book.side(opposite(trade.side))):
            if left <= 0 or maker.limit_price is None or not acceptable(maker, trade.price):
                return
            qty = min(maker.visible, left)
            if not self._affordable(maker, qty, maker.limit_price, "m"):
                self.close_order(maker, "canceled", "Insufficient funds")
                continue
            self.fill(maker, qty, maker.limit_price, "m", trade.trade_id)
            left -= qty

    def _touch(self, book: UserBook, symbol: str) -> None:
        """The generated book reached resting orders: its liquidity there trades with them."""
        symbol_market = self.market[symbol]
        sides: tuple[tuple[Side, DeepSide], ...] = (
            ("buy", symbol_market.asks),
            ("sell", symbol_market.bids),
        )
        for maker_side, deep in sides:
            crowd = Crowd(deep, self._step_for(symbol))
            while True:
                maker, level = book.best(maker_side), crowd.best()
                if maker is None or level is None or maker.limit_price is None:
                    break
                if not acceptable(maker, level[0]):
                    break
                qty = min(maker.visible, level[1])
                if not self._affordable(maker, qty, maker.limit_price, "m"):
                    self.close_order(maker, "canceled", "Insufficient funds")
                    continue
                crowd.take(qty)
                taker = opposite(maker_side)
                trade = self._public_trade(symbol, maker.limit_price, qty, taker, True)
                self.fill(maker, qty, maker.limit_price, "m", trade.trade_id)
