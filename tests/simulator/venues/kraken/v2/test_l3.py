"""Level 3 without a network: every message a session is sent keeps the client's verified L3
book exact (every checksum passes, the orders add up to the market's levels)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import msgspec
import pytest

from simulator.sim_client import connect
from simulator.sim_reference import loads
from spotstream.auth.kraken import Credentials
from spotstream.auth.kraken_rest import get_websockets_token
from spotstream.book.l3 import VerifiedL3Book
from spotstream.models.market import BookStatus
from spotstream.protocol.kraken.checksum import kraken_l3_checksum
from spotstream.protocol.kraken.v2.private_wire import PRIVATE_CHANNEL_DECODER, Level3Message
from spotstream.simulator import Simulator
from spotstream.simulator.faults import Faults
from spotstream.simulator.market.fanout import MarketFanout
from spotstream.simulator.market.state import Market
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.server import ManualClock
from spotstream.simulator.venues.kraken.v2.hub import KrakenV2Hub
from spotstream.simulator.venues.kraken.v2.l3 import INVALID_TOKEN, L3Hub, SimKrakenV2L3Session
from spotstream.simulator.venues.kraken.v2.tape import BookTape

TOKEN = "good-token"
_NUMBERS = msgspec.json.Encoder(decimal_format="number")  # exact JSON numbers in requests


class _Target:
    def drop_connections(self, endpoint: str | None = None) -> None: ...
    def stall(self, seconds: float | None) -> None: ...
    def resume(self) -> None: ...


@dataclass(frozen=True)
class _UserOrder:
    order_id: str
    side: str
    price_units: int
    qty_units: int
    timestamp_ns: int


class _Feed:
    """A market, its hubs, one L3 session and the books its client keeps."""

    def __init__(self, seed: int = 3, levels: int = 1500) -> None:
        self.clock = ManualClock()
        self.market = Market(seed, self.clock(), levels=levels)
        self.faults = Faults(_Target())
        self.fanout = MarketFanout(self.market)
        self.hub = KrakenV2Hub(self.market, self.fanout, self.clock, self.faults, "shortest")
        self.users: list[_UserOrder] = []
        self.level3 = L3Hub(self.hub, seed, self._resting)
        self.session = self.new_session()
        self.books: dict[str, VerifiedL3Book] = {}

    def _resting(self, symbol: str) -> list[_UserOrder]:
        return list(self.users)

    def new_session(self) -> SimKrakenV2L3Session:
        authorize: Any = lambda token: "test" if token == TOKEN else None  # noqa: E731
        session = SimKrakenV2L3Session(self.level3, 7, authorize)
        session.open()
        return session

    def request(self, method: str, req_id: int | None = None, **params: Any) -> list[Any]:
        """Send one request; the JSON of every frame the session answered."""
        message: dict[str, Any] = {"method": method, "params": params}
        if req_id is not None:
            message["req_id"] = req_id
        self.session.outbox.clear()
        self.session.receive(_dumps(message))
        return [loads(_payload(frame)) for frame in self.session.outbox]

    def subscribe(self, symbol: str, depth: int = 10) -> None:
        self.session.outbox.clear()
        params = {"channel": "level3", "symbol": [symbol], "depth": depth, "token": TOKEN}
        self.session.receive(_dumps({"method": "subscribe", "params": params}))
        spec = self.market.instruments[symbol]
        self.books[symbol] = VerifiedL3Book(
            symbol, depth, spec.price_precision, spec.qty_precision, kraken_l3_checksum
        )
        self.drain()

    def step(self, symbol: str) -> None:
        self.clock.advance(0.01)
        step = self.market.step(symbol, self.clock())
        self.fanout.publish(step)  # the public hub, then level 3
        self.drain()

    def drain(self) -> int:
        """Apply every level3 frame of the outbox to the client's books; how many."""
        count = 0
        for frame in self.session.outbox:
            payload = _payload(frame)
            if not payload.startswith(b'{"channel":"level3"'):
                continue
            message = PRIVATE_CHANNEL_DECODER.decode(payload)
            assert isinstance(message, Level3Message)
            for item in message.data:
                book = self.books[item.symbol]
                apply = book.apply_snapshot if message.type == "snapshot" else book.apply_update
                apply(item.bids, item.asks, item.checksum, item.timestamp)
                assert book.status is BookStatus.SYNCED, f"checksum failed on {payload[:300]!r}"
                count += 1
        self.session.outbox.clear()
        return count

    def check_levels(self, symbol: str, extra: dict[int, int] | None = None) -> None:
        """The client's orders add up, level by level, to the market's best levels (plus
        ``extra`` signed key -> user qty)."""
        book = self.books[symbol].book
        deep = self.market[symbol].book
        for side, held in ((deep.bids, book.bids), (deep.asks, book.asks)):
            want: dict[int, int] = {k: side.qty[k] for k in side.keys}
            for key, qty in (extra or {}).items():
                if (key < 0) == (side.sign < 0):
                    want[key] = want.get(key, 0) + qty
            best = sorted(want)[: book.depth]
            assert held.keys == best
            assert [sum(held.levels[k].values()) for k in held.keys] == [want[k] for k in best]


def _dumps(message: dict[str, Any]) -> bytes:
    import json

    return json.dumps(message).encode()


def _payload(frame: bytes) -> bytes:
    if frame[1] == 127:
        return frame[10:]
    return frame[4:] if frame[1] == 126 else frame[2:]


@pytest.fixture
def feed() -> _Feed:
    return _Feed()


# --- the feed ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("symbol", "depth"), [("BTC/USD", 10), ("ETH/USD", 100), ("XRP/USD", 1000)]
)
def test_snapshot_and_updates_pass_every_checksum(feed: _Feed, symbol: str, depth: int) -> None:
    feed.subscribe(symbol, depth)
    book = feed.books[symbol]
    assert book.counters.snapshots == 1
    feed.check_levels(symbol)
    updates = 0
    for _ in range(1500):
        feed.step(symbol)
        updates = book.counters.updates
    assert updates > 500
    assert book.counters.checksums_verified == updates + 1
    assert book.counters.checksum_mismatches == 0
    assert book.book.unknown_deletes == 0
    assert book.book.unknown_modifies == 0
    feed.check_levels(symbol)
    assert len(book.book.bids) == depth
    assert len(book.book.asks) == depth


def test_levels_hold_several_orders_with_kraken_ids(feed: _Feed) -> None:
    feed.subscribe("BTC/USD", 100)
    book = feed.books["BTC/USD"].book
    assert len(book) > 150  # 200 levels, mostly queues of more than one order
    for order_id in book.index:
        assert len(order_id) == 19
        assert order_id[0] == "O"
        assert order_id[6] == order_id[12] == "-"
    snapshot = feed.level3.snapshot(feed.session.streams["BTC/USD"])
    message = PRIVATE_CHANNEL_DECODER.decode(snapshot)
    assert isinstance(message, Level3Message)
    times = [order.timestamp for order in message.data[0].bids[:30]]
    assert all(time.tzinfo is not None for time in times)


def test_all_depths_share_one_market_and_stay_exact() -> None:
    feed = _Feed(seed=11)
    sessions = {}
    for depth in (10, 100, 1000):
        feed.session = feed.new_session()
        feed.subscribe("DOGE/USD", depth)
        sessions[depth] = (feed.session, feed.books.pop("DOGE/USD"))
    for _ in range(800):
        feed.clock.advance(0.01)
        step = feed.market.step("DOGE/USD", feed.clock())
        feed.level3.publish(step)
        for session, book in sessions.values():
            feed.session, feed.books["DOGE/USD"] = session, book
            feed.drain()
    checksums = {book.last_checksum for _, book in sessions.values()}
    assert len(checksums) == 1  # the best 10 levels are the same for every depth
    for depth, (_, book) in sessions.items():
        feed.books["DOGE/USD"] = book
        feed.check_levels("DOGE/USD")
        assert book.counters.updates > 100, depth


def test_max_rate_replay_is_exact(feed: _Feed) -> None:
    market = feed.market["ETH/USD"]
    tape = BookTape(market, 4000)
    feed.fanout.attach_tape(tape)
    feed.subscribe("ETH/USD", 100)
    book = feed.books["ETH/USD"]
    for _ in range(20):  # more than a whole cycle
        feed.fanout.replay(tape, 256, feed.clock())
        feed.drain()
    tape.sync()
    feed.check_levels("ETH/USD")
    assert book.counters.updates > 1000
    assert book.counters.checksum_mismatches == 0


def test_a_level_leaving_the_window_sends_no_delete(feed: _Feed) -> None:
    """Levels pushed out need no event; a level inside that goes away is deleted and the
    next one comes in as adds (the client ends exact: checked by check_levels)."""
    feed.subscribe("BTC/USD", 10)
    events: dict[str, int] = {"add": 0, "modify": 0, "delete": 0}
    for _ in range(600):
        feed.clock.advance(0.01)
        step = feed.market.step("BTC/USD", feed.clock())
        feed.level3.publish(step)
        for frame in feed.session.outbox:
            for side in ("bids", "asks"):
                for order in loads(_payload(frame))["data"][0][side]:
                    events[order["event"]] += 1
        feed.drain()
    feed.check_levels("BTC/USD")
    assert all(count > 0 for count in events.values()), events


def test_corrupt_next_checksum_reaches_level3(feed: _Feed) -> None:
    feed.subscribe("BTC/USD", 10)
    feed.faults.corrupt_next_checksum("BTC/USD")
    book = feed.books["BTC/USD"]

    def step_until_an_update() -> None:
        while not book.counters.updates:
            feed.step("BTC/USD")

    with pytest.raises(AssertionError, match="checksum failed"):
        step_until_an_update()
    assert book.counters.checksum_mismatches == 1


# --- user orders ------------------------------------------------------------------------------


def test_user_orders_appear_with_their_ids(feed: _Feed) -> None:
    feed.subscribe("BTC/USD", 10)
    deep = feed.market["BTC/USD"].book
    best_bid = -deep.bids.keys[0]
    inside = deep.asks.keys[0] - 1  # one unit below the best ask: a level of its own
    feed.users[:] = [
        _UserOrder("OUSER1-AAAAA-BBBBBB", "buy", best_bid, 12345, feed.clock()),
        _UserOrder("OUSER2-AAAAA-BBBBBB", "sell", inside, 5000, feed.clock()),
    ]
    feed.level3.users_changed("BTC/USD")
    assert feed.drain() == 1
    book = feed.books["BTC/USD"].book
    assert list(book.bids.levels[-best_bid])[-1] == "OUSER1-AAAAA-BBBBBB"  # back of the queue
    assert book.asks.levels[inside] == {"OUSER2-AAAAA-BBBBBB": 5000}
    feed.check_levels("BTC/USD", {-best_bid: 12345, inside: 5000})

    feed.users[0] = _UserOrder("OUSER1-AAAAA-BBBBBB", "buy", best_bid, 345, feed.clock())
    best_ask = deep.asks.keys[0]  # the amended order joins the back of the best ask
    feed.users[1] = _UserOrder("OUSER2-AAAAA-BBBBBB", "sell", best_ask, 5000, feed.clock())
    feed.level3.users_changed("BTC/USD")
    feed.drain()
    assert book.bids.levels[-best_bid]["OUSER1-AAAAA-BBBBBB"] == 345
    assert inside not in book.asks.levels
    assert list(book.asks.levels[best_ask].items())[-1] == ("OUSER2-AAAAA-BBBBBB", 5000)
    feed.check_levels("BTC/USD", {-best_bid: 345, best_ask: 5000})

    feed.users.clear()
    feed.level3.users_changed("BTC/USD")
    feed.drain()
    assert "OUSER1-AAAAA-BBBBBB" not in book.index
    assert "OUSER2-AAAAA-BBBBBB" not in book.index
    feed.check_levels("BTC/USD")


def test_user_orders_survive_market_steps(feed: _Feed) -> None:
    deep = feed.market["ETH/USD"].book
    price = -deep.bids.keys[2]
    feed.users.append(_UserOrder("OUSER3-AAAAA-BBBBBB", "buy", price, 777, feed.clock()))
    feed.subscribe("ETH/USD", 100)  # the snapshot already holds it
    book = feed.books["ETH/USD"]
    assert book.book.index["OUSER3-AAAAA-BBBBBB"] == -price
    for _ in range(500):
        feed.step("ETH/USD")
    assert book.counters.checksum_mismatches == 0
    if -price in book.book.bids.levels:  # still in the window
        assert book.book.bids.levels[-price]["OUSER3-AAAAA-BBBBBB"] == 777


def test_unchanged_user_orders_send_nothing(feed: _Feed) -> None:
    feed.users.append(_UserOrder("OUSER4-AAAAA-BBBBBB", "sell", 10**9, 1, feed.clock()))
    feed.subscribe("BTC/USD", 10)
    feed.level3.users_changed("BTC/USD")
    assert feed.drain() == 0


# --- requests ---------------------------------------------------------------------------------


def test_status_ack_per_symbol_then_snapshots(feed: _Feed) -> None:
    session = feed.new_session()
    status = loads(_payload(session.outbox[0]))
    assert status["channel"] == "status"
    assert status["data"][0]["connection_id"] == 7
    feed.session = session
    answers = feed.request(
        "subscribe", 5, channel="level3", symbol=["BTC/USD", "ETH/USD"], token=TOKEN
    )
    kinds = [(a.get("method"), a.get("type"), a.get("result", {}).get("symbol")) for a in answers]
    assert kinds == [
        ("subscribe", None, "BTC/USD"),
        (None, "snapshot", None),
        ("subscribe", None, "ETH/USD"),
        (None, "snapshot", None),
    ]
    assert answers[0]["result"] == {"channel": "level3", "snapshot": True, "symbol": "BTC/USD"}
    assert answers[0]["success"] is True
    assert answers[0]["req_id"] == 5
    assert set(feed.session.streams) == {"BTC/USD", "ETH/USD"}


def test_snapshot_false_sends_updates_only(feed: _Feed) -> None:
    answers = feed.request(
        "subscribe", 1, channel="level3", symbol=["BTC/USD"], snapshot=False, token=TOKEN
    )
    assert [a["method"] for a in answers] == ["subscribe"]
    assert answers[0]["result"]["snapshot"] is False


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"channel": "level3", "symbol": ["BTC/USD"]}, INVALID_TOKEN),
        ({"channel": "level3", "symbol": ["BTC/USD"], "token": "stale"}, INVALID_TOKEN),
        ({"channel": "level3", "symbol": ["BTC/USD"], "depth": 25, "token": TOKEN}, None),
        ({"channel": "level3", "token": TOKEN}, None),
        ({"channel": "book", "symbol": ["BTC/USD"], "token": TOKEN}, "Subscription name invalid"),
    ],
)
def test_refused_subscriptions(feed: _Feed, params: dict[str, Any], error: str | None) -> None:
    (answer,) = feed.request("subscribe", 9, **params)
    assert answer["success"] is False
    assert answer["req_id"] == 9
    assert answer["error"] == (error or "EGeneral:Invalid arguments")
    assert not feed.session.streams


def test_unknown_symbol_and_second_depth_fail_per_symbol(feed: _Feed) -> None:
    feed.subscribe("BTC/USD", 10)
    answers = feed.request(
        "subscribe", 2, channel="level3", symbol=["XBT/USD", "BTC/USD"], depth=100, token=TOKEN
    )
    assert [(a["error"], a["symbol"]) for a in answers] == [
        ("Currency pair not supported XBT/USD", "XBT/USD"),
        ("Already subscribed", "BTC/USD"),
    ]


def test_unsubscribe_needs_token_and_stops_updates(feed: _Feed) -> None:
    feed.subscribe("BTC/USD", 10)
    (refused,) = feed.request("unsubscribe", 3, channel="level3", symbol=["BTC/USD"])
    assert refused["error"] == INVALID_TOKEN
    (missing,) = feed.request("unsubscribe", 4, channel="level3", symbol=["ETH/USD"], token=TOKEN)
    assert missing["error"] == "Subscription Not Found"
    assert missing["symbol"] == "ETH/USD"
    (ack,) = feed.request("unsubscribe", 5, channel="level3", symbol=["BTC/USD"], token=TOKEN)
    assert ack["success"] is True
    assert ack["result"] == {"channel": "level3", "symbol": "BTC/USD"}
    assert not feed.level3.instruments  # nobody watches: the orders are dropped
    for _ in range(20):
        feed.step("BTC/USD")
    assert feed.drain() == 0


def test_ping_and_unknown_methods(feed: _Feed) -> None:
    feed.session.outbox.clear()
    feed.session.receive(b'{"method":"ping","req_id":42}')
    pong = loads(_payload(feed.session.outbox[-1]))
    assert pong["method"] == "pong"
    assert pong["req_id"] == 42
    (answer,) = feed.request("add_order", 1, order_type="limit")
    assert answer["error"] == "Unsupported event"
    feed.session.outbox.clear()
    feed.session.receive(b"not json")
    assert loads(_payload(feed.session.outbox[-1]))["error"] == "Unsupported event"


def test_close_leaves_every_stream(feed: _Feed) -> None:
    feed.subscribe("BTC/USD", 10)
    feed.subscribe("ETH/USD", 100)
    assert feed.fanout.active_symbols == ["BTC/USD", "ETH/USD"]
    feed.session.close()
    assert feed.fanout.active_symbols == []
    assert not feed.level3.instruments


# --- over the network -------------------------------------------------------------------------


async def _token(sim: Simulator) -> str:
    credentials = Credentials(TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret)
    return (await get_websockets_token(credentials, base_url=sim.urls["rest"])).token


async def test_l3_endpoint_refuses_a_bad_token() -> None:
    async with Simulator(seed=5, rate=100) as sim:
        client = await connect(sim.urls["l3"])
        await client.recv()
        params = {"channel": "level3", "symbol": ["BTC/USD"], "token": "forged"}
        (answer,) = await client.request({"method": "subscribe", "params": params, "req_id": 1})
        assert answer["error"] == INVALID_TOKEN
        await client.close()


async def test_user_order_shows_in_level3_with_its_id() -> None:
    """REST token -> L3 subscribe and a private add_order: the order appears in the L3
    book with the id the private endpoint gave it, and leaves when cancelled; every
    checksum on the way passes."""
    async with Simulator(seed=5, rate=100) as sim:
        token = await _token(sim)
        level3 = await connect(sim.urls["l3"])
        private = await connect(sim.urls["private"])
        await level3.recv()
        await private.recv()
        params = {"channel": "level3", "symbol": ["BTC/USD"], "depth": 100, "token": token}
        (ack,) = await level3.request({"method": "subscribe", "params": params, "req_id": 1})
        assert ack["success"] is True
        book = VerifiedL3Book("BTC/USD", 100, 1, 8, kraken_l3_checksum)
        apply = _applier(book)
        await level3.until(apply)  # the snapshot
        best_bid = sim.market["BTC/USD"].book.bids.keys[0] * -1
        order = {
            "order_type": "limit",
            "side": "buy",
            "order_qty": Decimal("0.01"),
            "symbol": "BTC/USD",
            "limit_price": Decimal(best_bid - 30).scaleb(-1),  # 3.0 below the best bid
            "token": token,
        }
        request = {"method": "add_order", "params": order, "req_id": 2}
        await private.send(_NUMBERS.encode(request).decode())
        placed = await private.until(lambda m: m.get("req_id") == 2)
        assert placed["success"] is True, placed
        order_id = placed["result"]["order_id"]
        await level3.until(lambda m: apply(m) and order_id in book.book.index)
        assert book.book.index[order_id] == -(best_bid - 30)
        cancel = {"order_id": [order_id], "token": token}
        (done,) = await private.request({"method": "cancel_order", "params": cancel, "req_id": 3})
        assert done["success"] is True, done
        await level3.until(lambda m: apply(m) and order_id not in book.book.index)
        assert book.counters.checksum_mismatches == 0
        assert book.counters.checksums_verified == book.counters.updates + 1
        await level3.close()
        await private.close()


def _applier(book: VerifiedL3Book) -> Callable[[Any], bool]:
    """Apply a level3 message (JSON with Decimal numbers) to ``book``; True if it was one."""

    def apply(message: Any) -> bool:
        if message.get("channel") != "level3":
            return False
        (item,) = message["data"]
        bids = [_entry(o) for o in item["bids"]]
        asks = [_entry(o) for o in item["asks"]]
        if message["type"] == "snapshot":
            book.apply_snapshot(bids, asks, item["checksum"])
        else:
            book.apply_update(bids, asks, item["checksum"])
        assert book.status is BookStatus.SYNCED
        return True

    return apply


def _entry(order: dict[str, Any]) -> SimpleNamespace:
    return SimpleNamespace(
        order_id=order["order_id"],
        limit_price=order["limit_price"],
        order_qty=order["order_qty"],
        event=order.get("event"),
    )


async def test_l3_heartbeats_while_subscribed_and_idle() -> None:
    async with Simulator(seed=5, rate=1, heartbeat_interval=0.1) as sim:
        token = await _token(sim)
        client = await connect(sim.urls["l3"])
        await client.recv()  # status
        with pytest.raises(TimeoutError):  # nothing subscribed: no heartbeat
            await client.recv(timeout=0.3)
        params = {"channel": "level3", "symbol": ["XRP/USD"], "token": token}
        await client.request({"method": "subscribe", "params": params, "req_id": 1})
        heartbeat = await client.until(lambda m: m.get("channel") == "heartbeat", timeout=3)
        assert heartbeat == {"channel": "heartbeat"}
        await client.close()


async def test_a_token_keeps_working_on_the_connection_that_used_it() -> None:
    clock = ManualClock(time.time_ns())
    async with Simulator(seed=5, rate=10, clock=clock) as sim:
        token = await _token(sim)
        client = await connect(sim.urls["l3"])
        await client.recv()
        params = {"channel": "level3", "symbol": ["BTC/USD"], "token": token}
        (ack,) = await client.request({"method": "subscribe", "params": params, "req_id": 1})
        assert ack["success"] is True
        clock.advance(3600)  # long past the 15 minutes
        params["symbol"] = ["ETH/USD"]
        (ack,) = await client.request({"method": "subscribe", "params": params, "req_id": 2})
        assert ack["success"] is True
        other = await connect(sim.urls["l3"])
        await other.recv()
        (refused,) = await other.request({"method": "subscribe", "params": params, "req_id": 3})
        assert refused["error"] == INVALID_TOKEN
        await client.close()
        await other.close()
