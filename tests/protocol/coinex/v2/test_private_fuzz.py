"""The CoinEx private protocol never raises on bad input: the documented pushes truncated
at every byte and structurally mutated are counted, and a push of a subscribed feed that
cannot be used is a gap, never lost silently (every decoder's fuzzing: test_fuzz.py)."""

from __future__ import annotations

import gzip
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.captures import dumps_exact
from helpers.coinex_private import BALANCE, DEAL, ORDER, STOP
from helpers.mutation import VALUES, mutate
from spotstream.protocol.coinex.v2.private import CoinExV2PrivateProtocol
from spotstream.protocol.events import ChannelData, RequestDone, SequenceGap, Unhandled

FRAMES = (ORDER, STOP, DEAL, BALANCE)


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


@settings(suppress_health_check=[HealthCheck.too_slow])  # each example subscribes 4 feeds
@given(st.data())
def test_mutated_pushes_become_data_or_a_counted_gap(data: st.DataObject) -> None:
    protocol = subscribed()
    message = json.loads(data.draw(st.sampled_from(FRAMES)))
    mutate(message, data, VALUES)
    events = protocol.receive(gzip.compress(dumps_exact(message)))
    kinds = {type(e) for e in events}
    assert kinds <= {ChannelData, Unhandled, SequenceGap}
    if ChannelData not in kinds and message.get("method") in (
        "order.update",
        "stop.update",
        "user_deals.update",
    ):
        # not lost silently: a gap, unless it now reads as an answer (an id and a code)
        assert SequenceGap in kinds or protocol.unhandled["response"] == 1
