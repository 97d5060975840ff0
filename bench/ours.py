"""spotstream's in-process book pipeline on the peers' traffic.

The frames go through exactly what the client runs on each received frame: one
``KrakenV2Protocol.receive`` call (msgspec decode into typed wire Structs with exact
Decimals, scaled-integer book update, depth truncation, CRC32 verification), or for
WebSocket v1 one ``KrakenV1Protocol.receive`` on the same book's v1 frames (quoted
fixed-width numbers, both update layouts). Frames are bytes, as the picows transport hands
them over.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from decimal import Decimal

import spotstream
from peers import PeerError, PeerResult
from spotstream.models.market import Instrument
from spotstream.protocol.kraken.v1.public import KrakenV1Protocol
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol
from traffic import Traffic


def _protocol(traffic: Traffic) -> KrakenV2Protocol:
    protocol = KrakenV2Protocol()
    pair = Instrument(
        symbol=traffic.symbol_v2,
        base="BTC",
        quote="USD",
        status="online",
        price_precision=traffic.price_precision,
        qty_precision=traffic.qty_precision,
        price_increment=Decimal(1).scaleb(-traffic.price_precision),
        qty_increment=Decimal(1).scaleb(-traffic.qty_precision),
        qty_min=Decimal(1).scaleb(-traffic.qty_precision),
    )
    protocol.instruments.update([pair], [])
    protocol.subscribe("book", [traffic.symbol_v2], depth=traffic.depth)
    return protocol


def run_spotstream(traffic: Traffic, tamper: bool = True) -> PeerResult:
    result = _run("spotstream", _protocol(traffic), traffic, traffic.v2_frames, "")
    if tamper:
        result.note += "; " + _tamper_check(traffic)
    return result


def _protocol_v1(traffic: Traffic) -> KrakenV1Protocol:
    protocol = KrakenV1Protocol()  # precisions come from each snapshot's fixed widths
    protocol.subscribe("book", [traffic.symbol_v1], depth=traffic.depth)
    return protocol


def run_spotstream_v1(traffic: Traffic, tamper: bool = True) -> PeerResult:
    result = _run("spotstream-v1", _protocol_v1(traffic), traffic, traffic.v1_frames, "v1 frames")
    if tamper:
        result.note += "; " + _tamper_check_v1(traffic)
    return result


def _run(
    name: str,
    protocol: KrakenV1Protocol | KrakenV2Protocol,
    traffic: Traffic,
    frames: list[bytes],
    what: str,
) -> PeerResult:
    """Feed ``frames`` to ``protocol.receive``, timed; check every checksum was verified
    (a v1 snapshot carries none) and the final book is the generator's."""
    receive = protocol.receive
    gc.collect()
    start = time.perf_counter()
    for frame in frames:
        receive(frame)
    seconds = time.perf_counter() - start
    book = protocol.books[traffic.symbol_v2]
    counters = book.counters
    expected = len(frames) - (1 if isinstance(protocol, KrakenV1Protocol) else 0)
    if counters.checksums_verified != expected or counters.checksum_mismatches:
        raise PeerError(f"{name} verified {counters.checksums_verified}/{expected}")
    snap = book.snapshot()
    want = (list(traffic.final_bids), list(traffic.final_asks))
    got = ([(lv.price, lv.qty) for lv in snap.bids], [(lv.price, lv.qty) for lv in snap.asks])
    if got != want:
        raise PeerError(f"{name}'s final book differs from the generator's")
    parts = [f"spotstream {spotstream.__version__}", what, f"{expected} checksums verified"]
    note = "; ".join(part for part in parts if part)
    return PeerResult(name, traffic.depth, len(frames), seconds, "on", note)


def _tamper_check_v1(traffic: Traffic) -> str:
    frames = list(traffic.v1_frames[:50])
    head, _, rest = frames[25].partition(b'"c":"')
    digits, _, tail = rest.partition(b'"')
    wrong = str((int(digits) + 1) % (1 << 32)).encode()
    frames[25] = head + b'"c":"' + wrong + b'"' + tail
    check = _protocol_v1(traffic)
    for frame in frames:
        check.receive(frame)
    if check.books[traffic.symbol_v2].counters.checksum_mismatches != 1:
        raise PeerError("a tampered v1 checksum was not detected")
    return "tampered checksum detected"


def _tamper_check(traffic: Traffic) -> str:
    protocol = _protocol(traffic)
    frames = list(traffic.v2_frames[:50])
    frames[25] = frames[25].replace(b'"checksum":', b'"checksum":1', 1)
    for frame in frames:
        protocol.receive(frame)
    mismatches = protocol.books[traffic.symbol_v2].counters.checksum_mismatches
    if mismatches != 1:
        raise PeerError("a tampered checksum was not detected")
    return "tampered checksum detected"


def memory_per_level(depth: int = 1000) -> float:
    """Bytes of Python heap per book level (both sides full at ``depth``)."""
    from traffic import generate

    traffic = generate(depth, 0)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    protocol = _protocol(traffic)
    protocol.receive(traffic.v2_frames[0])
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    book = protocol.books[traffic.symbol_v2].book
    levels = len(book.bids) + len(book.asks)
    grown = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    return grown / levels
