"""Property tests of the L2 book: ``L2Book`` / ``VerifiedBook`` against the naive reference
model (tests/helpers/reference_book.py) and the spec's reference checksum (copied there
verbatim from Kraken's WebSocket v2 reference §6.4)."""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from helpers.reference_book import ReferenceBook, book_checksum
from spotstream.book import L2Book, VerifiedBook, from_units, to_units
from spotstream.book.units import PrecisionError
from spotstream.book.verified import ApplyResult
from spotstream.errors import ProtocolError
from spotstream.models.market import BookStatus
from spotstream.protocol.kraken.checksum import KRAKEN_LEVEL_TEXT, kraken_checksum

FAST = settings(max_examples=50, deadline=None)

# --- strategies ---------------------------------------------------------------------------------

Units = tuple[int, int]  # (price units, qty units); qty 0 deletes


@dataclass(frozen=True)
class Level:
    price: Decimal
    qty: Decimal


@dataclass(frozen=True)
class Message:
    snapshot: bool
    bids: list[Units]
    asks: list[Units]
    with_checksum: bool = True


def render(units: int, precision: int, style: str) -> Decimal:
    """``units / 10^precision`` spelled as the wire might: full precision, trailing zeros
    trimmed (``0.566``), exponent form (``1E+2``) or with an extra zero (``0.56600``)."""
    exact = Decimal(f"{units}E-{precision}")
    if style == "trimmed":
        return Decimal(f"{exact.normalize():f}")
    if style == "exponent":
        return exact.normalize()
    if style == "padded":
        return Decimal(f"{units}0E-{precision + 1}")
    return exact


STYLES = st.sampled_from(["full", "trimmed", "exponent", "padded"])
PRECISIONS = st.tuples(st.integers(0, 5), st.integers(0, 8))
DEPTHS = st.sampled_from([1, 3, 10, 25])
PRICES = st.integers(1, 40)  # a narrow band: repeats, collisions and truncation are common
BID_PRICES = st.integers(1, 20)  # bids below asks: a crossed book is a wrong one (tested below)
ASK_PRICES = st.integers(21, 40)
QTYS = st.one_of(st.just(0), st.integers(1, 50), st.integers(1, 10**12))
SIDE = st.lists(st.tuples(BID_PRICES, QTYS), max_size=10)
ASK_SIDE = st.lists(st.tuples(ASK_PRICES, QTYS), max_size=10)
_PRICE = lambda level: level[0]  # noqa: E731 - a snapshot lists each price once
SNAPSHOT_SIDE = st.lists(
    st.tuples(BID_PRICES, st.integers(1, 10**12)), max_size=30, unique_by=_PRICE
)
SNAPSHOT_ASKS = st.lists(
    st.tuples(ASK_PRICES, st.integers(1, 10**12)), max_size=30, unique_by=_PRICE
)
SNAPSHOT_ASKS_WITH_ZEROS = st.lists(st.tuples(ASK_PRICES, QTYS), max_size=10, unique_by=_PRICE)


@st.composite
def messages(draw: st.DrawFn, first_snapshot: bool = True) -> list[Message]:
    out = []
    if first_snapshot:
        out.append(Message(True, draw(SNAPSHOT_SIDE), draw(SNAPSHOT_ASKS)))
    for _ in range(draw(st.integers(0, 8))):
        if draw(st.integers(0, 5)) == 0:
            out.append(Message(True, draw(SNAPSHOT_SIDE), draw(SNAPSHOT_ASKS_WITH_ZEROS)))
        else:
            out.append(Message(False, draw(SIDE), draw(ASK_SIDE), draw(st.integers(0, 9)) > 0))
    return out


def levels(units: list[Units], pp: int, qp: int, style: str) -> list[Level]:
    return [Level(render(p, pp, style), render(q, qp, style)) for p, q in units]


def pairs(lvls: list[Level]) -> list[tuple[Decimal, Decimal]]:
    return [(lv.price, lv.qty) for lv in lvls]


class Harness:
    """A VerifiedBook and the reference model fed the same messages."""

    def __init__(self, depth: int, pp: int, qp: int, style: str) -> None:
        self.pp, self.qp, self.style = pp, qp, style
        self.book = VerifiedBook("TST/USD", depth, pp, qp, kraken_checksum)
        self.ref = ReferenceBook(depth)

    def feed(self, message: Message, corrupt: Callable[[int], int] | None = None) -> ApplyResult:
        bids = levels(message.bids, self.pp, self.qp, self.style)
        asks = levels(message.asks, self.pp, self.qp, self.style)
        apply = self.book.apply_snapshot if message.snapshot else self.book.apply_update
        trusted = self.book.status is BookStatus.SYNCED or message.snapshot
        if trusted:
            self.ref.apply(pairs(bids), pairs(asks), snapshot=message.snapshot)
        checksum = self.ref.checksum(self.pp, self.qp)
        if corrupt is not None:
            checksum = corrupt(checksum)
        return apply(bids, asks, checksum if message.with_checksum else None)

    def assert_matches_reference(self) -> None:
        view = self.book.snapshot()
        assert [(lv.price, lv.qty) for lv in view.bids] == self.ref.sorted_bids()
        assert [(lv.price, lv.qty) for lv in view.asks] == self.ref.sorted_asks()
        for lv in (*view.bids, *view.asks):  # exact Decimals at the instrument's precision
            assert isinstance(lv.price, Decimal)
            assert isinstance(lv.qty, Decimal)
            assert lv.price.as_tuple().exponent == -self.pp
            assert lv.qty.as_tuple().exponent == -self.qp
        assert self.book.computed_checksum() == self.ref.checksum(self.pp, self.qp)


# --- VerifiedBook against the reference ---------------------------------------------------------


@FAST
@given(messages(), DEPTHS, PRECISIONS, STYLES)
def test_verified_book_matches_the_reference_model(
    msgs: list[Message], depth: int, precisions: tuple[int, int], style: str
) -> None:
    harness = Harness(depth, *precisions, style)
    for message in msgs:
        result = harness.feed(message)
        expected = ApplyResult.VERIFIED if message.with_checksum else ApplyResult.UNVERIFIED
        assert result is expected
        assert harness.book.status is BookStatus.SYNCED
        harness.assert_matches_reference()
    counters = harness.book.counters
    assert counters.snapshots == sum(m.snapshot for m in msgs)
    assert counters.updates == sum(not m.snapshot for m in msgs)
    assert counters.checksums_verified == sum(m.with_checksum for m in msgs)
    assert counters.checksum_mismatches == 0


@FAST
@given(messages(), st.sampled_from([10, 25]), PRECISIONS)
def test_snapshot_view_is_limited_and_best_first(
    msgs: list[Message], depth: int, precisions: tuple[int, int]
) -> None:
    harness = Harness(depth, *precisions, "trimmed")
    for message in msgs:
        harness.feed(message)
    full = harness.book.snapshot()
    top = harness.book.snapshot(limit=3)
    assert (top.bids, top.asks) == (full.bids[:3], full.asks[:3])
    assert list(full.bids) == sorted(full.bids, key=lambda lv: lv.price, reverse=True)
    assert list(full.asks) == sorted(full.asks, key=lambda lv: lv.price)
    assert len(full.bids) <= depth
    assert len(full.asks) <= depth
    assert full.best_bid == (full.bids[0] if full.bids else None)
    assert full.sequence == harness.book.counters.updates


@FAST
@given(messages(first_snapshot=False), PRECISIONS)
def test_updates_before_the_first_snapshot_are_ignored(
    msgs: list[Message], precisions: tuple[int, int]
) -> None:
    updates = [m for m in msgs if not m.snapshot]
    harness = Harness(10, *precisions, "full")
    for message in updates:
        assert harness.feed(message) is ApplyResult.IGNORED
    assert harness.book.status is BookStatus.SYNCING
    assert harness.book.ignored == len(updates)
    assert len(harness.book.book.bids) == len(harness.book.book.asks) == 0


# --- a checksum mismatch ------------------------------------------------------------------------


@FAST
@given(messages(), messages(first_snapshot=False), DEPTHS, PRECISIONS, st.data())
def test_after_a_mismatch_updates_are_ignored_until_the_next_snapshot(
    before: list[Message],
    after: list[Message],
    depth: int,
    precisions: tuple[int, int],
    data: st.DataObject,
) -> None:
    harness = Harness(depth, *precisions, "full")
    for message in before:
        harness.feed(message)
    resyncs = harness.book.counters.resyncs
    bad = Message(False, data.draw(SIDE), data.draw(ASK_SIDE))
    assert harness.feed(bad, corrupt=lambda c: c ^ 0x1) is ApplyResult.MISMATCH
    assert harness.book.status is BookStatus.RESYNCING
    assert harness.book.counters.checksum_mismatches == 1
    harness.assert_matches_reference()  # the message was applied before the check
    frozen = harness.book.snapshot()
    updates = [m for m in after if not m.snapshot]
    for message in updates:  # even with checksums that would verify
        assert harness.feed(message) is ApplyResult.IGNORED
    assert harness.book.snapshot() == frozen
    assert harness.book.ignored == len(updates)
    fresh = Message(True, data.draw(SNAPSHOT_SIDE), data.draw(SNAPSHOT_ASKS))
    assert harness.feed(fresh) is ApplyResult.VERIFIED
    assert harness.book.status is BookStatus.SYNCED
    assert harness.book.counters.resyncs == resyncs + 1
    harness.assert_matches_reference()


# --- a level that does not fit the instrument's precision ---------------------------------------


@st.composite
def off_precision_level(draw: st.DrawFn, pp: int, qp: int) -> tuple[Level, str]:
    """A level whose price or qty has one decimal too many (and a non-zero last digit)."""
    units = draw(st.integers(1, 10**6).filter(lambda u: u % 10))
    good = Decimal(f"{draw(st.integers(1, 10**6))}E-{qp}")
    if draw(st.booleans()):
        return Level(Decimal(f"{units}E-{pp + 1}"), good), "price"
    return Level(Decimal(f"{draw(BID_PRICES)}E-{pp}"), Decimal(f"{units}E-{qp + 1}")), "qty"


@FAST
@given(messages(), messages(first_snapshot=False), PRECISIONS, st.data())
def test_a_level_off_the_precision_is_invalid_until_the_next_snapshot(
    before: list[Message],
    after: list[Message],
    precisions: tuple[int, int],
    data: st.DataObject,
) -> None:
    pp, qp = precisions
    harness = Harness(10, pp, qp, "full")
    for message in before:
        harness.feed(message)
    resyncs = harness.book.counters.resyncs
    bad, _ = data.draw(off_precision_level(pp, qp))
    bids = levels(data.draw(SIDE), pp, qp, "full")
    bids.insert(data.draw(st.integers(0, len(bids))), bad)
    on_bids = data.draw(st.booleans())
    result = harness.book.apply_update(bids if on_bids else [], [] if on_bids else bids, 0)
    assert result is ApplyResult.INVALID
    assert harness.book.status is BookStatus.RESYNCING
    for message in after:
        if not message.snapshot:
            assert harness.feed(message) is ApplyResult.IGNORED
    fresh = Message(True, data.draw(SNAPSHOT_SIDE), data.draw(SNAPSHOT_ASKS))
    assert harness.feed(fresh) is ApplyResult.VERIFIED
    assert harness.book.counters.resyncs == resyncs + 1
    harness.assert_matches_reference()


@FAST
@given(PRECISIONS, st.data())
def test_an_off_precision_snapshot_is_invalid(
    precisions: tuple[int, int], data: st.DataObject
) -> None:
    pp, qp = precisions
    book = VerifiedBook("TST/USD", 10, pp, qp, kraken_checksum)
    bad, _ = data.draw(off_precision_level(pp, qp))
    assert book.apply_snapshot([bad], [], 0) is ApplyResult.INVALID
    assert book.status is BookStatus.RESYNCING
    assert book.apply_update([], [], book.computed_checksum()) is ApplyResult.IGNORED


# --- a crossed book, or a snapshot that lists a price twice ------------------------------------


@FAST
@given(messages(), PRECISIONS, st.data())
def test_an_update_that_crosses_the_book_is_a_wrong_book(
    before: list[Message], precisions: tuple[int, int], data: st.DataObject
) -> None:
    pp, qp = precisions
    harness = Harness(25, pp, qp, "full")
    for message in before:
        harness.feed(message)
    book = harness.book
    asks = book.snapshot().asks
    if not asks:  # nothing to cross: give the book an ask first
        assert harness.feed(Message(True, [(1, 1)], [(30, 1)])) is ApplyResult.VERIFIED
        asks = book.snapshot().asks
    at_or_above = data.draw(st.integers(int(asks[0].price * 10**pp), 45))
    crossing = levels([(at_or_above, 7)], pp, qp, "full")
    resyncs = book.counters.resyncs
    assert book.apply_update(crossing, [], 0) is ApplyResult.INVALID
    assert book.status is BookStatus.RESYNCING
    assert book.counters.inconsistent == 1
    assert harness.feed(Message(False, [], [])) is ApplyResult.IGNORED
    fresh = Message(True, data.draw(SNAPSHOT_SIDE), data.draw(SNAPSHOT_ASKS))
    assert harness.feed(fresh) is ApplyResult.VERIFIED
    assert book.counters.resyncs == resyncs + 1
    harness.assert_matches_reference()


@FAST
@given(PRECISIONS, st.data())
def test_a_crossed_or_repeating_snapshot_is_never_synced(
    precisions: tuple[int, int], data: st.DataObject
) -> None:
    pp, qp = precisions
    book = VerifiedBook("TST/USD", 25, pp, qp, kraken_checksum)
    price = data.draw(ASK_PRICES)
    crossed = (levels([(price, 1)], pp, qp, "full"), levels([(price - 1, 1)], pp, qp, "full"))
    assert book.apply_snapshot(*crossed, 0) is ApplyResult.INVALID
    assert book.status is BookStatus.RESYNCING
    twice = levels([(5, 1), (4, 2), (5, 3)], pp, qp, "full")  # 5 twice
    on_bids = data.draw(st.booleans())
    asks = levels([(30, 1)], pp, qp, "full")
    snapshot = (twice, asks) if on_bids else (levels([(1, 1)], pp, qp, "full"), twice_asks(pp, qp))
    assert book.apply_snapshot(*snapshot, 0) is ApplyResult.INVALID
    assert book.status is BookStatus.RESYNCING
    assert book.counters.inconsistent == 2
    zero_twice = levels([(5, 0), (5, 1), (4, 2)], pp, qp, "full")  # a zero level is no level
    assert book.apply_snapshot(zero_twice, asks, None) is ApplyResult.UNVERIFIED
    assert book.status is BookStatus.SYNCED


def twice_asks(pp: int, qp: int) -> list[Level]:
    return levels([(30, 1), (31, 2), (30, 3)], pp, qp, "full")


# --- L2Book on its own ---------------------------------------------------------------------------


@FAST
@given(st.lists(st.tuples(st.booleans(), PRICES, QTYS), max_size=80), DEPTHS)
def test_l2_book_matches_the_reference_on_units(
    ops: list[tuple[bool, int, int]], depth: int
) -> None:
    """Units in, units out: sides stay sorted best first, deduplicated, truncated."""
    book = L2Book(depth, KRAKEN_LEVEL_TEXT)
    ref = ReferenceBook(depth)
    for is_bid, price, qty in ops:
        side = book.bids if is_bid else book.asks
        side.set(price, qty)
        book.truncate()
        level = [(Decimal(price), Decimal(qty))]
        ref.apply(level if is_bid else [], [] if is_bid else level, snapshot=False)
        assert list(book.bids.levels()) == [(int(p), int(q)) for p, q in ref.sorted_bids()]
        assert list(book.asks.levels()) == [(int(p), int(q)) for p, q in ref.sorted_asks()]
    assert book.best_bid() == next(iter(book.bids.levels()), None)
    assert book.best_ask() == next(iter(book.asks.levels()), None)
    assert kraken_checksum(book) == book_checksum(ref.bids.items(), ref.asks.items(), 0, 0)


def test_l2_book_deleting_an_absent_level_is_a_no_op() -> None:
    book = L2Book(10, KRAKEN_LEVEL_TEXT)
    book.bids.set(100, 5)
    book.bids.set(101, 0)
    book.asks.set(101, 0)
    assert list(book.bids.levels()) == [(100, 5)]
    assert len(book.asks) == 0


# --- units ---------------------------------------------------------------------------------------


@FAST
@given(st.integers(-(10**20), 10**20), st.integers(0, 12))
def test_units_round_trip(units: int, precision: int) -> None:
    value = from_units(units, precision)
    assert value.as_tuple().exponent == -precision
    assert value == Decimal(units) / Decimal(10) ** precision
    assert to_units(value, precision) == units
    assert to_units(value.normalize(decimal.Context(prec=60)), precision) == units


@FAST
@given(st.integers(1, 10**15), st.integers(0, 10), st.integers(1, 4))
def test_units_refuse_extra_decimals(units: int, precision: int, extra: int) -> None:
    if units % 10**extra == 0:
        units += 1
    with pytest.raises(PrecisionError):
        to_units(Decimal(f"{units}E-{precision + extra}"), precision)


def test_precision_error_is_a_protocol_error() -> None:
    assert issubclass(PrecisionError, ProtocolError)


@pytest.mark.parametrize(
    ("value", "precision", "units"),
    [
        ("12345678901234567890123456789.1", 1, 123456789012345678901234567891),
        ("0.000000000000000000000000000001", 30, 1),
    ],
)
def test_to_units_is_exact_beyond_28_digits(value: str, precision: int, units: int) -> None:
    """The docstring promises the exact int or a PrecisionError, whatever the Decimal
    context's precision (28 digits by default)."""
    assert to_units(Decimal(value), precision) == units


def test_from_units_is_exact_beyond_28_digits() -> None:
    value = from_units(10**30 + 1, 8)
    assert value == Decimal("10000000000000000000000.00000001")
    assert value.as_tuple().exponent == -8


@pytest.mark.parametrize("value", ["1E-999999999", "1E+999999999", "-1E+999999999"])
def test_to_units_refuses_extreme_exponents(value: str) -> None:
    """A tiny non-zero price is not a whole number of units (it must not round to 0), and a
    huge one must be refused rather than raise ``decimal.Overflow`` (or build a giant int)."""
    with pytest.raises(PrecisionError):
        to_units(Decimal(value), 1)
