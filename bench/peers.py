"""Feed generated Kraken book traffic through other libraries' book code.

Each peer gets the frames as text (what its websocket transport hands over),
in-process, with no sockets, and is driven through the same entry point its
receive loop calls: the peer parses the JSON, applies the levels and checks
the Kraken checksum itself.  After the timed run the peer's book is compared
level by level with the generator's final book, and a short tampered run
confirms the peer's checksum check really fires.

Run with the bench venv, e.g.::

    /work/benchvenv/bin/python bench/peers.py --depth 10 --updates 20000

One JSON line is printed per peer.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib.metadata
import json
import logging
import re
import sys
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from traffic import Traffic, generate

PEERS = ("python-kraken-sdk", "cryptofeed", "ccxt.pro")


class PeerError(Exception):
    """A peer rejected the traffic or ended with a wrong book."""


@dataclass
class PeerResult:
    """Outcome of one timed run of one peer."""

    peer: str
    depth: int
    messages: int
    seconds: float
    checksum: str  # "on" or "off"
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "peer": self.peer,
            "depth": self.depth,
            "messages": self.messages,
            "seconds": round(self.seconds, 6),
            "msgs_per_sec": round(self.messages / self.seconds) if self.seconds else None,
            "checksum": self.checksum,
            "note": self.note,
        }


def _version(dist: str) -> str:
    return f"{dist} {importlib.metadata.version(dist)}"


def _texts(frames: list[bytes]) -> list[str]:
    """Decode outside the timed loop: the websocket layer delivers str."""
    return [frame.decode() for frame in frames]


def _fixed(levels: list[tuple[Decimal, Decimal]], pp: int, qp: int) -> list[tuple[str, str]]:
    return [(f"{p:.{pp}f}", f"{q:.{qp}f}") for p, q in levels]


def _expect(got: object, want: object, what: str) -> None:
    if got != want:
        raise PeerError(f"{what}: book differs from the generator's final book")


def _first_difference(got: list[Any], want: list[Any]) -> int | None:
    """Index of the first differing level (or the shorter length), else None."""
    for i, (a, b) in enumerate(zip(got, want, strict=False)):
        if a != b:
            return i
    return None if len(got) == len(want) else min(len(got), len(want))


def _two_sided(v1_text: str) -> bool:
    """A v1 update with both an "a" and a "b" object (five array items)."""
    return len(json.loads(v1_text)) == 5


def _tampered(frames: list[bytes], index: int) -> list[bytes]:
    """``frames`` up to ``index``, with the checksum of that last frame off by one."""
    out = frames[: index + 1]
    # v2: "checksum":N  /  v1: "c":"N"; only the digits change.
    match = re.search(rb'"(?:checksum":|c":")(\d+)', out[index])
    if match is None:
        raise ValueError(f"frame {index} has no checksum")
    wrong = str((int(match[1]) + 1) % 2**32).encode()
    out[index] = out[index][: match.start(1)] + wrong + out[index][match.end(1) :]
    return out


def _timed(run: Callable[[list[str]], Coroutine[Any, Any, None]], texts: list[str]) -> float:
    """Run ``run(texts)`` on a fresh event loop; return elapsed seconds."""

    async def body() -> float:
        gc.collect()
        start = time.perf_counter()
        await run(texts)
        return time.perf_counter() - start

    return asyncio.run(body())


# --------------------------------------------------------------------------
# python-kraken-sdk: SpotOrderBookClient (WebSocket v2)


def run_kraken_sdk(traffic: Traffic, tamper: bool = True) -> PeerResult:
    """Drive ``SpotOrderBookClient`` the way its connection's receive loop does.

    The loop does ``json.loads`` then ``_manage_subscriptions`` then
    ``on_message``; ``on_message`` applies the levels, re-sorts and truncates,
    and validates the checksum on every update.  Its only network use in this
    path is one REST call for the pair's decimals, replaced here by a stub.
    """
    from kraken.spot import SpotOrderBookClient

    t = traffic
    pair = t.symbol_v2

    class Market:
        def get_asset_pairs(self, pair: str) -> dict[str, dict[str, int]]:
            return {pair: {"pair_decimals": t.price_precision, "lot_decimals": t.qty_precision}}

    class Mismatch(PeerError):
        pass

    def make_run(seen: list[int]) -> Callable[[list[str]], Coroutine[Any, Any, None]]:
        async def run(texts: list[str]) -> None:
            def on_update(pair: str, message: dict[str, Any]) -> None:
                # On a checksum mismatch the SDK reports here, then resubscribes.
                if "error" in message:
                    raise Mismatch(message["error"])
                seen.append(1)

            client = SpotOrderBookClient(depth=t.depth, callback=on_update)
            client._SpotOrderBookClient__market = Market()  # type: ignore[attr-defined]
            conn = client._pub_conn
            assert conn is not None
            try:
                for text in texts:
                    message = json.loads(text)
                    conn._manage_subscriptions(message=message)
                    await client.on_message(message)
                book = client.get(pair)
                assert book is not None
                _expect(
                    [(p, v) for p, (v, _) in book["bid"].items()],
                    _fixed(t.final_bids, t.price_precision, t.qty_precision),
                    "python-kraken-sdk bids",
                )
                _expect(
                    [(p, v) for p, (v, _) in book["ask"].items()],
                    _fixed(t.final_asks, t.price_precision, t.qty_precision),
                    "python-kraken-sdk asks",
                )
                _expect(book["valid"], True, "python-kraken-sdk checksum flag")
            finally:
                await client.close()

        return run

    seen: list[int] = []
    texts = _texts(t.v2_frames)
    seconds = _timed(make_run(seen), texts)
    _expect(len(seen), len(texts), "python-kraken-sdk callback count")
    note = f"{_version('python-kraken-sdk')}; v2 frames; checksum checked on every update"
    if tamper:
        bad = _tampered(t.v2_frames, min(100, t.updates))
        try:
            _timed(make_run([]), _texts(bad))
        except Mismatch:
            note += "; tampered checksum detected"
        else:
            raise PeerError("python-kraken-sdk did not detect a tampered checksum")
    return PeerResult("python-kraken-sdk", t.depth, len(texts), seconds, "on", note)


# --------------------------------------------------------------------------
# cryptofeed: Kraken feed (WebSocket v1)


def run_cryptofeed(traffic: Traffic, tamper: bool = True) -> PeerResult:
    """Drive ``cryptofeed.exchanges.Kraken.message_handler`` with v1 frames.

    ``message_handler`` is what cryptofeed's connection handler awaits for
    each received frame; it parses floats as Decimal and, for book frames,
    calls ``_book``, which checks the checksum when ``checksum_validation`` is
    on.  The symbol map normally fetched over REST is built from a one-pair
    AssetPairs-shaped payload through cryptofeed's own parser.
    """
    from cryptofeed.defines import L2_BOOK
    from cryptofeed.exceptions import BadChecksum
    from cryptofeed.exchanges import Kraken
    from cryptofeed.symbols import Symbols

    t = traffic
    asset_pairs = {"result": {"XXBTZUSD": {"wsname": t.symbol_v1}}}
    symbols, info = Kraken._parse_symbol_data(asset_pairs)
    Symbols.set(Kraken.id, symbols, info)
    std_symbol = next(iter(symbols))
    # cryptofeed only truncates its book below its largest valid depth.
    truncates = t.depth != Kraken.valid_depths[-1]
    divergence: dict[str, int] = {}

    def make_run(
        seen: list[int], check_book: bool = True
    ) -> Callable[[list[str]], Coroutine[Any, Any, None]]:
        async def run(texts: list[str]) -> None:
            async def on_book(book: Any, receipt_timestamp: float) -> None:
                seen.append(1)

            feed = Kraken(
                symbols=[std_symbol],
                channels=[L2_BOOK],
                callbacks={L2_BOOK: on_book},
                checksum_validation=True,
                max_depth=t.depth,
            )
            receipt = time.time()
            for text in texts:
                await feed.message_handler(text, None, receipt)
            await feed.http_conn.close()
            if not check_book:
                return
            book = feed._l2_book[std_symbol].book
            pp, qp = t.price_precision, t.qty_precision
            for name, side, want in (
                ("bids", book.bids, t.final_bids),
                ("asks", book.asks, t.final_asks),
            ):
                got = _fixed([side.index(i) for i in range(min(t.depth, len(side)))], pp, qp)
                first = _first_difference(got, _fixed(want, pp, qp))
                if first is None:
                    continue
                # Without truncation (depth 1000) levels that left the window
                # are kept and may resurface deep in the book; the checksummed
                # top 10 must still be right.
                if truncates or first < 10:
                    raise PeerError(f"cryptofeed {name} differ from level {first}")
                divergence[name] = first

        return run

    seen: list[int] = []
    texts = _texts(t.v1_frames)
    seconds = _timed(make_run(seen), texts)
    _expect(len(seen), len(texts), "cryptofeed callback count")
    # cryptofeed reads "c" only from the first object after the channel id, so
    # an update touching both sides ({"a":..},{"b":..,"c":..}) is not checked.
    two_sided = sum(1 for text in texts[1:] if _two_sided(text))
    checked = len(texts) - 1 - two_sided
    note = (
        f"{_version('cryptofeed')}; v1 frames; checksum checked on {checked} of "
        f"{len(texts) - 1} updates (two-sided updates carry 'c' in the second object, "
        "which cryptofeed's _book does not read)"
    )
    if not truncates:
        note += f"; no book truncation at depth {t.depth}"
        if divergence:
            where = ", ".join(f"{name} from level {first}" for name, first in divergence.items())
            note += (
                f": final book differs from Kraken's ({where}: levels that left the window "
                "were kept and resurfaced); top 10 correct"
            )
    if tamper:
        one = next(i for i, text in enumerate(texts) if i and not _two_sided(text))
        two = next((i for i, text in enumerate(texts) if i and _two_sided(text)), None)
        try:
            _timed(make_run([], False), _texts(_tampered(t.v1_frames, one)))
        except BadChecksum:
            note += "; tampered one-sided checksum detected"
        else:
            raise PeerError("cryptofeed did not detect a tampered checksum")
        if two is not None:
            try:
                _timed(make_run([], False), _texts(_tampered(t.v1_frames, two)))
            except BadChecksum:
                note += "; tampered two-sided checksum detected"
            else:
                note += "; tampered two-sided checksum NOT detected"
    return PeerResult("cryptofeed", t.depth, len(texts), seconds, "on", note)


# --------------------------------------------------------------------------
# ccxt.pro: kraken (WebSocket v2 in this ccxt version)


def run_ccxt(traffic: Traffic, tamper: bool = True) -> PeerResult:
    """Drive ccxt.pro kraken's websocket ``Client`` message path with v2 frames.

    ``Client.handle_text_or_binary_message`` is what the aiohttp receive loop
    calls per text frame: it parses (orjson when installed) and calls
    ``kraken.handle_message``, which dispatches book frames to
    ``handle_order_book``.  The option ``watchOrderBook.checksum`` is tried
    first; if it raises, the run is repeated with it off and reported so.
    """
    import ccxt.pro

    t = traffic
    symbol = t.symbol_v2

    def make_run(
        checksum: bool, done: list[int] | None = None
    ) -> Callable[[list[str]], Coroutine[Any, Any, None]]:
        async def run(texts: list[str]) -> None:
            exchange = ccxt.pro.kraken({"options": {"watchOrderBook": {"checksum": checksum}}})
            try:
                client = exchange.client(exchange.urls["api"]["ws"]["publicV2"])
                message_hash = exchange.get_message_hash("orderbook", None, symbol)
                # What watch_order_book(symbol, limit=depth) records on subscribe.
                client.subscriptions[message_hash] = {"limit": t.depth}
                for text in texts:
                    client.handle_text_or_binary_message(text)
                    if done is not None:
                        done.append(1)
                if message_hash in client.rejections:
                    raise PeerError(
                        f"ccxt.pro rejected the book: {client.rejections[message_hash]}"
                    )
                book = exchange.orderbooks[symbol]
                pp, qp = t.price_precision, t.qty_precision
                for name, want in (("bids", t.final_bids), ("asks", t.final_asks)):
                    # ccxt holds floats; compare their shortest repr as decimals.
                    got = [(Decimal(repr(p)), Decimal(repr(q))) for p, q in book[name]]
                    _expect(_fixed(got, pp, qp), _fixed(want, pp, qp), f"ccxt.pro {name}")
            finally:
                await exchange.close()

        return run

    from ccxt.async_support.base.ws import client as ws_client

    texts = _texts(t.v2_frames)
    version = f"{_version('ccxt')} (JSON parser: {ws_client.json_parser.__name__})"
    done: list[int] = []
    try:
        seconds = _timed(make_run(True, done), texts)
    except PeerError:
        raise
    except Exception as exc:  # any crash in the peer's checksum path
        crash = f"{type(exc).__name__}: {exc}"
        seconds = _timed(make_run(False), texts)
        note = (
            f"{version}; v2 frames; checksum option crashed on frame {len(done)} "
            f"({crash}); run with checksum off (ccxt's default)"
        )
        return PeerResult("ccxt.pro", t.depth, len(texts), seconds, "off", note)
    note = f"{version}; v2 frames; checksum option on"
    if tamper:
        bad = _tampered(t.v2_frames, min(100, t.updates))
        try:
            _timed(make_run(True), _texts(bad))
        except PeerError:
            note += "; tampered checksum detected"
        else:
            raise PeerError("ccxt.pro did not detect a tampered checksum")
    return PeerResult("ccxt.pro", t.depth, len(texts), seconds, "on", note)


RUNNERS: dict[str, Callable[[Traffic, bool], PeerResult]] = {
    "python-kraken-sdk": run_kraken_sdk,
    "cryptofeed": run_cryptofeed,
    "ccxt.pro": run_ccxt,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Kraken order-book peer benchmark")
    parser.add_argument("--depth", type=int, action="append", help="book depth (repeatable)")
    parser.add_argument("--updates", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--peer", action="append", choices=PEERS, help="peer (repeatable)")
    parser.add_argument("--repeat", type=int, default=1, help="report the fastest of N runs")
    parser.add_argument("--no-tamper", action="store_true", help="skip the tampered-checksum runs")
    args = parser.parse_args(argv)
    # The peers log every resubscribe attempt and warning; keep stdout JSON-only.
    logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
    for depth in args.depth or [10]:
        traffic = generate(depth, args.updates, seed=args.seed)
        for peer in args.peer or PEERS:
            runs = [
                RUNNERS[peer](traffic, not args.no_tamper and i == 0) for i in range(args.repeat)
            ]
            best = min(runs, key=lambda r: r.seconds)
            best.note = runs[0].note  # the first run carries the tamper results
            sys.stdout.write(json.dumps(best.as_dict()) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
