"""The private and L3 protocol never raise on bad input: they count what they cannot use.

Real private frames from the captures (executions, balances, level3, trading answers),
truncated at every byte, structurally mutated, and random bytes, are fed to protocol objects
with pending subscriptions, pending trading requests and a live L3 book.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.captures import dumps_exact, load_jsonl
from helpers.kraken_v2 import BTC_USD
from helpers.mutation import mutate
from spotstream.protocol.events import Unhandled
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol
from spotstream.protocol.kraken.v2.trading_wire import CancelOrderParams

PRIVATE_MARKERS = ('"executions"', '"balances"', '"level3"', "_order", "batch_", "cancel_all")
VALUES = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**63), 2**64 - 1),
        st.decimals(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
        st.sampled_from(["snapshot", "update", "add", "delete", "modify", "trade", "BTC/USD"]),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.fixture(scope="module")
def corpus(captures: Path) -> list[bytes]:
    lines = load_jsonl(captures / "kraken-async-rs" / "v2_messages.jsonl")
    found = [line.raw.encode() for line in lines if any(m in line.raw for m in PRIVATE_MARKERS)]
    assert len(found) >= 20
    return found


def protocols() -> list[KrakenV2PrivateProtocol]:
    """A private protocol with pending trading requests 1-3 and a subscription, and an L3
    protocol with a pending level3 subscription (req_id 1) for BTC/USD."""
    private = KrakenV2PrivateProtocol("private")
    private.token = "T"
    private.trading("add_order", CancelOrderParams(token="T"))
    private.trading("cancel_order", CancelOrderParams(token="T"), expected=2)
    private.trading("batch_cancel", CancelOrderParams(token="T"))
    private.subscribe("executions", snap_orders=True)
    l3 = KrakenV2PrivateProtocol("l3")
    l3.token = "T"
    l3.instruments.update([BTC_USD], [], replace=True)
    l3.subscribe("level3", ["BTC/USD"], depth=10)
    return [private, l3]


def survives(frame: bytes) -> None:
    for protocol in protocols():
        before = protocol.unhandled.total()
        events = protocol.receive(frame)
        unhandled = sum(isinstance(e, Unhandled) for e in events)
        assert protocol.unhandled.total() - before == unhandled, frame


def test_every_truncation_of_every_private_frame_is_survived(corpus: list[bytes]) -> None:
    for frame in corpus:
        for end in range(0, len(frame), 3):
            survives(frame[:end])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_structural_mutations_are_survived(corpus: list[bytes], data: st.DataObject) -> None:
    message = json.loads(data.draw(st.sampled_from(corpus)), parse_float=Decimal)
    if "req_id" in message:
        message["req_id"] = data.draw(st.sampled_from([1, 2, 3, 4]))
    mutate(message, data, VALUES)
    survives(dumps_exact(message))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_random_bytes_are_survived(frame: bytes) -> None:
    survives(frame)
