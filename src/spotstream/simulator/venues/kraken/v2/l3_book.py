"""Level 3 of the simulated market: individual orders behind every price level, and their text.

The market (:mod:`spotstream.simulator.market.state`) knows levels, not orders. :class:`OrderBookL3`
mirrors an instrument's deep book as queues of orders: each level's quantity is split into a
few synthetic orders with Kraken-style ids (``OXXXXX-XXXXX-XXXXXX``) and timestamps, drawn
from a seeded generator. A level's quantity change becomes order events: an increase is a new
order at the back of the queue (or, for a crumb or a long queue, the last order grows); a
decrease fills orders from the front when the market step traded at that price, else cancels
from the back; a level that goes away deletes its synthetic orders. User orders (the matching
engine's resting orders) sit in the same queues with their real ids and are never touched by
the synthetic rules.

Timestamps: an order's ``timestamp`` is when it entered the queue, or its last amend (a partial
fill keeps it); ``add`` and ``modify`` events carry it, a ``delete`` carries the time of the
deletion.

Each change returns an :class:`L3Change`: the touched levels as they were before, so that each
subscribed window can work out its events as a net difference (see ``l3``). Prices
and quantities are scaled integers throughout; the checksum is the client's own
(:mod:`spotstream.protocol.kraken.checksum`), computed on these queues.
"""

from __future__ import annotations

import random
from bisect import bisect_left, insort
from collections.abc import Iterable
from typing import Literal

from spotstream.protocol.kraken.checksum import kraken_l3_crc, kraken_l3_text
from spotstream.simulator.framing import PairNumbers, rfc3339
from spotstream.simulator.market.state import DeepBook, Level, MarketFill
from spotstream.simulator.matching.orders import UserOrderOnBook

MAX_QUEUE = 6  # synthetic orders per level before an increase grows the last one instead
MAX_AGE_NS = 600_000_000_000  # initial orders entered the book up to 10 minutes ago
_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_ORDERS_PER_LEVEL = (1, 1, 1, 2, 2, 2, 3, 3, 4, 5)  # drawn uniformly: mostly short queues

L3EventKind = Literal["add", "modify", "delete"]


class L3Order:
    """One order in a queue; ``text`` caches its JSON fields (reset when ``qty`` changes)."""

    __slots__ = ("order_id", "qty", "text", "time_ns", "user")

    def __init__(self, order_id: str, qty: int, time_ns: int, user: bool = False) -> None:
        self.order_id = order_id
        self.qty = qty
        self.time_ns = time_ns
        self.user = user
        self.text: str | None = None


Before = list[tuple[L3Order, int]] | None  # a level's orders and their quantities, or absent


class OrderQueueSide:
    """One side: sort keys best first (``price × sign``) and each level's queue."""

    __slots__ = ("keys", "levels", "sign")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.keys: list[int] = []
        self.levels: dict[int, list[L3Order]] = {}

    def queue(self, key: int) -> list[L3Order]:
        """The orders at ``key``, creating the level if needed."""
        orders = self.levels.get(key)
        if orders is None:
            orders = self.levels[key] = []
            insort(self.keys, key)
        return orders

    def drop_if_empty(self, key: int) -> None:
        if not self.levels.get(key, True):
            del self.levels[key]
            del self.keys[bisect_left(self.keys, key)]

    def before(self, key: int) -> Before:
        orders = self.levels.get(key)
        return None if orders is None else [(order, order.qty) for order in orders]

    def text(self, limit: int) -> bytes:
        """The checksum text of the best ``limit`` levels (see :func:`kraken_l3_crc`)."""
        sign, levels = self.sign, self.levels
        return kraken_l3_text(
            [(key * sign, order.qty) for key in self.keys[:limit] for order in levels[key]]
        )


class L3Change:
    """What one change did: per side, each touched level's orders before it (``None`` if
    the level did not exist), and the time of the change."""

    __slots__ = ("asks", "bids", "time_ns")

    def __init__(self, time_ns: int) -> None:
        self.time_ns = time_ns
        self.bids: dict[int, Before] = {}
        self.asks: dict[int, Before] = {}

    def __bool__(self) -> bool:
        return bool(self.bids or self.asks)


class OrderBookL3:
    """The orders of one instrument's deep book (see the module docstring)."""

    def __init__(
        self,
        deep: DeepBook,
        numbers: PairNumbers,
        rng: random.Random,
        qty_min: int,
        now_ns: int,
    ) -> None:
        self.symbol = deep.symbol
        self.numbers = numbers
        self.rng = rng
        self.qty_min = max(1, qty_min)
        self.bids = OrderQueueSide(-1)
        self.asks = OrderQueueSide(1)
        self.users: dict[str, tuple[OrderQueueSide, int]] = {}  # user order id -> (side, key)
        for side, levels in ((self.bids, deep.bids.levels()), (self.asks, deep.asks.levels())):
            for price, qty in levels:
                key = price * side.sign
                side.keys.append(key)
                side.levels[key] = self._new_orders(qty, now_ns, aged=True)

    # --- market steps -------------------------------------------------------------------------

    def apply_step(
        self, bids: list[Level], asks: list[Level], fills: list[MarketFill], now_ns: int
    ) -> L3Change:
        """Follow one market step's level changes (new market quantity per level)."""
        change = L3Change(now_ns)
        traded = {price for price, *_ in fills}
        for side, levels, touched in (
            (self.bids, bids, change.bids),
            (self.asks, asks, change.asks),
        ):
            for price, qty in levels:
                key = price * side.sign
                if key not in touched:
                    touched[key] = side.before(key)
                self._set_market_qty(side, key, qty, price in traded, now_ns)
        return change

    def _set_market_qty(
        self, side: OrderQueueSide, key: int, qty: int, traded: bool, now_ns: int
    ) -> None:
        orders = side.levels.get(key)
        if orders is None:
            if qty:
                side.queue(key).extend(self._new_orders(qty, now_ns, aged=False))
            return
        synthetic = [order for order in orders if not order.user]
        delta = qty - sum(order.qty for order in synthetic)
        if delta > 0:
            self._grow(orders, synthetic, delta, now_ns)
        elif delta < 0:
            self._shrink(orders, synthetic if traded else synthetic[::-1], -delta, traded, now_ns)
            side.drop_if_empty(key)

    def _grow(
        self, orders: list[L3Order], synthetic: list[L3Order], delta: int, now_ns: int
    ) -> None:
        if synthetic and (delta < self.qty_min or len(synthetic) >= MAX_QUEUE):
            last = synthetic[-1]
            _set_qty(last, last.qty + delta)
            last.time_ns = now_ns  # an amend: the order's time is the amend time
        else:
            orders.append(L3Order(self._order_id(), delta, now_ns))

    def _shrink(
        self,
        orders: list[L3Order],
        victims: list[L3Order],
        delta: int,
        filled: bool,
        now_ns: int,
    ) -> None:
        """Take ``delta`` off ``victims`` in turn: whole orders leave, the last one shrinks
        (a partial fill keeps the order's time, a partial cancel is an amend)."""
        for order in victims:
            if order.qty <= delta:
                delta -= order.qty
                orders.remove(order)
            else:
                _set_qty(order, order.qty - delta)
                if not filled:
                    order.time_ns = now_ns
                return
            if not delta:
                return

    # --- user orders --------------------------------------------------------------------------

    def apply_users(self, resting: Iterable[UserOrderOnBook], now_ns: int) -> L3Change:
        """Make the user orders in the queues match ``resting`` (the engine's current list)."""
        change = L3Change(now_ns)
        wanted = {order.order_id: order for order in resting}
        for order_id, (side, key) in list(self.users.items()):
            order = wanted.get(order_id)
            if order is None or self._place(order) != (side, key):
                self._touch(change, side, key)
                queue = side.levels[key]
                queue.remove(next(o for o in queue if o.order_id == order_id))
                side.drop_if_empty(key)
                del self.users[order_id]
        for order_id, order in wanted.items():
            side, key = self._place(order)
            self._touch(change, side, key)
            if order_id in self.users:
                held = next(o for o in side.levels[key] if o.order_id == order_id)
                if held.qty != order.qty_units:
                    _set_qty(held, order.qty_units)
                    held.time_ns = order.timestamp_ns
            elif order.qty_units > 0:
                side.queue(key).append(L3Order(order_id, order.qty_units, order.timestamp_ns, True))
                self.users[order_id] = (side, key)
        _forget_untouched(change, self)
        return change

    def _place(self, order: UserOrderOnBook) -> tuple[OrderQueueSide, int]:
        side = self.bids if order.side == "buy" else self.asks
        return side, order.price_units * side.sign

    @staticmethod
    def _touch(change: L3Change, side: OrderQueueSide, key: int) -> None:
        touched = change.bids if side.sign < 0 else change.asks
        if key not in touched:
            touched[key] = side.before(key)

    # --- reading ------------------------------------------------------------------------------

    def checksum(self) -> int:
        """Kraken's L3 checksum of the queues (:func:`kraken_l3_crc`)."""
        return kraken_l3_crc(self)

    def order_text(self, order: L3Order, key: int, sign: int) -> str:
        """``"order_id":..,"limit_price":..,"order_qty":..,"timestamp":".."}`` (cached)."""
        text = order.text
        if text is None:
            text = order.text = self.fields(order.order_id, key * sign, order.qty, order.time_ns)
        return text

    def fields(self, order_id: str, price: int, qty: int, time_ns: int) -> str:
        numbers = self.numbers
        return (
            f'"order_id":"{order_id}","limit_price":{numbers.price(price)},'
            f'"order_qty":{numbers.qty(qty)},"timestamp":"{rfc3339(time_ns, 9)}"}}'
        )

    # --- synthesis ----------------------------------------------------------------------------

    def _new_orders(self, total: int, now_ns: int, aged: bool) -> list[L3Order]:
        """``total`` split into a few orders, each at least the minimum order size when
        the total allows; initial orders get ages (oldest first), new ones ``now_ns``."""
        rng = self.rng
        count = max(1, min(rng.choice(_ORDERS_PER_LEVEL), total // self.qty_min))
        floor = max(1, min(self.qty_min, total // count))
        spare = total - count * floor
        cuts = sorted(rng.randint(0, spare) for _ in range(count - 1))
        sizes = [floor + high - low for low, high in zip([0, *cuts], [*cuts, spare], strict=True)]
        times = [now_ns] * count
        if aged:
            ages = sorted((rng.randint(1, MAX_AGE_NS) for _ in range(count)), reverse=True)
            times = [now_ns - age for age in ages]
        return [L3Order(self._order_id(), s, t) for s, t in zip(sizes, times, strict=True)]

    def _order_id(self) -> str:
        chars = "".join(self.rng.choices(_ID_ALPHABET, k=16))
        return f"O{chars[:5]}-{chars[5:10]}-{chars[10:]}"


def _set_qty(order: L3Order, qty: int) -> None:
    order.qty = qty
    order.text = None


def _forget_untouched(change: L3Change, book: OrderBookL3) -> None:
    """Drop levels a user-order pass looked at but left as they were."""
    for touched, side in ((change.bids, book.bids), (change.asks, book.asks)):
        for key, before in list(touched.items()):
            if _same(before, side.levels.get(key)):
                del touched[key]


class LevelEvents:
    """The order events of one change, per level, computed once for all views."""

    def __init__(self, book: OrderBookL3, time_ns: int) -> None:
        self.book = book
        self.time_ns = time_ns
        self._levels: dict[tuple[int, int], tuple[list[str], list[str]]] = {}
        self._adds: dict[tuple[int, int], list[str]] = {}

    def level(self, side: OrderQueueSide, key: int, before: Before) -> tuple[list[str], list[str]]:
        """``(deletes, modifies and adds in queue order)`` from ``before`` to now."""
        cached = self._levels.get((side.sign, key))
        if cached is not None:
            return cached
        book, sign, now = self.book, side.sign, self.time_ns
        after = side.levels.get(key, [])
        remaining = {order.order_id for order in after}
        held = {order.order_id: qty for order, qty in before or ()}
        deletes = [
            event_text("delete", book.fields(order.order_id, key * sign, qty, now))
            for order, qty in before or ()
            if order.order_id not in remaining
        ]
        changes = []
        for order in after:
            qty = held.get(order.order_id)
            if qty is None or qty != order.qty:
                kind: L3EventKind = "add" if qty is None else "modify"
                changes.append(event_text(kind, book.order_text(order, key, sign)))
        result = self._levels[(side.sign, key)] = (deletes, changes)
        return result

    def adds(self, side: OrderQueueSide, key: int) -> list[str]:
        """``add`` of every order of a level entering a window."""
        texts = self._adds.get((side.sign, key))
        if texts is None:
            book, sign = self.book, side.sign
            texts = [event_text("add", book.order_text(o, key, sign)) for o in side.levels[key]]
            self._adds[(side.sign, key)] = texts
        return texts


def _same(before: Before, now: list[L3Order] | None) -> bool:
    """Whether a level holds the same orders with the same quantities as ``before``."""
    if before is None or now is None:
        return before is None and now is None
    return len(before) == len(now) and all(
        o is n and q == n.qty for (o, q), n in zip(before, now, strict=True)
    )


# --- frames ----------------------------------------------------------------------------------


def snapshot_frame(book: OrderBookL3, depth: int, checksum: int, time_ns: int) -> bytes:
    """The snapshot payload of the best ``depth`` levels per side."""
    sides = []
    for side in (book.bids, book.asks):
        sign = side.sign
        entries = [
            "{" + book.order_text(order, key, sign)
            for key in side.keys[:depth]
            for order in side.levels[key]
        ]
        sides.append(",".join(entries))
    return (
        f'{{"channel":"level3","type":"snapshot","data":[{{"symbol":"{book.symbol}",'
        f'"checksum":{checksum},"bids":[{sides[0]}],"asks":[{sides[1]}],'
        f'"timestamp":"{rfc3339(time_ns, 9)}"}}]}}'
    ).encode()


def update_frame(
    symbol: str, bids: list[str], asks: list[str], checksum: int, time_ns: int
) -> bytes:
    """An update payload from its order events (each a complete JSON object)."""
    return (
        f'{{"channel":"level3","type":"update","data":[{{"symbol":"{symbol}",'
        f'"checksum":{checksum},"bids":[{",".join(bids)}],"asks":[{",".join(asks)}],'
        f'"timestamp":"{rfc3339(time_ns, 9)}"}}]}}'
    ).encode()


def event_text(event: L3EventKind, fields: str) -> str:
    """An order event object from the order's fields (:meth:`OrderBookL3.order_text`)."""
    return f'{{"event":"{event}",{fields}'
