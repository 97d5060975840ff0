"""CoinEx depth subscriptions, shared by the v1 and v2 sockets: one window per (market,
limit, interval), the subscribers that hold it, and the pushes that keep them in step.

A :class:`DepthGroup` holds one :class:`~spotstream.simulator.venues.coinex.v2.depth.DepthWindow`
(what its subscribers hold) and each subscriber's ``full`` flag (v2 ``if_full``; v1 ``not
diff``): a full subscriber gets the whole window on every push, the others the incremental
change (with ``"0"`` deletions for levels leaving the window). Every group gets a full push
every :attr:`DepthGroups.full_interval_ns` (v2: 60 s, CoinEx's documented full push).
:class:`DepthGroups` renders a push through the venue protocol's ``render`` (v1 and v2
write different JSON) and frames it with ``frame`` (v2 gzip binary, v1 text).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.instruments import InstrumentSpec
from spotstream.simulator.market.state import Market
from spotstream.simulator.venues.coinex.markets import MarketNumbers
from spotstream.simulator.venues.coinex.v2.depth import DepthChange, DepthWindow, merge_units

FULL_INTERVAL_NS = 60_000_000_000


class Subscriber(Protocol):
    outbox: list[bytes]


DepthKey = tuple[str, int, str]  # market, limit, interval


@dataclass(eq=False)
class DepthGroup:
    """The subscribers of one (market, limit, interval), each with its ``full`` flag."""

    window: DepthWindow
    subscribers: dict[Subscriber, bool] = field(default_factory=dict)
    last_full_ns: int = 0
    corrupt: bool = False

    def take_corrupt(self) -> bool:
        """Whether this push carries the corrupted checksum (once)."""
        corrupt, self.corrupt = self.corrupt, False
        return corrupt


Render = Callable[[DepthGroup, DepthChange, bool], bytes]
"""``(group, change, is_full) -> JSON`` of one push."""


class DepthGroups:
    """Every depth group of one protocol's sockets."""

    def __init__(
        self,
        market: Market,
        fanout: MarketFanout,
        clock: Callable[[], int],
        markets: dict[str, InstrumentSpec],
        numbers: dict[str, MarketNumbers],
        *,
        render: Render,
        frame: Callable[[bytes], bytes],
        watch: Callable[[str, int], None],
    ) -> None:
        self.market = market
        self.fanout = fanout
        self.clock = clock
        self.markets = markets
        self.numbers = numbers
        self.render = render
        self.frame = frame
        self.watch = watch
        self.full_interval_ns = FULL_INTERVAL_NS
        self.groups: dict[DepthKey, DepthGroup] = {}
        self._corrupt_pending: set[str] = set()

    def fresh(self, name: str, limit: int, interval: str) -> DepthWindow:
        """A window of the book as it stands now (not kept: call its ``full``)."""
        spec = self.markets[name]
        self.fanout.sync(spec.symbol)
        step = merge_units(interval, spec.price_precision)
        book = self.market[spec.symbol].book
        return DepthWindow(name, book, limit, step, self.numbers[name])

    def group(self, name: str, limit: int, interval: str) -> DepthGroup:
        key = (name, limit, interval)
        group = self.groups.get(key)
        if group is None:
            window = self.fresh(name, limit, interval)
            window.full()
            group = self.groups[key] = DepthGroup(window, last_full_ns=self.clock())
            if name in self._corrupt_pending:
                self._corrupt_pending.discard(name)
                group.corrupt = True
        return group

    def join(self, key: DepthKey, subscriber: Subscriber, full: bool) -> bytes:
        """Add a subscriber; its first push (the window, full; JSON), for it to send."""
        group = self.group(*key)
        group.subscribers[subscriber] = full
        self.watch(key[0], 1)
        return self.render(group, group.window.current(), True)

    def leave(self, key: DepthKey, subscriber: Subscriber) -> None:
        group = self.groups.get(key)
        if group is None or subscriber not in group.subscribers:
            return
        del group.subscribers[subscriber]
        self.watch(key[0], -1)
        if not group.subscribers:
            del self.groups[key]

    def corrupt(self, name: str) -> None:
        """The next push of every group of market ``name`` (or of the next group made)
        carries a wrong checksum."""
        groups = [g for (market, _, _), g in self.groups.items() if market == name]
        for group in groups:
            group.corrupt = True
        if not groups:
            self._corrupt_pending.add(name)

    def push(self, dirty: set[str], now_ns: int) -> None:
        """The pushes due: a full one where the full interval passed, else the change of
        every group whose market is ``dirty``."""
        for group in list(self.groups.values()):
            self._push(group, group.window.market in dirty, now_ns)

    def _push(self, group: DepthGroup, dirty: bool, now_ns: int) -> None:
        if now_ns - group.last_full_ns >= self.full_interval_ns:
            group.last_full_ns = now_ns
            self._send(group, list(group.subscribers), group.window.full(), True)
            return
        change = group.window.update() if dirty else None
        if change is None:
            return
        incremental = [s for s, full in group.subscribers.items() if not full]
        full = [s for s, full in group.subscribers.items() if full]
        if incremental:
            self._send(group, incremental, change, False)
        if full:
            self._send(group, full, group.window.current(), True)

    def _send(
        self, group: DepthGroup, to: Iterable[Subscriber], change: DepthChange, is_full: bool
    ) -> None:
        data = self.frame(self.render(group, change, is_full))
        for subscriber in to:
            subscriber.outbox.append(data)
