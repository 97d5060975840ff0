"""Book windows without a network: what each depth is sent keeps a naive client exact."""

from __future__ import annotations

from decimal import Decimal

import pytest

from simulator.sim_reference import NaiveBook, loads
from spotstream.protocol.kraken.v2 import wire
from spotstream.simulator.framing import ENCODER, PairNumbers, rfc3339, timestamp
from spotstream.simulator.market.state import Market
from spotstream.simulator.venues.kraken.v2.book import BookView, book_update_message
from spotstream.simulator.venues.kraken.v2.tape import BookTape

NOW = 1_700_000_000_000_000_000
TIME = rfc3339(NOW).encode()


def _payload(frame: bytes) -> bytes:
    return frame[4:] if frame[1] == 126 else frame[2:]


def _view(market: Market, symbol: str, depth: int, style: str = "shortest") -> BookView:
    spec = market.instruments[symbol]
    numbers = PairNumbers(spec.price_precision, spec.qty_precision, style)  # type: ignore[arg-type]
    return BookView(market[symbol].book, depth, numbers)


def _client(view: BookView, market: Market, symbol: str) -> NaiveBook:
    spec = market.instruments[symbol]
    book = NaiveBook(view.depth, spec.price_precision, spec.qty_precision)
    snapshot = loads(view.snapshot(timestamp(NOW)))["data"][0]
    book.apply(snapshot, snapshot=True)
    assert book.checksum == snapshot["checksum"]
    return book


@pytest.mark.parametrize(
    ("symbol", "depth"), [("BTC/USD", 10), ("DOGE/USD", 25), ("XRP/USD", 1000)]
)
def test_every_update_keeps_the_client_exact(symbol: str, depth: int) -> None:
    market = Market(11, NOW)
    view = _view(market, symbol, depth)
    client = _client(view, market, symbol)
    spec, deep = market.instruments[symbol], market[symbol].book
    sent = slid = 0
    for _ in range(1500):
        step = market[symbol].step(NOW)
        update = view.update(step.bids, step.asks)
        if update is None:
            continue
        sent += 1
        item = loads(_payload(update.frame(TIME)))["data"][0]
        for side, levels in (("bids", item["bids"]), ("asks", item["asks"])):
            for level in levels:  # a delete is only ever sent for a level gone from the market
                if level["qty"] == 0:
                    units = int(level["price"].scaleb(spec.price_precision))
                    assert units * getattr(deep, side).sign not in getattr(deep, side).qty
        before = {"bids": dict(client.bids), "asks": dict(client.asks)}
        client.apply(item, snapshot=False)
        assert client.checksum == item["checksum"] == update.checksum
        slid += _slid_in(item, before, client)
        if sent % 50:
            continue
        for side, deep_side in (("bids", deep.bids), ("asks", deep.asks)):
            expected = {
                Decimal(p).scaleb(-spec.price_precision): Decimal(q).scaleb(-spec.qty_precision)
                for p, q in deep_side.levels(depth)
            }
            assert getattr(client, side) == expected
    assert sent > 500
    assert slid > 0  # a delete inside the window brought the next level in at its edge


def _slid_in(item: dict, before: dict, client: NaiveBook) -> int:  # type: ignore[type-arg]
    """1 if a delete on a side came with an insert that is now that side's worst level."""
    for side in ("bids", "asks"):
        levels = item[side]
        deleted = [lv for lv in levels if lv["qty"] == 0 and lv["price"] in before[side]]
        inserted = {lv["price"] for lv in levels if lv["qty"] and lv["price"] not in before[side]}
        if deleted and client.worst(side) in inserted:
            return 1
    return 0


def test_per_level_truncation_gives_the_same_book() -> None:
    """A client that truncates after every level (not after the message) also stays right."""
    market = Market(12, NOW)
    view = _view(market, "ETH/USD", 10)
    strict = _client(view, market, "ETH/USD")
    for _ in range(1500):
        step = market["ETH/USD"].step(NOW)
        update = view.update(step.bids, step.asks)
        if update is None:
            continue
        item = loads(_payload(update.frame(TIME)))["data"][0]
        for side in ("bids", "asks"):
            for level in item[side]:
                one = {"bids": [], "asks": [], side: [level]}
                strict.apply(one, snapshot=False)
        assert strict.checksum == item["checksum"]


def test_template_equals_the_wire_structs() -> None:
    market = Market(13, NOW)
    for style in ("shortest", "fixed"):
        view = _view(market, "DOGE/USD", 10, style)
        checked = 0
        for _ in range(300):
            step = market["DOGE/USD"].step(NOW)
            update = view.update(step.bids, step.asks)
            if update is None:
                continue
            payload = _payload(update.frame(TIME))
            decoded = wire.CHANNEL_DECODER.decode(payload)
            assert isinstance(decoded, wire.BookMessage)
            item = loads(payload)["data"][0]
            units = [
                [(int(lv["price"].scaleb(7)), int(lv["qty"].scaleb(8))) for lv in item[side]]
                for side in ("bids", "asks")
            ]
            reference = book_update_message(
                "DOGE/USD", units[0], units[1], item["checksum"], timestamp(NOW), view.numbers
            )
            assert ENCODER.encode(reference) == payload
            checked += 1
        assert checked > 100


def test_corrupted_update_differs_only_in_checksum() -> None:
    market = Market(14, NOW)
    view = _view(market, "BTC/USD", 10)
    update = None
    while update is None:
        step = market["BTC/USD"].step(NOW)
        update = view.update(step.bids, step.asks)
    bad = update.corrupted()
    good_item, bad_item = (loads(_payload(u.frame(TIME)))["data"][0] for u in (update, bad))
    assert bad_item["checksum"] != good_item["checksum"]
    assert {**bad_item, "checksum": 0} == {**good_item, "checksum": 0}


def test_tape_is_a_cycle_and_its_updates_are_exact() -> None:
    market = Market(15, NOW)
    sm = market["XRP/USD"]
    start = (sm.bids.keys.copy(), dict(sm.bids.qty), sm.asks.keys.copy(), dict(sm.asks.qty))
    tape = BookTape(sm, 400)
    assert (sm.bids.keys, sm.bids.qty, sm.asks.keys, sm.asks.qty) == start
    assert tape.size == 400
    assert any(tape.fills)
    numbers = PairNumbers(5, 8, "shortest")
    view = BookView(sm.book, 1000, numbers)
    client = _client(view, market, "XRP/USD")
    updates = tape.updates(1000, numbers)
    for _ in range(3 * tape.size):  # three laps, across the wrap
        update = updates[tape.advance()]
        if update is not None:
            item = loads(_payload(update.frame(TIME)))["data"][0]
            client.apply(item, snapshot=False)
            assert client.checksum == item["checksum"]
    tape.sync()
    assert (sm.bids.keys, sm.bids.qty, sm.asks.keys, sm.asks.qty) == start
