"""Structural mutations of JSON messages, for the protocol fuzz tests (hypothesis)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from hypothesis import strategies as st


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every location inside a JSON value (not the root)."""
    if isinstance(value, dict):
        children: Any = value.items()
    elif isinstance(value, list):
        children = enumerate(value)
    else:
        return []
    out = []
    for key, child in children:
        out.append((*prefix, key))
        out += paths(child, (*prefix, key))
    return out


def mutate(message: Any, data: st.DataObject, values: st.SearchStrategy[Any]) -> None:
    """Replace or delete one to three values anywhere in ``message``, or add keys (in place)."""
    for _ in range(data.draw(st.integers(1, 3))):
        where = paths(message)
        if not where:
            return
        *parent_path, key = data.draw(st.sampled_from(where))
        parent = message
        for step in parent_path:
            parent = parent[step]
        action = data.draw(st.sampled_from(["replace", "delete", "add"]))
        if action == "delete" and isinstance(parent, dict):
            del parent[key]
        elif action == "add" and isinstance(parent, dict):
            parent[data.draw(st.text(max_size=6))] = data.draw(values)
        else:
            parent[key] = data.draw(values)


# --- hostile values and frames, shared by every decoder's fuzz tests ------------------------

NUMBER_TEXTS = st.sampled_from(
    ["0", "-0", "-1", "1e999", "1E-999", "NaN", "Infinity", "-inf", "0x1f", "1_000", " 1", "1.",
     ".5", "", "9" * 60, "0." + "0" * 50 + "1", "1" + "0" * 45, "00012.50", "1e5", "1.5e-3"]
)  # fmt: skip
"""Number text a server might send: signed, exponents, absurd sizes, not numbers at all."""

NUMBERS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.sampled_from([0, -1, 2**31, 2**32, 2**63, 2**64, -(2**63) - 1, 10**40, 10**400]),
    st.decimals(allow_nan=False, allow_infinity=False, places=None),
    st.sampled_from([Decimal("1E+40"), Decimal("1E-40"), Decimal("-0"), Decimal("1E+999")]),
)
"""Huge and tiny numbers, as JSON numbers."""

WORDS = st.sampled_from(
    ["snapshot", "update", "online", "book", "ticker", "trade", "subscribe", "BTC/USD",
     "XBT/USD", "BTCUSDT", "add", "delete", "modify", "put", "finish", "active", "buy",
     "sell", "maker", "book-10", "ohlc-5", "subscriptionStatus", "error", "depth.update"]
)  # fmt: skip
"""The venues' own vocabulary: a mutation that swaps one word for another goes deeper."""

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    NUMBERS,
    st.floats(allow_nan=False, allow_infinity=False),  # JSON numbers in float spelling
    NUMBER_TEXTS,
    WORDS,
    st.text(max_size=8),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
"""A value of the wrong type, null, a huge or tiny number, or a small container of them."""

FRAME_ACTIONS = ("intact", "mutate", "truncate", "random", "oversize", "wrap")


def oversize(message: Any, data: st.DataObject) -> None:
    """Make one list inside ``message`` huge (its items repeated), or add a 1 MiB string."""
    lists = [p for p in paths(message) if isinstance(_at(message, p), list) and _at(message, p)]
    if lists and data.draw(st.booleans()):
        items = _at(message, data.draw(st.sampled_from(lists)))
        items *= data.draw(st.sampled_from([100, 2_000]))
    elif isinstance(message, dict):
        message[data.draw(st.sampled_from(["x", "data", "checksum"]))] = "x" * (1 << 20)
    elif isinstance(message, list):
        message.append("x" * (1 << 20))


def _at(message: Any, path: tuple[Any, ...]) -> Any:
    for step in path:
        message = message[step]
    return message


def hostile(
    message: Any,
    data: st.DataObject,
    encode: Any,
    values: st.SearchStrategy[Any] = VALUES,
    actions: tuple[str, ...] = FRAME_ACTIONS,
) -> bytes:
    """One frame made from ``message`` (a JSON value, changed in place): left intact,
    structurally mutated, truncated, replaced by random bytes, oversized, or wrapped in
    something else; ``encode`` turns a JSON value into the frame's bytes."""
    action = data.draw(st.sampled_from(actions))
    if action == "mutate":
        mutate(message, data, values)
    elif action == "oversize":
        oversize(message, data)
    elif action == "random":
        return data.draw(st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
    elif action == "wrap":
        message = data.draw(st.sampled_from([[message], {"data": message}, [0, message, "x"]]))
    frame: bytes = encode(message)
    if action == "truncate":
        return frame[: data.draw(st.integers(0, max(len(frame) - 1, 0)))]
    return frame
