"""The two private channels of one v1 connection: ``ownTrades`` and ``openOrders`` (spec §7, §8).

A stream listens to its account on the matching engine (the same engine as Kraken v2's, so an
order placed over either version shows on both) and writes one message per event, with
``{"sequence": N}`` counting that subscription's messages from 1 (the snapshot).

- ``ownTrades``: the snapshot (``snapshot``, default true) holds the last 50 trades, newest
  first, sent even when empty (UNCONFIRMED); with ``consolidate_taker`` (default true) the
  fills one taker order gets in one action are one trade (held until the action is done,
  which the engine tells its ``settled_listeners``); maker fills are always their own trade;
- ``openOrders``: the snapshot lists the open orders, oldest first (sent even when empty,
  UNCONFIRMED), then an update per event (:class:`.private_frames.V1ReportWriter`); with
  ``ratecounter`` every object carries ``ratecount``, the pair's counter as a string.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from spotstream.simulator.faults import Faults
from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.matching.orders import ExecutionEvent, Order, OrderFill
from spotstream.simulator.venues.kraken.v1.frames import sorted_object
from spotstream.simulator.venues.kraken.v1.private_frames import V1ReportWriter, private_message

Push = Callable[[bytes], None]
Entries = list[tuple[str, dict[str, Any]]]


class PrivateStream(ABC):
    """A subscription of one connection to one private channel of one account."""

    channel = ""

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        writer: V1ReportWriter,
        faults: Faults,
        account_id: str,
        push: Push,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.account_id = account_id
        self._push = push
        self._faults = faults
        self.sequence = 0

    def send(self, entries: Entries) -> None:
        """One message, with the next sequence (one more, or two when a gap was asked for;
        sent twice, same sequence, when a repeat was)."""
        self.sequence += 2 if self._faults.take_sequence_skip() else 1
        message = private_message(entries, self.channel, self.sequence)
        self._push(message)
        if self._faults.take_sequence_repeat():  # a replay: same message, same sequence
            self._push(message)

    @abstractmethod
    def start(self) -> None:
        """Send the snapshot (if asked for) and start listening."""

    def leave(self) -> None:
        """Stop listening."""
        self.engine.unlisten(self.account_id, self.on_event, None)

    @abstractmethod
    def on_event(self, event: ExecutionEvent) -> None: ...


class OpenOrdersStream(PrivateStream):
    channel = "openOrders"

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        writer: V1ReportWriter,
        faults: Faults,
        account_id: str,
        push: Push,
        ratecounter: bool,
    ) -> None:
        super().__init__(engine, writer, faults, account_id, push)
        self.ratecounter = ratecounter

    def start(self) -> None:
        orders = self.engine.open_orders(self.account_id)
        self.send([(o.order_id, self._counted(o, self.writer.order(o))) for o in orders])
        self.engine.listen(self.account_id, self.on_event, None)

    def on_event(self, event: ExecutionEvent) -> None:
        update = self.writer.order_update(event)
        if update is not None:
            self.send([(event.order.order_id, self._counted(event.order, update))])

    def _counted(self, order: Order, entry: dict[str, Any]) -> dict[str, Any]:
        if not self.ratecounter:
            return entry
        entry["ratecount"] = str(self.engine.rate_count(self.account_id, order.symbol))
        return sorted_object(entry) if "descr" in entry else entry  # a whole order: in order


class OwnTradesStream(PrivateStream):
    channel = "ownTrades"

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        writer: V1ReportWriter,
        faults: Faults,
        account_id: str,
        push: Push,
        snapshot: bool,
        consolidate_taker: bool,
    ) -> None:
        super().__init__(engine, writer, faults, account_id, push)
        self.snapshot = snapshot
        self.consolidate_taker = consolidate_taker
        self._held: dict[str, tuple[Order, list[OrderFill]]] = {}  # taker fills of this action

    def start(self) -> None:
        if self.snapshot:
            fills = self.engine.recent_fills(self.account_id)
            self.send([(f.exec_id, self.writer.trade(o, [f], update=False)) for o, f in fills])
        self.engine.listen(self.account_id, self.on_event, None)
        self.engine.settled_listeners.append(self.release)

    def leave(self) -> None:
        super().leave()
        if self.release in self.engine.settled_listeners:
            self.engine.settled_listeners.remove(self.release)

    def on_event(self, event: ExecutionEvent) -> None:
        fill = event.fill
        if event.exec_type != "trade" or fill is None:
            return
        if self.consolidate_taker and fill.liquidity == "t":
            self._held.setdefault(event.order.order_id, (event.order, []))[1].append(fill)
            return
        self.send([(fill.exec_id, self.writer.trade(event.order, [fill], update=True))])

    def release(self) -> None:
        """The action is done: each taker order's fills go out as one trade."""
        held, self._held = self._held, {}
        for order, fills in held.values():
            self.send([(fills[0].exec_id, self.writer.trade(order, fills, update=True))])
