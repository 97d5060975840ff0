"""The Level-3 book: queue semantics, truncation, Kraken's L3 checksum (the spec's verified
BTC/USD example), real level3 frames, and a property test against a naive reference."""

from __future__ import annotations

import json
import zlib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotstream.book.l3 import L3Book, L3OrderError, L3Side, RestingOrder, Side, VerifiedL3Book
from spotstream.book.units import Number, PrecisionError, from_units
from spotstream.book.verified import ApplyResult
from spotstream.models.market import BookLevel, BookStatus
from spotstream.protocol.kraken.checksum import kraken_l3_checksum, kraken_l3_level_text
from spotstream.protocol.kraken.v2.private_wire import PRIVATE_CHANNEL_DECODER, Level3Message


@dataclass(frozen=True)
class Order:
    order_id: str
    limit_price: Number
    order_qty: Number
    event: str | None = None


def add(oid: str, price: str, qty: str) -> Order:
    return Order(oid, Decimal(price), Decimal(qty), "add")


def modify(oid: str, price: str, qty: str) -> Order:
    return Order(oid, Decimal(price), Decimal(qty), "modify")


def delete(oid: str, price: str = "1") -> Order:
    return Order(oid, Decimal(price), Decimal("0"), "delete")


def queue(book: L3Book, side: Side, price: str) -> list[tuple[str, str]]:
    return [(o.order_id, str(o.qty)) for o in book.orders(side, Decimal(price))]


# --- the spec's verified example (§6.5: BTC/USD, price_precision 1, qty_precision 8) ------

SPEC_ASKS = (
    "44939545230839344939511126144939510000044939510000004495001033492644953064537449550250000"
    "449596356300004495963563000044960133807244960288967575449670314392283449785677896044979235630000"
)
SPEC_BIDS = (
    "449394889686994493944521000044939410000000449394142963234493942500000044939410292988449394338800"
    "004493941281408604493713346877449347356300004493022273429944930210000004493025550000449302700000"
    "004493021500000044928010524044919633870000449195761000044912035630000449097669000044901988982"
)
# (price units, qty units) per order in queue order, parsed from the strings above
ASK_ORDERS = [
    (449395, 452308393), (449395, 111261), (449395, 100000), (449395, 1000000),
    (449500, 10334926), (449530, 64537), (449550, 250000), (449596, 35630000),
    (449596, 35630000), (449601, 338072), (449602, 88967575), (449670, 314392283),
    (449785, 6778960), (449792, 35630000),
]  # fmt: skip
BID_ORDERS = [
    (449394, 88968699), (449394, 45210000), (449394, 10000000), (449394, 14296323),
    (449394, 25000000), (449394, 10292988), (449394, 33880000), (449394, 128140860),
    (449371, 3346877), (449347, 35630000), (449302, 22734299), (449302, 1000000),
    (449302, 5550000), (449302, 70000000), (449302, 15000000), (449280, 105240),
    (449196, 33870000), (449195, 7610000), (449120, 35630000), (449097, 6690000),
    (449019, 88982),
]  # fmt: skip


def spec_orders(units: list[tuple[int, int]], prefix: str, as_text: bool) -> list[Order]:
    orders = []
    for i, (price, qty) in enumerate(units):
        p, q = from_units(price, 1), from_units(qty, 8)
        if as_text:  # JSON-number text, trailing zeros trimmed as on the wire
            orders.append(
                Order(f"{prefix}{i}", format(p.normalize(), "f").encode(), str(q).encode())
            )
        else:
            orders.append(Order(f"{prefix}{i}", p, q))
    return orders


@pytest.mark.parametrize("as_text", [False, True])
def test_spec_l3_checksum_example(as_text: bool) -> None:
    book = L3Book(25, 1, 8, kraken_l3_level_text)
    bids = spec_orders(BID_ORDERS, "B", as_text)
    asks = spec_orders(ASK_ORDERS, "A", as_text)
    # an 11th level per side is outside the checksum
    bids.append(Order("B-out", Decimal("44900.0"), Decimal("1")))
    asks.append(Order("A-out", Decimal("44999.9"), Decimal("1")))
    book.apply_snapshot(bids, asks)
    assert book.asks.text(10).decode() == SPEC_ASKS
    assert book.bids.text(10).decode() == SPEC_BIDS
    assert zlib.crc32((SPEC_ASKS + SPEC_BIDS).encode()) == 1063832831
    assert kraken_l3_checksum(book) == 1063832831
    assert len(book.asks) == len(book.bids) == 11
    assert len(book) == len(BID_ORDERS) + len(ASK_ORDERS) + 2


def test_empty_book_checksum_is_zero() -> None:
    assert kraken_l3_checksum(L3Book(10, 1, 8, kraken_l3_level_text)) == 0


# --- semantics ----------------------------------------------------------------------------


def test_add_appends_in_queue_order_and_l2_view_sums() -> None:
    book = L3Book(10, 1, 2, kraken_l3_level_text)
    book.apply_update([add("a", "10.0", "1"), add("b", "10", "2.5"), add("c", "9.5", "1")], [])
    book.apply_update([], [add("x", "11", "3"), add("y", "10.5", "0.25")])
    assert queue(book, "bid", "10") == [("a", "1.00"), ("b", "2.50")]
    assert book.l2_view() == (
        (BookLevel(Decimal("10.0"), Decimal("3.50")), BookLevel(Decimal("9.5"), Decimal("1.00"))),
        (BookLevel(Decimal("10.5"), Decimal("0.25")), BookLevel(Decimal("11.0"), Decimal("3.00"))),
    )
    assert book.l2_view(1).bids == (BookLevel(Decimal("10.0"), Decimal("3.50")),)
    assert book.orders("ask", Decimal("12")) == ()
    assert book.orders("ask", b"10.5") == (RestingOrder("y", Decimal("0.25")),)


def test_modify_same_price_keeps_queue_position() -> None:
    book = L3Book(10, 1, 2, kraken_l3_level_text)
    book.apply_update([add("a", "10", "1"), add("b", "10", "2"), add("c", "10", "3")], [])
    book.apply_update([modify("a", "10", "0.5")], [])
    assert queue(book, "bid", "10") == [("a", "0.50"), ("b", "2.00"), ("c", "3.00")]


def test_modify_new_price_moves_to_back_of_new_level() -> None:
    book = L3Book(10, 1, 2, kraken_l3_level_text)
    book.apply_update([add("a", "10", "1"), add("b", "9", "2"), add("c", "9", "3")], [])
    book.apply_update([modify("a", "9", "1")], [])
    assert queue(book, "bid", "9") == [("b", "2.00"), ("c", "3.00"), ("a", "1.00")]
    assert queue(book, "bid", "10") == []
    assert book.bids.keys == [-90]
    book.apply_update([], [modify("b", "12", "2")])  # another side: moved there
    assert queue(book, "bid", "9") == [("c", "3.00"), ("a", "1.00")]
    assert queue(book, "ask", "12") == [("b", "2.00")]


def test_delete_and_unknown_ids() -> None:
    book = L3Book(10, 1, 2, kraken_l3_level_text)
    book.apply_update([add("a", "10", "1"), add("b", "10", "2")], [])
    book.apply_update([delete("a"), delete("nope")], [])
    assert queue(book, "bid", "10") == [("b", "2.00")]
    assert book.unknown_deletes == 1
    book.apply_update([modify("new", "8", "1")], [])  # unknown modify: applied as an add
    assert book.unknown_modifies == 1
    assert queue(book, "bid", "8") == [("new", "1.00")]
    book.apply_update([modify("b", "10", "0")], [])  # zero qty: removed
    assert book.bids.keys == [-80]
    assert len(book) == 1


def test_protocol_errors() -> None:
    book = L3Book(10, 1, 2, kraken_l3_level_text)
    book.apply_update([add("a", "10", "1")], [])
    with pytest.raises(L3OrderError, match="already"):
        book.apply_update([], [add("a", "11", "1")])
    with pytest.raises(L3OrderError, match="event"):
        book.apply_update([Order("z", Decimal(1), Decimal(1), "amend")], [])
    with pytest.raises(PrecisionError):
        book.apply_update([add("p", "10.05", "1")], [])
    with pytest.raises(PrecisionError):
        book.apply_update([add("q", "10", "-1")], [])
    with pytest.raises(PrecisionError, match="zero price"):
        book.apply_update([add("r", "0", "1")], [])


def test_truncation_drops_levels_and_their_orders() -> None:
    book = L3Book(2, 1, 2, kraken_l3_level_text)
    book.apply_snapshot(
        [Order("a", Decimal(10), Decimal(1)), Order("b", Decimal(9), Decimal(1))],
        [Order("x", Decimal(11), Decimal(1))],
    )
    book.apply_update([add("c", "9.5", "1"), add("d", "9.5", "2")], [])
    assert [k for k in book.bids.keys] == [-100, -95]
    assert "b" not in book.index
    assert len(book) == 4
    book.apply_update([delete("b")], [])  # out of the window: unknown now
    assert book.unknown_deletes == 1
    book.apply_update([add("e", "12", "1"), add("f", "11.5", "1")], [])
    assert book.bids.keys == [-120, -115]
    assert sorted(book.index) == ["e", "f", "x"]


# --- VerifiedL3Book -----------------------------------------------------------------------


def status(vb: VerifiedL3Book) -> BookStatus:
    return vb.status  # (a call: mypy would narrow the attribute across apply calls)


def test_verified_l3_book_lifecycle() -> None:
    vb = VerifiedL3Book("BTC/USD", 10, 1, 2, kraken_l3_checksum)
    assert status(vb) is BookStatus.SYNCING
    assert vb.apply_update([add("a", "10", "1")], [], None) is ApplyResult.IGNORED
    bids = [Order("a", Decimal(10), Decimal(1))]
    good = zlib.crc32(b"100100")
    assert vb.apply_snapshot(bids, [], good) is ApplyResult.VERIFIED
    assert status(vb) is BookStatus.SYNCED
    assert vb.apply_update([modify("a", "10", "2")], [], None) is ApplyResult.UNVERIFIED
    assert vb.apply_update([delete("a")], [], 123) is ApplyResult.MISMATCH
    assert status(vb) is BookStatus.RESYNCING
    assert vb.apply_update([], [], 0) is ApplyResult.IGNORED
    assert vb.apply_snapshot(bids, [], good) is ApplyResult.VERIFIED
    assert vb.apply_update([add("a", "10", "1")], [], None) is ApplyResult.INVALID
    assert status(vb) is BookStatus.RESYNCING
    vb.apply_snapshot(bids, [], good)
    vb.mark_resyncing()
    assert status(vb) is BookStatus.RESYNCING
    c = vb.counters
    assert (c.snapshots, c.updates, c.checksums_verified, c.checksum_mismatches, c.resyncs) == (
        3,
        3,
        3,
        1,
        2,
    )
    assert vb.ignored == 2
    assert vb.computed_checksum() == good
    assert vb.snapshot().bids == (BookLevel(Decimal("10.0"), Decimal("1.00")),)


# --- real frames (kraken-async-rs fixtures; their books are trimmed, checksums won't match) --


def test_capture_level3_frames_apply(captures: Path) -> None:
    path = captures / "kraken-async-rs" / "v2_messages.jsonl"
    raws = [json.loads(line)["raw"] for line in path.read_text().splitlines() if "level3" in line]
    messages = [PRIVATE_CHANNEL_DECODER.decode(raw) for raw in raws if '"data"' in raw]
    assert [m.type for m in messages if isinstance(m, Level3Message)] == ["snapshot", "update"]
    snapshot, update = (m.data[0] for m in messages if isinstance(m, Level3Message))
    vb = VerifiedL3Book("BTC/USD", 10, 1, 8, kraken_l3_checksum)
    vb.apply_snapshot(snapshot.bids, snapshot.asks, snapshot.checksum, snapshot.timestamp)
    assert len(vb.book) == len(snapshot.bids) + len(snapshot.asks)
    assert vb.book.orders("bid", Decimal("66579.2"))[0] == RestingOrder(
        "OZYA6B-OE3BH-YJ4PY5", Decimal("1.35137590")
    )
    vb.book.apply_update(update.bids, update.asks)
    assert 0 <= kraken_l3_checksum(vb.book) < 2**32
    assert "OI2XQ5-6JUYI-A5NI6J" in vb.book.index


# --- property: against a naive reference --------------------------------------------------


@dataclass
class Reference:
    """order id -> (sign, price units, qty units, seq); everything recomputed from scratch."""

    depth: int
    orders: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    seq: int = 0
    unknown_deletes: int = 0

    def place(self, oid: str, sign: int, price: int, qty: int) -> None:
        if qty:
            self.seq += 1
            self.orders[oid] = (sign, price, qty, self.seq)

    def apply(self, sign: int, event: str, oid: str, price: int, qty: int) -> None:
        old = self.orders.get(oid)
        if event == "delete":
            self.unknown_deletes += old is None
            self.orders.pop(oid, None)
        elif event == "add" or old is None:
            self.place(oid, sign, price, qty)
        elif old[:2] == (sign, price) and qty:
            self.orders[oid] = (sign, price, qty, old[3])
        else:
            del self.orders[oid]
            self.place(oid, sign, price, qty)

    def prices(self, sign: int) -> list[int]:
        return sorted(
            {p for s, p, _, _ in self.orders.values() if s == sign}, key=lambda p: p * sign
        )

    def truncate(self) -> None:
        keep = {(s, p) for s in (1, -1) for p in self.prices(s)[: self.depth]}
        self.orders = {k: v for k, v in self.orders.items() if v[:2] in keep}

    def queue(self, sign: int, price: int) -> list[tuple[str, int]]:
        rows = sorted((v[3], k, v[2]) for k, v in self.orders.items() if v[:2] == (sign, price))
        return [(k, q) for _, k, q in rows]

    def checksum(self) -> int:
        text = b"".join(
            b"%d%d" % (p, q)
            for s in (1, -1)
            for p in self.prices(s)[:10]
            for _, q in self.queue(s, p)
        )
        return zlib.crc32(text)


EVENTS = st.sampled_from(["add", "add", "modify", "delete"])
OP = st.tuples(
    st.sampled_from([1, -1]), EVENTS, st.integers(0, 11), st.integers(1, 16), st.integers(0, 6)
)


def to_order(event: str | None, oid: str, price: int, qty: int) -> Order:
    return Order(oid, from_units(price, 1), from_units(qty, 2), event)


def check(book: L3Book, ref: Reference) -> None:
    assert kraken_l3_checksum(book) == ref.checksum()
    assert book.unknown_deletes == ref.unknown_deletes
    assert len(book) == len(ref.orders)
    sides: tuple[tuple[int, L3Side, Side], ...] = ((1, book.asks, "ask"), (-1, book.bids, "bid"))
    for sign, side, name in sides:
        assert [k * sign for k in side.keys] == ref.prices(sign)
        for price in ref.prices(sign):
            orders = book.orders(name, from_units(price, 1))
            assert [(o.order_id, o.qty) for o in orders] == [
                (k, from_units(q, 2)) for k, q in ref.queue(sign, price)
            ]
    view = book.l2_view()
    for sign, levels in ((1, view.asks), (-1, view.bids)):
        expected = [
            BookLevel(from_units(p, 1), from_units(sum(q for _, q in ref.queue(sign, p)), 2))
            for p in ref.prices(sign)
        ]
        assert list(levels) == expected


@settings(max_examples=150, deadline=None)
@given(
    depth=st.integers(1, 12),
    snapshot=st.lists(OP, max_size=20),
    messages=st.lists(st.lists(OP, max_size=8), max_size=12),
)
def test_matches_reference(
    depth: int,
    snapshot: list[tuple[int, str, int, int, int]],
    messages: list[list[tuple[int, str, int, int, int]]],
) -> None:
    book, ref = L3Book(depth, 1, 2, kraken_l3_level_text), Reference(depth)
    sides: dict[int, list[Order]] = {1: [], -1: []}
    for sign, _, i, price, qty in sorted(snapshot, key=lambda op: op[0]):  # bids first
        if f"o{i}" not in ref.orders and qty:
            ref.apply(sign, "add", f"o{i}", price, qty)
            sides[sign].append(to_order(None, f"o{i}", price, qty))
    book.apply_snapshot(sides[-1], sides[1])
    ref.truncate()
    check(book, ref)
    for ops in messages:
        sides = {1: [], -1: []}
        for sign, event, i, price, qty in sorted(ops, key=lambda op: op[0]):  # bids first
            if event == "add" and f"o{i}" in ref.orders:
                event = "modify"  # keep the stream valid: a duplicate add is an error
            ref.apply(sign, event, f"o{i}", price, qty)
            sides[sign].append(to_order(event, f"o{i}", price, qty))
        book.apply_update(sides[-1], sides[1])
        ref.truncate()
        check(book, ref)
