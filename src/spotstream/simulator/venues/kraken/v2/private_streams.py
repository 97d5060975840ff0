"""The two private channels of one connection: ``executions`` and ``balances`` (spec §7).

A stream listens to its account on the matching engine and writes one message per event,
``sequence`` counting that stream's messages from 1 (the snapshot). Decisions:

- the executions snapshot (``snap_orders``: open orders, oldest first, as full reports with
  ``exec_type: "new"``; ``snap_trades``: the last 50 fills, newest first, as captured) is one
  message, sent even when empty; with ``users: "all"`` there is none (as documented);
- ``order_status: false`` drops ``pending_new``, ``amended``, ``restated``, ``status`` and
  ``iceberg_refill``; trades stay (they are fills, not status transitions);
- ``ratecounter: true`` adds ``ratecount`` (the order's pair counter, whole points);
- the balances snapshot lists every asset the account holds, spot wallet only; each ledger
  entry of a fill is its own update message.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable

from spotstream.protocol.kraken.v2 import private_wire as pw
from spotstream.protocol.kraken.v2 import wire
from spotstream.simulator.faults import Faults
from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.matching.accounts import LedgerRecord
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.matching.orders import ExecutionEvent
from spotstream.simulator.venues.kraken.v2 import private_frames as frames
from spotstream.simulator.venues.kraken.v2.private_frames import ReportWriter

STATUS_ONLY = frozenset({"pending_new", "amended", "restated", "status", "iceberg_refill"})

Push = Callable[[bytes], None]


class PrivateStream(ABC):
    """A subscription of one connection to one private channel of one account."""

    channel = ""

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        writer: ReportWriter,
        faults: Faults,
        account_id: str,
        push: Push,
    ) -> None:
        self.engine = engine
        self.writer = writer
        self.account_id = account_id
        self.account = engine.accounts[account_id]
        self._push = push
        self.sequence = 0
        self._faults = faults

    def next_sequence(self) -> int:
        """The next message's sequence (one more, or two when a gap was asked for)."""
        self.sequence += 2 if self._faults.take_sequence_skip() else 1
        return self.sequence

    def send(self, payload: bytes) -> None:
        """Push one channel message (twice, with ``repeat_next_sequence``)."""
        self._push(payload)
        if self._faults.take_sequence_repeat():
            self._push(payload)

    @abstractmethod
    def ack(self) -> wire.SubscribeResult:
        """The subscribe ack's ``result``."""

    @abstractmethod
    def start(self) -> None:
        """Send the snapshot (if asked for) and start listening."""

    @abstractmethod
    def leave(self) -> None:
        """Stop listening."""


class ExecutionsStream(PrivateStream):
    channel = "executions"

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        writer: ReportWriter,
        faults: Faults,
        account_id: str,
        push: Push,
        params: pw.ExecutionsSubscribeParams,
    ) -> None:
        super().__init__(engine, writer, faults, account_id, push)
        orders = params.snap_orders if params.snap_orders is not None else params.snapshot
        self.snap_orders = orders is not False
        self.snap_trades = bool(
            params.snap_trades if params.snap_trades is not None else params.snapshot_trades
        )
        self.users = params.users
        self.all_statuses = params.order_status is not False
        self.ratecounter = bool(params.ratecounter)

    def ack(self) -> wire.SubscribeResult:
        return wire.SubscribeResult(
            "executions",
            maxratecount=self.engine.max_rate_count(self.account_id),
            snap_orders=self.snap_orders,
            snap_trades=self.snap_trades,
            users=self.users,
            warnings=frames.EXECUTIONS_WARNINGS,
        )

    def start(self) -> None:
        if self.users is None and (self.snap_orders or self.snap_trades):
            self.send(frames.executions("snapshot", self._snapshot(), self.next_sequence()))
        self.engine.listen(self.account_id, self.on_event, None)

    def _snapshot(self) -> list[pw.ExecutionReport]:
        engine, writer, account = self.engine, self.writer, self.account
        reports: list[pw.ExecutionReport] = []
        now = engine.clock()
        if self.snap_orders:
            for order in engine.open_orders(self.account_id):
                reports.append(writer.full(order, account, "new", now))
        if self.snap_trades:
            for order, fill in engine.recent_fills(self.account_id):
                reports.append(writer.snapshot_trade(order, fill, account))
        return reports

    def leave(self) -> None:
        self.engine.unlisten(self.account_id, self.on_event, None)

    def on_event(self, event: ExecutionEvent) -> None:
        if not self.all_statuses and event.exec_type in STATUS_ONLY:
            return
        report = self.writer.report(event, self.account)
        if self.ratecounter:
            report.ratecount = self.engine.rate_count(self.account_id, event.order.symbol)
        self.send(frames.executions("update", [report], self.next_sequence()))


class BalancesStream(PrivateStream):
    channel = "balances"

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        writer: ReportWriter,
        faults: Faults,
        account_id: str,
        push: Push,
        params: pw.BalancesSubscribeParams,
    ) -> None:
        super().__init__(engine, writer, faults, account_id, push)
        self.snapshot = params.snapshot is not False and params.users is None
        self.users = params.users

    def ack(self) -> wire.SubscribeResult:
        return wire.SubscribeResult("balances", snapshot=self.snapshot, users=self.users)

    def start(self) -> None:
        if self.snapshot:
            entries = self.writer.balances(self.account)
            self.send(frames.balances("snapshot", entries, self.next_sequence()))
        self.engine.listen(self.account_id, None, self.on_ledger)

    def leave(self) -> None:
        self.engine.unlisten(self.account_id, None, self.on_ledger)

    def on_ledger(self, entry: LedgerRecord) -> None:
        entries = [self.writer.ledger(entry, self.account)]
        self.send(frames.balances("update", entries, self.next_sequence()))
