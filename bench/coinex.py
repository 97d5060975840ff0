"""The CoinEx v2 depth pipeline in-process: spotstream and ccxt.pro on identical gzip traffic.

``bench/coinex_traffic.py`` generates one market's pushes at a limit (a full push, then
incremental ones with the window's deletions), gzip-compressed as CoinEx sends them in binary
frames. Each runner gets those bytes, in-process, with no sockets:

- ``spotstream``: one ``CoinExV2Protocol.receive(frame)`` per frame, what the client runs per
  received frame: bounded gunzip, msgspec decode, book apply, and the whole-book CRC32 of
  every push (full ones too) compared with the push's. After the timed run every checksum
  must have been verified (``checksums_verified == len(frames)``, no mismatch) and the book
  must be the generator's final window, level text for level text.
- ``ccxt.pro``: ccxt's ``coinex`` websocket client fed what its aiohttp receive loop hands
  it, a BINARY ``WSMessage``: ``Client.handle_message`` gunzips it (ccxt's ``gunzip``),
  ``handle_text_or_binary_message`` parses it, ``coinex.handle_order_book`` applies it. The
  market is set in-process (no network). ccxt verifies no CoinEx checksum (the call is
  commented out in its source): the JSON says ``"checksum": "off"``. Its final book is
  compared with the generator's (ccxt holds floats: compared as their shortest repr, at
  the traffic's decimals).
- ``spotstream-kraken`` (calibration, unless ``--no-calibration``): spotstream's Kraken v2
  pipeline on ``bench/traffic.py``'s depth-10 traffic, in the same process, so that a run's
  figures can be compared across runs on a noisy machine.

Each runner reports the best of ``--repeat`` runs (one JSON line each); ``--stages`` first
prints the microseconds per push of each stage of spotstream's pipeline (inflate, decode, the
timestamp, book apply with and without the checksum, ``receive`` of text and of gzip)::

    .venv/bin/python bench/coinex.py --limit 50 --updates 20000 --repeat 7 [--stages]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import sys
import time
from collections.abc import Callable
from decimal import Decimal

from coinex_traffic import MARKET, PRICE_DECIMALS, QTY_DECIMALS, CoinExTraffic
from peers import PeerError, PeerResult, _version

RUNNERS = ("spotstream", "ccxt.pro")


def run_spotstream(traffic: CoinExTraffic) -> PeerResult:
    """One timed run of every frame through ``CoinExV2Protocol.receive``, then the checks."""
    from spotstream.book import l2
    from spotstream.protocol.coinex import framing
    from spotstream.protocol.coinex.v2.public import CoinExV2Protocol

    protocol = CoinExV2Protocol()
    protocol.subscribe_stream("book", [MARKET], {"depth": traffic.limit})
    receive, frames = protocol.receive, traffic.frames
    gc.collect()
    start = time.perf_counter()
    for frame in frames:
        receive(frame)
    seconds = time.perf_counter() - start
    book = protocol.books[MARKET]
    counters = book.counters
    if counters.checksums_verified != len(frames) or counters.checksum_mismatches:
        raise PeerError(f"spotstream: {counters} after {len(frames)} frames")
    for side, want in ((book.book.bids, traffic.final_bids), (book.book.asks, traffic.final_asks)):
        if side.texts != [f"{p}:{q}".encode() for p, q in want]:
            raise PeerError("spotstream: the book differs from the generator's final book")
    # (getattr: the script also measures older trees, from before the C inflate)
    built = {
        "inflate": getattr(framing, "ACCELERATED", False),
        "book": l2.ACCELERATED,
        "CRC by PCLMULQDQ": l2.ACCELERATED and getattr(l2._fastbook, "CLMUL", 0) == 1,
    }
    c = ", ".join(name for name, on in built.items() if on) or "none"
    note = f"gzip frames through CoinExV2Protocol.receive; every checksum verified; C: {c}"
    return PeerResult("spotstream", traffic.limit, len(frames), seconds, "on", note)


def _ccxt_market() -> dict[str, object]:
    """What ccxt's ``load_markets`` would hold for BTC/USDT spot (no network here)."""
    return {
        "id": MARKET,
        "symbol": "BTC/USDT",
        "base": "BTC",
        "quote": "USDT",
        "baseId": "BTC",
        "quoteId": "USDT",
        "type": "spot",
        "spot": True,
        "margin": False,
        "swap": False,
        "future": False,
        "option": False,
        "contract": False,
        "active": True,
        "precision": {"price": 10.0**-PRICE_DECIMALS, "amount": 10.0**-QTY_DECIMALS},
        "limits": {"amount": {"min": None, "max": None}, "price": {"min": None, "max": None}},
    }


def _fixed(levels: list[tuple[Decimal, Decimal]]) -> list[tuple[str, str]]:
    return [(f"{p:.{PRICE_DECIMALS}f}", f"{q:.{QTY_DECIMALS}f}") for p, q in levels]


def run_ccxt(traffic: CoinExTraffic) -> PeerResult:
    """One timed run of ccxt.pro coinex's message path, then the book check."""
    import ccxt.pro
    from aiohttp import WSMessage, WSMsgType

    frames = traffic.frames

    async def run() -> float:
        exchange = ccxt.pro.coinex()
        try:
            exchange.set_markets([_ccxt_market()])
            client = exchange.client(exchange.urls["api"]["ws"]["spot"])
            messages = [WSMessage(WSMsgType.BINARY, frame, None) for frame in frames]
            handle = client.handle_message
            gc.collect()
            start = time.perf_counter()
            for message in messages:
                handle(message)
            seconds = time.perf_counter() - start
            book = exchange.orderbooks["BTC/USDT"]
            for name, want in (("bids", traffic.final_bids), ("asks", traffic.final_asks)):
                got = [(Decimal(repr(p)), Decimal(repr(q))) for p, q in book[name]]
                wanted = [(Decimal(p), Decimal(q)) for p, q in want]
                if _fixed(got) != _fixed(wanted):
                    raise PeerError(f"ccxt.pro {name}: differs from the generator's final book")
            return seconds
        finally:
            await exchange.close()

    seconds = asyncio.run(run())
    note = (
        f"{_version('ccxt')}; BINARY WSMessage through Client.handle_message (ccxt's gunzip, "
        "then handle_order_book); ccxt checks no CoinEx checksum"
    )
    return PeerResult("ccxt.pro", traffic.limit, len(frames), seconds, "off", note)


def run_kraken_calibration() -> PeerResult:
    """spotstream's Kraken v2 pipeline (bench/ours.py) on depth-10 traffic: the yardstick."""
    from ours import run_spotstream as run_kraken
    from traffic import generate

    result = run_kraken(generate(10, 20_000), tamper=False)
    result.peer = "spotstream-kraken"
    result.note = "calibration: Kraken v2, depth 10, 20,000 updates (bench/ours.py)"
    return result


def stages(traffic: CoinExTraffic, repeat: int) -> dict[str, float]:
    """Microseconds per push of each stage of spotstream's pipeline, best of ``repeat`` plain
    loops each (no results kept): what ``receive`` does, piece by piece."""
    from spotstream.protocol.coinex import framing
    from spotstream.protocol.coinex.v2 import translate, wire
    from spotstream.protocol.coinex.v2.public import CoinExV2Protocol

    frames, n = traffic.frames, len(traffic.frames)
    texts = [framing.inflate(frame) for frame in frames]  # the inputs of the later stages
    pushes = [wire.PUSH_DECODER.decode(text) for text in texts]

    def protocol() -> CoinExV2Protocol:
        p = CoinExV2Protocol()
        p.subscribe_stream("book", [MARKET], {"depth": traffic.limit})
        return p

    def inflate() -> None:
        unzip = framing.inflate
        for frame in frames:
            unzip(frame)

    def decode() -> None:
        decode = wire.PUSH_DECODER.decode
        for text in texts:
            decode(text)

    def millis() -> None:
        to_datetime = translate.millis
        for push in pushes:
            to_datetime(push.data.depth.updated_at)

    def book(verify: bool) -> Callable[[], None]:
        def run() -> None:
            p = protocol()
            p.receive(frames[0])
            update = p.books[MARKET].apply_update
            for push in pushes[1:]:
                depth = push.data.depth
                update(depth.bids, depth.asks, depth.checksum if verify else None, None)

        return run

    def receive(inputs: list[bytes] | list[str]) -> Callable[[], None]:
        def run() -> None:
            receive = protocol().receive
            for item in inputs:
                receive(item)

        return run

    def timed(run: Callable[[], None]) -> float:
        best = float("inf")
        for _ in range(repeat):
            gc.collect()
            start = time.perf_counter()
            run()
            best = min(best, time.perf_counter() - start)
        return round(best / n * 1e6, 2)

    out = {
        "inflate": timed(inflate),
        "decode": timed(decode),
        "millis": timed(millis),
        "apply": timed(book(False)),
        "apply+checksum": timed(book(True)),
        "receive(text)": timed(receive([text.decode() for text in texts])),  # str: no gunzip
        "receive(gzip)": timed(receive(frames)),
    }
    out["checksum"] = round(out["apply+checksum"] - out["apply"], 2)
    return out


def best_of(run: Callable[[], PeerResult], repeat: int) -> PeerResult:
    runs = [run() for _ in range(repeat)]
    return min(runs, key=lambda r: r.seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=50, choices=(5, 10, 20, 50))
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=7, help="report the fastest of N runs")
    parser.add_argument("--runner", action="append", choices=RUNNERS, help="(repeatable)")
    parser.add_argument("--no-calibration", action="store_true")
    parser.add_argument("--stages", action="store_true", help="also time each stage (us/push)")
    args = parser.parse_args(argv)
    traffic = CoinExTraffic(args.limit, args.updates, seed=args.seed)
    if args.stages:
        line = {"bench": "coinex-stages", "limit": args.limit, "repeat": args.repeat}
        print(json.dumps({**line, "us_per_push": stages(traffic, args.repeat)}), flush=True)
    runners: dict[str, Callable[[], PeerResult]] = {
        "spotstream": lambda: run_spotstream(traffic),
        "ccxt.pro": lambda: run_ccxt(traffic),
    }
    chosen = [runners[name] for name in args.runner or RUNNERS]
    if not args.no_calibration:
        chosen.append(run_kraken_calibration)
    for run in chosen:
        try:
            result = best_of(run, args.repeat)
        except PeerError as exc:
            print(exc, file=sys.stderr)
            return 1
        line = result.as_dict()
        line["bench"] = "coinex"
        line["repeat"] = args.repeat
        print(json.dumps(line), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
