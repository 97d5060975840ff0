"""Accounts, open orders, their events and fills (sans-I/O).

:class:`OrderFlow` is the bottom of the matching engine: the state, the listeners that turn
events into frames, the queue of resting user orders, fills and their settlement, and
:meth:`OrderFlow.operation`, the frame of every action (what an action causes, such as
triggers firing, secondary orders opening, public frames of its trades and L3 notifications,
is settled when it ends). :class:`~spotstream.simulator.matching.book_matching.Matcher` matches on
top of it and :class:`~spotstream.simulator.matching.engine.MatchingEngine` takes the requests.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Generic, Protocol, TypeVar

from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.market.instruments import InstrumentSpec
from spotstream.simulator.market.state import Market, MarketStep
from spotstream.simulator.matching.accounts import Account, AccountSpec, LedgerRecord
from spotstream.simulator.matching.funds import Funds
from spotstream.simulator.matching.orders import (
    ExecutionEvent,
    IdGenerator,
    Liquidity,
    Order,
    OrderFill,
    Side,
    UserBook,
    UserOrderOnBook,
)
from spotstream.simulator.matching.ratelimit import TIERS, RateCounter

RECENT_FILLS = 50  # what an executions snapshot shows
ZERO = Decimal(0)
# The fan-out the engine publishes through (the simulator's MarketFanout, or a test's
# stand-in). Covariant: an engine over a subclass of a publisher is an engine over it.
Hub = TypeVar("Hub", bound=BookPublisher, covariant=True)


class Cancellable(Protocol):
    def cancel(self) -> None: ...


CallLater = Callable[[float, Callable[[], None]], Cancellable]
ExecutionListener = Callable[[ExecutionEvent], None]
LedgerListener = Callable[[LedgerRecord], None]


def opposite(side: Side) -> Side:
    return "sell" if side == "buy" else "buy"


def better(side: Side, price: int, than: int) -> bool:
    """Whether ``price`` is strictly better than ``than`` on the ``side`` of a book."""
    return price > than if side == "buy" else price < than


def acceptable(order: Order, price: int) -> bool:
    """Whether ``order`` may trade at ``price`` (always, without a limit)."""
    limit = order.limit_price
    if limit is None:
        return True
    return price <= limit if order.side == "buy" else price >= limit


class OrderFlow(ABC, Generic[Hub]):
    """Accounts, open orders, their events and fills; matching is
    :class:`~spotstream.simulator.matching.book_matching.Matcher`'s. ``hub`` is any
    :class:`~spotstream.simulator.market.feed.BookPublisher`."""

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
        self.market = market
        self.hub: Hub = hub
        self.clock = clock
        self.instruments: dict[str, InstrumentSpec] = market.instruments
        precisions = {asset.id: asset.precision for asset in market.assets}
        self.accounts = {spec.account_id: Account(spec, precisions) for spec in accounts}
        self.rates = {spec.account_id: RateCounter(TIERS[spec.tier]) for spec in accounts}
        self.ids = IdGenerator(seed)
        self.funds = Funds(self.instruments, self.ids)
        self.orders: dict[str, Order] = {}  # open orders by id
        self.books: dict[str, UserBook] = {}
        self.watching: dict[str, list[Order]] = {}  # untriggered orders by symbol
        self.fills: dict[str, deque[tuple[Order, OrderFill]]] = {}  # newest first
        self.on_book_change: Callable[[str], None] | None = None
        self.settled_listeners: list[Callable[[], None]] = []  # told when an action is done
        self.flush = flush
        self._call_later = call_later
        self._timers: dict[str, Cancellable] = {}
        self._execution_listeners: dict[str, list[ExecutionListener]] = {}
        self._ledger_listeners: dict[str, list[LedgerListener]] = {}
        self._steps: dict[str, MarketStep] = {}  # public changes not yet published
        self._traded: set[str] = set()  # symbols whose triggers need a look
        self._deferred: list[Callable[[], None]] = []  # to do once the current action is done
        self._changed_books: set[str] = set()
        self._seq = 0
        self._busy = False

    # --- listeners and queries ----------------------------------------------------------------

    def listen(
        self, account_id: str, executions: ExecutionListener | None, ledger: LedgerListener | None
    ) -> None:
        if executions is not None:
            self._execution_listeners.setdefault(account_id, []).append(executions)
        if ledger is not None:
            self._ledger_listeners.setdefault(account_id, []).append(ledger)

    def unlisten(
        self, account_id: str, executions: ExecutionListener | None, ledger: LedgerListener | None
    ) -> None:
        listeners = self._execution_listeners.get(account_id, [])
        if executions in listeners:
            listeners.remove(executions)
        ledgers = self._ledger_listeners.get(account_id, [])
        if ledger in ledgers:
            ledgers.remove(ledger)

    def open_orders(self, account_id: str) -> list[Order]:
        """The account's open orders, oldest first."""
        return sorted((o for o in self.orders.values() if o.account_id == account_id), key=_seq)

    def recent_fills(self, account_id: str) -> list[tuple[Order, OrderFill]]:
        """The account's last fills (at most 50), newest first."""
        return list(self.fills.get(account_id, ()))

    def resting_orders(self, symbol: str) -> list[UserOrderOnBook]:
        """Visible resting user orders of ``symbol``: bids best first, then asks best first."""
        book = self.books.get(symbol)
        if book is None:
            return []
        return [
            UserOrderOnBook(o.order_id, o.side, o.limit_price or 0, o.visible, o.queue_ns)
            for o in (*book.bids, *book.asks)
        ]

    def usd_value(self, asset: str, amount: Decimal) -> Decimal:
        """``amount`` of ``asset`` in USD at the last price (0 for an asset without a USD pair)."""
        if asset == "USD":
            return amount
        spec = self.instruments.get(f"{asset}/USD")
        if spec is None:
            return ZERO
        return amount * Decimal(self.last_price(spec.symbol)).scaleb(-spec.price_precision)

    def last_price(self, symbol: str) -> int:
        return self.market[symbol].ticker.last

    def mid_price(self, symbol: str) -> int:
        self.hub.sync(symbol)
        bid, _, ask, _ = self.market[symbol].book.bbo()
        return (ask - bid) // 2

    def close(self) -> None:
        """Cancel every timer (the simulator stops)."""
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()

    # --- an action and what follows from it -----------------------------------------------------

    @contextmanager
    def operation(self, flush: bool = True) -> Iterator[None]:
        """Run an action, then settle its consequences: deferred activations, triggers, the
        public frames of its trades, L3 notifications, the hub's order symbols; then tell the
        ``settled_listeners``; ``flush`` writes every connection (needed from timers)."""
        outer = self._busy
        self._busy = True
        try:
            yield
        finally:
            if not outer:
                try:
                    self._settle_consequences()
                finally:
                    self._busy = False
                for listener in list(self.settled_listeners):
                    listener()  # e.g. a feed that consolidates an action's fills
                if flush:
                    self.flush()

    def defer(self, action: Callable[[], None]) -> None:
        """Do ``action`` once the current action is done (before its frames are published)."""
        self._deferred.append(action)

    def _settle_consequences(self) -> None:
        while self._deferred or self._traded:
            deferred, self._deferred = self._deferred, []
            for action in deferred:
                action()
            traded, self._traded = self._traded, set()
            for symbol in traded:
                self.check_triggers(symbol)
        steps, self._steps = self._steps, {}
        for step in steps.values():
            self.hub.publish(step)
        changed, self._changed_books = self._changed_books, set()
        if self.on_book_change is not None:
            for symbol in sorted(changed):
                self.on_book_change(symbol)
        symbols = frozenset(s for s, b in self.books.items() if b) | frozenset(
            s for s, w in self.watching.items() if w
        )
        if symbols != self.hub.order_symbols:
            self.hub.set_order_symbols(symbols)

    def schedule(self, key: str, at_ns: int, action: Callable[[], None]) -> None:
        """Run ``action`` (inside an operation, flushed) at ``at_ns`` on the clock."""
        old = self._timers.pop(key, None)
        if old is not None:
            old.cancel()

        def fire() -> None:
            self._timers.pop(key, None)
            with self.operation():
                action()

        self._timers[key] = self._call_later(max(0.0, (at_ns - self.clock()) / 1e9), fire)

    def call_later(self, seconds: float, action: Callable[[], None]) -> Cancellable:
        """Run ``action`` after ``seconds`` (the caller writes what it queues)."""
        return self._call_later(seconds, action)

    def unschedule(self, key: str) -> None:
        timer = self._timers.pop(key, None)
        if timer is not None:
            timer.cancel()

    # --- events ---------------------------------------------------------------------------------

    def emit(
        self, exec_type: str, order: Order, fill: OrderFill | None = None, reason: str | None = None
    ) -> None:
        time_ns = fill.time_ns if fill is not None else self.clock()
        event = ExecutionEvent(exec_type, order, time_ns, fill, reason)
        for listener in list(self._execution_listeners.get(order.account_id, ())):
            listener(event)

    def _ledger(self, account_id: str, entries: list[LedgerRecord]) -> None:
        for entry in entries:
            for listener in list(self._ledger_listeners.get(account_id, ())):
                listener(entry)

    # --- the queue of user orders ----------------------------------------------------------------

    def rest(self, order: Order) -> None:
        order.resting = True
        order.visible = min(order.display_qty or order.remaining, order.remaining)
        self.books.setdefault(order.symbol, UserBook()).add(order)
        self._changed_books.add(order.symbol)

    def unrest(self, order: Order) -> None:
        if order.resting:
            self.books[order.symbol].remove(order)
            order.resting = False
            self._changed_books.add(order.symbol)

    def close_order(self, order: Order, status: str, reason: str | None = None) -> None:
        """``filled``, ``canceled`` or ``expired``: out of the book, hold released, told."""
        order.status = status
        self.unrest(order)
        watching = self.watching.get(order.symbol, [])
        if order in watching:
            watching.remove(order)
        self.funds.set_hold(self.accounts[order.account_id], order, ZERO)
        self.unschedule(order.order_id)
        self.unschedule(f"{order.order_id}/on")
        self.orders.pop(order.order_id, None)
        self.emit(status, order, reason=reason)

    def _refill(self, order: Order) -> None:
        """An iceberg shows its next part, at the back of its price's queue."""
        book = self.books[order.symbol]
        book.remove(order)
        order.visible = min(order.display_qty or order.remaining, order.remaining)
        self._seq += 1
        order.seq, order.queue_ns = self._seq, self.clock()
        book.add(order)
        self._changed_books.add(order.symbol)
        self.emit("iceberg_refill", order)

    # --- fills ----------------------------------------------------------------------------------

    def _affordable(self, order: Order, qty: int, price: int, liquidity: Liquidity) -> bool:
        return self.funds.affordable(self.accounts[order.account_id], order, qty, price, liquidity)

    def fill(self, order: Order, qty: int, price: int, liquidity: Liquidity, trade_id: int) -> None:
        """Book one execution of ``order`` and tell everyone."""
        account = self.accounts[order.account_id]
        fill, entries = self.funds.settle(
            account, order, qty, price, liquidity, trade_id, self.clock()
        )
        if order.resting:
            order.visible -= qty
            self._changed_books.add(order.symbol)
        order.status = "partially_filled"
        self.emit("trade", order, fill)
        self.fills.setdefault(order.account_id, deque(maxlen=RECENT_FILLS)).appendleft(
            (order, fill)
        )
        self._ledger(order.account_id, entries)
        if order.conditional is not None:
            self.open_secondary(order, fill)
        if order.remaining == 0:
            self.close_order(order, "filled")
        elif order.resting and order.visible <= 0:
            self._refill(order)

    @abstractmethod
    def open_secondary(self, primary: Order, fill: OrderFill) -> None:
        """Open the OTO close order of one fill of ``primary``."""

    @abstractmethod
    def check_triggers(self, symbol: str) -> None:
        """Fire the triggers of ``symbol`` that its prices reached."""


def _seq(order: Order) -> int:
    return order.seq
