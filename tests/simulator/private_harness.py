"""The harness of the matching-engine and private-session tests (no tests of its own).

Everything is synchronous and deterministic: a manual clock, timers that fire only when the
test moves time, a market that steps only when told, and helpers that inject trades.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import msgspec
import pytest

from spotstream.protocol.kraken.v2 import private_wire as pw
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.protocol.kraken.v2 import wire
from spotstream.simulator.faults import Faults
from spotstream.simulator.framing import NumberStyle
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.instruments import DEFAULT_INSTRUMENTS
from spotstream.simulator.market.state import Market, MarketStep
from spotstream.simulator.market.stats import Side
from spotstream.simulator.matching.accounts import DEFAULT_ACCOUNTS, AccountSpec, LedgerRecord
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.matching.orders import ExecutionEvent, OrderError
from spotstream.simulator.venues.kraken.v2.hub import KrakenV2Hub
from spotstream.simulator.venues.kraken.v2.private import SimKrakenV2PrivateSession
from spotstream.simulator.venues.kraken.v2.private_params import order_entry
from spotstream.simulator.venues.kraken.v2.rejections import error_text

START_NS = 1_700_000_000_000_000_000
NS = 1_000_000_000


class Clock:
    def __init__(self) -> None:
        self.now_ns = START_NS

    def __call__(self) -> int:
        return self.now_ns


@dataclass
class Timer:
    due_ns: int
    action: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Timers:
    """A ``call_later`` whose timers fire when :meth:`advance` moves the clock past them."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.pending: list[Timer] = []

    def __call__(self, delay: float, action: Callable[[], None]) -> Timer:
        timer = Timer(self.clock.now_ns + round(delay * NS), action)
        self.pending.append(timer)
        return timer

    @property
    def armed(self) -> list[Timer]:
        return [t for t in self.pending if not t.cancelled]

    def advance(self, seconds: float) -> None:
        end = self.clock.now_ns + round(seconds * NS)
        while True:
            due = sorted((t for t in self.armed if t.due_ns <= end), key=lambda t: t.due_ns)
            if not due:
                break
            timer = due[0]
            self.pending.remove(timer)
            self.clock.now_ns = max(self.clock.now_ns, timer.due_ns)
            timer.action()
        self.clock.now_ns = end


class Target:
    """The fault switches' server side: records what it was asked."""

    def __init__(self) -> None:
        self.dropped: list[str | None] = []

    def drop_connections(self, endpoint: str | None = None) -> None:
        self.dropped.append(endpoint)

    def half_open(self, endpoint: str | None = None) -> None:
        raise AssertionError("not used")

    def close_connections(self, code: int, reason: str, endpoint: str | None = None) -> None:
        raise AssertionError("not used")

    def stall(self, seconds: float | None) -> None:
        raise AssertionError("not used")

    def resume(self) -> None:
        raise AssertionError("not used")


@dataclass
class Harness:
    clock: Clock
    timers: Timers
    market: Market
    fanout: MarketFanout
    hub: KrakenV2Hub
    engine: MatchingEngine
    faults: Faults
    target: Target
    flushes: list[int]
    events: list[ExecutionEvent] = field(default_factory=list)
    ledger: list[LedgerRecord] = field(default_factory=list)

    def listen(self, account_id: str = "test") -> None:
        self.engine.listen(account_id, self.events.append, self.ledger.append)

    def kinds(self) -> list[str]:
        return [e.exec_type for e in self.events]

    def step(self, symbol: str = "BTC/USD", count: int = 1) -> None:
        for _ in range(count):
            self.publish(self.market.step(symbol, self.clock()))

    def publish(self, step: MarketStep) -> None:
        """What the simulator's engine does with a live market step."""
        self.fanout.publish(step)
        self.fanout.after_step(step)

    def trade(
        self, price: str, qty: str = "0.01", taker: Side = "sell", symbol: str = "BTC/USD"
    ) -> None:
        """A public trade of the generated market at ``price`` (moves the last price)."""
        spec = self.market.instruments[symbol]
        fill = (spec.price_units(Decimal(price)), spec.qty_units(Decimal(qty)), taker, "market")
        trades = self.market[symbol].record([fill], self.clock())
        self.publish(MarketStep(symbol, self.clock(), fills=[fill], trades=trades))

    def best(self, symbol: str = "BTC/USD") -> tuple[Decimal, Decimal]:
        """(best bid, best ask) of the generated book."""
        spec = self.market.instruments[symbol]
        bid, _, ask, _ = self.market[symbol].book.bbo()
        return Decimal(-bid).scaleb(-spec.price_precision), Decimal(ask).scaleb(
            -spec.price_precision
        )

    def add(self, account_id: str = "test", symbol: str = "BTC/USD", **fields: Any) -> Any:
        params = msgspec.convert({"symbol": symbol, "token": "t", **fields}, tw.AddOrderParams)
        request, _ = order_entry(params)  # as the Kraken v2 venue reads it
        return self.engine.add_order(account_id, symbol, request)


def make(
    seed: int = 1,
    accounts: tuple[AccountSpec, ...] = DEFAULT_ACCOUNTS,
    style: NumberStyle = "shortest",
    levels: int = 120,
) -> Harness:
    clock = Clock()
    market = Market(seed, clock(), DEFAULT_INSTRUMENTS, levels=levels)
    target = Target()
    faults = Faults(target)
    fanout = MarketFanout(market)
    hub = KrakenV2Hub(market, fanout, clock, faults, style)
    timers = Timers(clock)
    flushes: list[int] = []
    engine = MatchingEngine(
        market, fanout, clock, accounts, timers, lambda: flushes.append(1), seed=seed
    )
    return Harness(clock, timers, market, fanout, hub, engine, faults, target, flushes)


def payload(frame: bytes) -> bytes:
    """The payload of an unmasked server websocket frame."""
    size = frame[1] & 0x7F
    if size == 126:
        return frame[4:]
    if size == 127:
        return frame[10:]
    return frame[2:]


class Subscriber:
    """Anything with an outbox: a public book watcher for the tests."""

    def __init__(self) -> None:
        self.outbox: list[bytes] = []

    def messages(self) -> list[Any]:
        out = [msgspec.json.decode(payload(f)) for f in self.outbox]
        self.outbox.clear()
        return out


RESPONSE = msgspec.json.Decoder(tw.TradingResponse)
CHANNEL = msgspec.json.Decoder(pw.PrivateChannelMessage | wire.StatusMessage)


TOKENS = {"tok": "test", "ro": "read-only"}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")


class Client:
    """Feeds requests to a session and decodes what it wrote, as the client would."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.session = SimKrakenV2PrivateSession(h.engine, h.hub, 42, TOKENS.get)
        self.sequences: dict[str, int] = {}
        self.session.open()
        (status,) = self.read()
        assert status["channel"] == "status"
        assert status["data"][0]["connection_id"] == 42

    def send(
        self, method: str, params: dict[str, Any] | None = None, req_id: int | None = 1
    ) -> list[Any]:
        request: dict[str, Any] = {"method": method}
        if params is not None:
            request["params"] = params
        if req_id is not None:
            request["req_id"] = req_id
        self.session.receive(msgspec.json.encode(request))
        return self.read()

    def trade(self, method: str, req_id: int | None = 1, **params: Any) -> list[Any]:
        return self.send(method, {"token": "tok", **params}, req_id)

    def read(self) -> list[Any]:
        """Every queued frame, typed-decoded (this is the test) and returned as plain JSON."""
        out = []
        for frame in self.session.outbox:
            data = payload(frame)
            message = msgspec.json.decode(data)
            if "channel" in message:
                self._check_channel(data)
            elif "method" in message:  # else: a request that could not be read at all
                self._check_response(data, message)
            out.append(message)
        self.session.outbox.clear()
        return out

    def _check_channel(self, data: bytes) -> None:
        typed = CHANNEL.decode(data)
        if isinstance(typed, pw.BalancesMessage):
            pw.BALANCES_DATA_DECODERS[typed.type].decode(typed.data)
        if isinstance(typed, pw.ExecutionsMessage | pw.BalancesMessage):
            channel = typed.__struct_config__.tag
            assert isinstance(channel, str)
            expected = self.sequences.get(channel, 0) + 1
            assert typed.sequence == expected, (channel, typed.sequence, expected)
            self.sequences[channel] = typed.sequence

    @staticmethod
    def _check_response(data: bytes, message: dict[str, Any]) -> None:
        typed = RESPONSE.decode(data)
        assert TIME.match(message["time_in"])
        assert TIME.match(message["time_out"])
        if typed.success and typed.result and typed.method in tw.RESULT_DECODERS:
            tw.RESULT_DECODERS[typed.method].decode(typed.result)
        if typed.method in ("subscribe", "unsubscribe") and typed.success:
            msgspec.json.decode(typed.result, type=wire.SubscribeResult)


def executions(messages: list[Any]) -> list[dict[str, Any]]:
    """The execution reports of ``messages``, in order."""
    return [d for m in messages if m.get("channel") == "executions" for d in m["data"]]


def subscribed(client: Client, **options: Any) -> list[Any]:
    """Subscribe ``client`` to executions; the ack and the snapshot (if any)."""
    return client.send("subscribe", {"channel": "executions", "token": "tok", **options})


@contextmanager
def rejected_as(words: str) -> Iterator[pytest.ExceptionInfo[OrderError]]:
    """Expect the engine to refuse: an :class:`OrderError` whose Kraken wording (the ``error``
    a session sends) matches the regex ``words`` (searched, as ``pytest.raises(match=)``)."""
    with pytest.raises(OrderError) as info:
        yield info
    text = error_text(info.value)
    assert re.search(words, text), f"{text!r} does not match {words!r}"
