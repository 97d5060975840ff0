"""The CoinEx private protocol never raises on bad input: the documented pushes truncated
at every byte, structurally mutated, and random bytes are counted, and a push of a
subscribed feed that cannot be used is a gap, never lost silently."""

from __future__ import annotations

import gzip
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.coinex_private import BALANCE, DEAL, ORDER, STOP
from helpers.mutation import mutate
from spotstream.protocol.coinex.v2.private import CoinExV2PrivateProtocol
from spotstream.protocol.events import ChannelData, RequestDone, SequenceGap, Unhandled

FRAMES = (ORDER, STOP, DEAL, BALANCE)
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**63), 2**64 - 1),
    st.text(max_size=8),
    st.sampled_from(["put", "update", "finish", "active", "buy", "maker", "", "1e999", "-0"]),
)


def subscribed() -> CoinExV2PrivateProtocol:
    protocol = CoinExV2PrivateProtocol()
    for channel in ("orders", "stop_orders", "user_trades", "balances"):
        out = protocol.subscribe_stream(channel, [], {})
        answer = {"id": out.req_id, "code": 0, "message": "OK"}
        (done,) = protocol.receive(json.dumps(answer))
        assert isinstance(done, RequestDone)
    return protocol


def test_every_truncation_is_counted_never_raised() -> None:
    protocol = subscribed()
    for frame in FRAMES:
        for cut in range(len(frame)):
            for event in protocol.receive(frame[:cut].decode()):
                assert isinstance(event, Unhandled | SequenceGap)
            protocol.receive(gzip.compress(frame)[:cut])


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_mutated_pushes_become_data_or_a_counted_gap(data: st.DataObject) -> None:
    protocol = subscribed()
    message = json.loads(data.draw(st.sampled_from(FRAMES)))
    mutate(message, data, VALUES)
    events = protocol.receive(gzip.compress(json.dumps(message).encode()))
    assert events
    kinds = {type(e) for e in events}
    assert kinds <= {ChannelData, Unhandled, SequenceGap}
    if ChannelData not in kinds and message.get("method") in (
        "order.update",
        "stop.update",
        "user_deals.update",
    ):
        # not lost silently: a gap, unless it now reads as an answer (an id and a code)
        assert SequenceGap in kinds or protocol.unhandled["response"] == 1


@given(st.binary(max_size=200))
def test_random_bytes_never_raise(frame: bytes) -> None:
    for event in subscribed().receive(frame):
        assert isinstance(event, Unhandled)
