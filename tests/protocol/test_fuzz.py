"""Every decoder (venue, version, public and private), fuzzed from its real frames: each
frame of every channel mutated (values replaced by wrong types, nulls, huge, tiny and signed
numbers, number text no venue sends; keys deleted and added), truncated, wrapped, oversized
or replaced by random bytes. ``receive()`` never raises, no handler fails
(``internal:*``), every event is one of the protocol's, and every frame it could not use is
counted (``unhandled`` grows by the ``Unhandled`` events returned). Books: test_fuzz_books.py.
Examples per decoder: the hypothesis profile's (``ci``: 1,000).
"""

from __future__ import annotations

import gzip

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from helpers.captures import dumps_exact
from helpers.decoders import DECODERS, ID_KEYS, Decoder, parse
from helpers.mutation import hostile
from spotstream.protocol import events as ev

EVENTS = tuple(
    value
    for value in vars(ev).values()
    if isinstance(value, type) and value.__module__ == ev.__name__
)


def survives(protocol: object, frame: bytes) -> None:
    before = protocol.unhandled.total()  # type: ignore[attr-defined]
    events = protocol.receive(frame)  # type: ignore[attr-defined]
    assert isinstance(events, list)
    assert all(isinstance(e, EVENTS) for e in events), events
    unhandled = [e for e in events if isinstance(e, ev.Unhandled)]
    assert not [e for e in unhandled if e.kind.startswith("internal")], unhandled
    assert protocol.unhandled.total() - before == len(unhandled), frame  # type: ignore[attr-defined]


@pytest.fixture(scope="module", params=DECODERS, ids=lambda d: d.name)
def decoder(request: pytest.FixtureRequest) -> tuple[Decoder, list[bytes]]:
    found: Decoder = request.param
    corpus = found.corpus()
    assert len(corpus) >= 4, found.name
    return found, corpus


def test_the_corpus_is_decoded_without_a_failure(decoder: tuple[Decoder, list[bytes]]) -> None:
    found, corpus = decoder
    protocol = found.new()
    for frame in corpus:
        survives(protocol, frame)


def test_every_truncation_at_every_byte_is_survived(decoder: tuple[Decoder, list[bytes]]) -> None:
    found, corpus = decoder
    protocol = found.new()
    for frame in corpus:
        for end in range(len(frame)):
            survives(protocol, frame[:end])


@settings(suppress_health_check=[HealthCheck.too_slow])  # big corpus frames, mutated in place
@given(data=st.data())
def test_hostile_frames_are_survived(
    decoder: tuple[Decoder, list[bytes]], data: st.DataObject
) -> None:
    found, corpus = decoder
    protocol = found.new()
    for _ in range(data.draw(st.integers(1, 3))):
        message = parse(data.draw(st.sampled_from(corpus)))
        if isinstance(message, dict):
            for key in ID_KEYS:
                if message.get(key) is not None:  # an answer: to one of the pending requests
                    message[key] = data.draw(st.integers(1, 5))
        survives(protocol, hostile(message, data, found.encode))


# --- regressions found by the tests above ---------------------------------------------------


@pytest.mark.parametrize(
    "frame",
    [
        b'[336,{},"book-10","XBT/USD"]',  # a snapshot's shape without its sides
        b'[336,{"a":[["1.0","1.0","1"]],"c":"x"},"book-10","XBT/USD"]',  # a bad checksum
        b'[1E+999,{"as":[],"bs":[]},"book-10","XBT/USD"]',  # a number nothing holds: no JSON
    ],
)
def test_kraken_v1_returns_the_unhandled_it_counts(frame: bytes) -> None:
    """Kraken v1 counted these book frames as unhandled but returned only the invalid book."""
    protocol = next(d for d in DECODERS if d.name == "kraken-v1-public").new()
    events = protocol.receive(frame)
    assert [type(e) for e in events] == [ev.Unhandled, ev.BookData]
    assert protocol.unhandled == {"book": 1}


def test_a_coinex_v1_order_event_it_refuses_is_no_internal_failure() -> None:
    """An ``order.update`` of an unknown event number (0) failed inside the handler
    (``internal:orders``, its traceback logged) instead of being refused and counted."""
    protocol = next(d for d in DECODERS if d.name == "coinex-v1-private").new()
    message = parse(next(f for f in protocol_corpus("coinex-v1-private") if b"order." in f))
    message["params"][0] = 0
    unhandled, gap = protocol.receive(dumps_exact(message))
    assert isinstance(unhandled, ev.Unhandled)
    assert unhandled.kind == "orders"
    assert gap == ev.SequenceGap("orders", 1, 1)


def protocol_corpus(name: str) -> list[bytes]:
    corpus: list[bytes] = next(d for d in DECODERS if d.name == name).corpus()
    return corpus


def test_a_coinex_account_push_no_decoder_can_read_is_a_gap() -> None:
    """Regression: an ``order.update`` holding a number out of any decoder's range was
    counted as ``malformed``, its loss no gap (the account never reconciled)."""
    protocol = next(d for d in DECODERS if d.name == "coinex-v2-private").new()
    push = gzip.compress(b'{"method":"order.update","data":1E+999,"id":null}')
    unhandled, gap = protocol.receive(push)
    assert isinstance(unhandled, ev.Unhandled)
    assert unhandled.kind == "order.update"
    assert gap == ev.SequenceGap("orders", 1, 1)
