"""The C accelerator of BookSide.apply against the pure-Python reference, input for input,
for every source of level text and with or without a separator."""

from __future__ import annotations

import os
import zlib
from decimal import Decimal

import msgspec
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spotstream.book import l2
from spotstream.book.l2 import BookSide, LevelText, TextSource
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
         '"1.5"', "1_000", " 1", "00.5", "9" * 45, "1." + "0" * 45, "0." + "0" * 7 + "1",
         "0" * 100 + "1.5", "2." + "0" * 100,
         '"0.05000"', '"5541.30000"', '"0"', '"', '""', '"1.5', '1.5"', '"-1"', '" 1"',
         '""1.5""']
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


TEXTS = st.builds(LevelText, st.sampled_from(TextSource), st.just(3), st.sampled_from([b"", b":"]))


@needs_c
@settings(max_examples=400, deadline=None)
@given(level_batches(), st.integers(0, 8), st.integers(0, 9), st.sampled_from([1, -1]), TEXTS)
def test_c_and_python_agree(
    batches: list[list[tuple[str, str]]], pp: int, qp: int, sign: int, text: LevelText
) -> None:
    fast, pure = BookSide(sign, text), BookSide(sign, text)
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

    side = BookSide(1, LevelText(TextSource.UNITS, 10))
    side.apply([DecimalLevel(Decimal("1.5"), Decimal("2"))], 1, 8)
    assert side.keys == [15]
    assert side.texts == [b"15200000000"]
    received = BookSide(1, LevelText(TextSource.RECEIVED, 10, b":"))
    received.apply([DecimalLevel(Decimal("1.50"), Decimal("2"))], 2, 8)
    assert received.texts == [b"1.50:2"]


@pytest.mark.parametrize("pure", [False, True])
def test_received_text_is_kept_as_received(pure: bool) -> None:
    side = BookSide(-1, LevelText(TextSource.RECEIVED, 2, b":"))
    raw = [("30000.10", "0.50000000"), ("030000.2", "1"), ("29999.9", "2.5"), ("30000.10", "0.7")]
    levels = [Level(msgspec.Raw(p.encode()), msgspec.Raw(q.encode())) for p, q in raw]
    _run(side, levels, 2, 8, pure)
    assert side.keys == [-3000020, -3000010, -2999990]
    assert side.qtys == [100000000, 70000000, 250000000]
    assert side.texts == [b"030000.2:1", b"30000.10:0.7", b"29999.9:2.5"]
    assert side.top_text() == b"030000.2:1:30000.10:0.7"


@pytest.mark.parametrize("pure", [False, True])
def test_numbers_sent_as_json_strings_read_as_the_numbers(pure: bool) -> None:
    quoted = BookSide(1, LevelText(TextSource.UNITS, 10))
    plain = BookSide(1, LevelText(TextSource.UNITS, 10))
    raw = [("0.05005", "0.00000500"), ("0.05010", "1.50000000"), ("0.05005", "0.00000000")]
    _run(
        quoted,
        [Level(msgspec.Raw(f'"{p}"'.encode()), msgspec.Raw(f'"{q}"'.encode())) for p, q in raw],
        5,
        8,
        pure,
    )
    _run(
        plain, [Level(msgspec.Raw(p.encode()), msgspec.Raw(q.encode())) for p, q in raw], 5, 8, pure
    )
    assert (quoted.keys, quoted.qtys, quoted.texts) == (plain.keys, plain.qtys, plain.texts)
    assert quoted.texts == [b"5010150000000"]
    received = BookSide(1, LevelText(TextSource.RECEIVED, 10, b":"))
    _run(received, [Level(msgspec.Raw(b'"1.50"'), msgspec.Raw(b'"2"'))], 2, 8, pure)
    assert received.texts == [b"1.50:2"]  # the text as received is the number's, unquoted


def test_set_needs_unit_text() -> None:
    assert BookSide(1, LevelText(TextSource.UNITS, 10, b":")).top_text() == b""
    side = BookSide(1, LevelText(TextSource.UNITS, 10, b":"))
    side.set(15, 2)
    assert side.texts == [b"15:2"]
    with pytest.raises(ValueError, match="received"):
        BookSide(1, LevelText(TextSource.RECEIVED, 10)).set(15, 2)


# --- crc_join: the CRC of two sides' level texts joined ------------------------------------------

TEXTS = st.lists(st.binary(max_size=40), max_size=70)


@needs_c
@settings(max_examples=300, deadline=None)
@given(TEXTS, TEXTS, st.integers(0, 80), st.sampled_from([b"", b":", b"::", b"ab"]))
def test_crc_join_matches_the_reference(
    first: list[bytes], second: list[bytes], watch: int, separator: bytes
) -> None:
    want = l2.crc_join_python(first, second, watch, separator)
    assert want == zlib.crc32(separator.join(first[:watch] + second[:watch]))
    assert l2.crc_join(first, second, watch, separator) == want


@needs_c
def test_crc_join_beyond_its_stack_buffer_and_wrong_arguments() -> None:
    big = [bytes([65 + i % 26]) * 100 for i in range(200)]  # 20 KiB joined
    for watch in (0, 50, 81, 82, 200):
        assert l2.crc_join(big, big[:90], watch, b":") == l2.crc_join_python(
            big, big[:90], watch, b":"
        )
    with pytest.raises(TypeError):
        l2.crc_join([b"a", "b"], [], 10, b":")  # type: ignore[list-item]
    with pytest.raises(TypeError):
        l2.crc_join((b"a",), [], 10, b":")  # type: ignore[arg-type]
    for crc_join in (l2.crc_join, l2.crc_join_python):
        with pytest.raises(ValueError, match="negative"):
            crc_join([b"a"], [], -1, b":")


@needs_c
def test_crc_join_at_every_length_and_tail() -> None:
    # Blocks of 64 bytes are folded by carry-less multiplication where the CPU can
    # (_fastbook.CLMUL); whatever the length, the CRC is zlib's.
    data = bytes((i * 131 + (i >> 3)) % 256 for i in range(3000))
    for n in [*range(300), 1023, 1024, 1025, 2999, 3000]:
        assert l2.crc_join([data[:n]], [], 1, b":") == zlib.crc32(data[:n])
        assert l2.crc_join([data[:n]], [data[n:]], 1, b"") == zlib.crc32(data)
