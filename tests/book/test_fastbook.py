"""The C accelerator of BookSide.apply against the pure-Python reference, input for input."""

from __future__ import annotations

import os
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotstream.book import l2
from spotstream.book.l2 import BookSide
from spotstream.book.units import PrecisionError

needs_c = pytest.mark.skipif(
    not l2.ACCELERATED, reason="accelerator not built (or SPOTSTREAM_PURE)"
)


class Level(msgspec.Struct):
    price: msgspec.Raw
    qty: msgspec.Raw


def test_accelerator_is_built_where_required() -> None:
    if os.environ.get("SPOTSTREAM_REQUIRE_ACCELERATOR") and not os.environ.get("SPOTSTREAM_PURE"):
        assert l2.ACCELERATED, "the C accelerator did not build"


# Number texts as they come from exchanges, plus every awkward shape the parser must route.
NUMBER_TEXT = st.one_of(
    st.from_regex(r"\A(0|[1-9][0-9]{0,6})(\.[0-9]{1,9})?\Z", fullmatch=True),
    st.sampled_from(
        ["0", "0.0", "0.00000000", "4.000", "1e5", "1E-8", "-1.5", "+2", "1.", ".5", "abc",
         '"1.5"', "1_000", " 1", "00.5", "9" * 45, "1." + "0" * 45, "0." + "0" * 7 + "1"]
    ),
)  # fmt: skip


@st.composite
def level_batches(draw: st.DrawFn) -> list[list[tuple[str, str]]]:
    batch = st.lists(st.tuples(NUMBER_TEXT, NUMBER_TEXT), max_size=6)
    return draw(st.lists(batch, min_size=1, max_size=25))


def _run(side: BookSide, levels: list[Level], pp: int, qp: int, pure: bool) -> object:
    try:
        if pure:
            side.apply_python(levels, pp, qp)
        else:
            side.apply(levels, pp, qp)
    except PrecisionError:
        return "error"
    return None


@needs_c
@settings(max_examples=400, deadline=None)
@given(level_batches(), st.integers(0, 8), st.integers(0, 9), st.sampled_from([1, -1]))
def test_c_and_python_agree(
    batches: list[list[tuple[str, str]]], pp: int, qp: int, sign: int
) -> None:
    fast, pure = BookSide(sign, watch=3), BookSide(sign, watch=3)
    for batch in batches:
        levels = [Level(msgspec.Raw(p.encode()), msgspec.Raw(q.encode())) for p, q in batch]
        outcome_fast = _run(fast, levels, pp, qp, pure=False)
        outcome_pure = _run(pure, levels, pp, qp, pure=True)
        assert outcome_fast == outcome_pure
        if outcome_fast == "error":
            return  # a book is dropped after an invalid level; partial states may differ
        assert fast.keys == pure.keys
        assert fast.qtys == pure.qtys
        assert fast.texts == pure.texts
        assert fast.top_text() == pure.top_text()


def test_decimals_take_the_reference_path() -> None:
    class DecimalLevel(msgspec.Struct):
        price: Decimal
        qty: Decimal

    side = BookSide(1)
    side.apply([DecimalLevel(Decimal("1.5"), Decimal("2"))], 1, 8)
    assert side.keys == [15]
    assert side.texts == [b"15200000000"]
