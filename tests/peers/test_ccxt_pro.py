"""ccxt.pro's ``kraken`` (unmodified) against the simulator.

Only URLs are changed (``exchange.urls``): REST ``public``/``private`` go to the simulator's
REST front (ccxt's ``load_markets`` reads ``AssetPairs`` and ``Assets``, ``authenticate``
posts ``GetWebSocketsToken``), the v2 websocket URLs to its endpoints. ccxt's own order book
checksum is covered twice: turned on (it cannot run in ccxt's Python build, see
``test_ccxt_builtin_checksum_option``) and independently, by checking every book ccxt
maintains against the checksum of the message that produced it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from zlib import crc32

import ccxt.pro
import pytest

from peers.support import tasks_other_than
from spotstream.simulator import Simulator
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from support.wait import eventually

BOOK_UPDATES = 200
TIMEOUT = 20.0  # ccxt waits on futures without deadlines: a test must not hang on one
# ccxt's own throttle delays every request by up to a second; it is no part of Kraken's
# protocol, so it is turned off to keep the tests fast.
OPTIONS = {"enableRateLimit": False}


class CheckedKraken(ccxt.pro.kraken):  # type: ignore[misc]
    """ccxt's kraken, recording after each book message the message's checksum and the
    checksum of the book ccxt now holds (computed here, at the pair's precisions)."""

    def __init__(self, config: dict[str, Any]) -> None:
        super().__init__(config)
        self.book_checks: list[tuple[str, int, int]] = []  # symbol, sent, ccxt's book

    def handle_order_book(self, client: Any, message: dict[str, Any]) -> None:
        super().handle_order_book(client, message)
        entry = message["data"][0]
        symbol = entry["symbol"]  # ccxt's unified symbol is the v2 one (BTC/USD)
        book = self.orderbooks[symbol]
        self.book_checks.append((symbol, entry["checksum"], _checksum(book, self.market(symbol))))


def _decimals(step: float) -> int:
    return -Decimal(repr(step)).normalize().as_tuple().exponent  # type: ignore[operator]


def _checksum(book: Any, market: dict[str, Any]) -> int:
    """Kraken's v2 checksum of a ccxt book: ccxt keeps floats, so each is written back with
    the pair's fixed decimals (exact for these magnitudes) before the usual digits rule."""
    pp, qp = _decimals(market["precision"]["price"]), _decimals(market["precision"]["amount"])
    text = ""
    for side in (book["asks"], book["bids"]):
        for price, qty in list(side)[:10]:
            for value, places in ((price, pp), (qty, qp)):
                fixed = Decimal(repr(value)).quantize(Decimal(1).scaleb(-places))
                text += format(fixed, "f").replace(".", "").lstrip("0")
    return crc32(text.encode())


def _point_at(exchange: Any, sim: Simulator) -> Any:
    """The only change to ccxt: where it connects."""
    exchange.urls["api"]["public"] = sim.urls["rest"]
    exchange.urls["api"]["private"] = sim.urls["rest"]
    ws = exchange.urls["api"]["ws"]
    ws["publicV2"] = sim.urls["public"]
    ws["privateV2"] = sim.urls["private"]
    ws["private"] = sim.urls["private"]  # only a key under which ccxt caches the token
    return exchange


@pytest.fixture
async def kraken(sim: Simulator) -> AsyncIterator[CheckedKraken]:
    before = asyncio.all_tasks()
    exchange = _point_at(
        CheckedKraken(
            {**OPTIONS, "apiKey": TEST_ACCOUNT.api_key, "secret": TEST_ACCOUNT.api_secret}
        ),
        sim,
    )
    try:
        yield exchange
    finally:
        await exchange.close()
    await eventually(lambda: not tasks_other_than(before), what="ccxt's tasks ended")


async def test_ccxt_watch_order_book_matches_every_checksum(kraken: CheckedKraken) -> None:
    async with asyncio.timeout(TIMEOUT):
        for symbol in ("BTC/USD", "ETH/USD"):
            book = await kraken.watch_order_book(symbol)
            assert book["symbol"] == symbol
            assert len(book["bids"]) == 10
        while len(kraken.book_checks) < BOOK_UPDATES:
            await kraken.watch_order_book_for_symbols(["BTC/USD", "ETH/USD"])
    mismatches = [c for c in kraken.book_checks if c[1] != c[2]]
    assert mismatches == []
    assert {symbol for symbol, _, _ in kraken.book_checks} == {"BTC/USD", "ETH/USD"}


@pytest.mark.xfail(
    strict=True,
    raises=AttributeError,
    reason=(
        "ccxt 4.5.90's Python kraken.handle_order_book with options.watchOrderBook.checksum "
        "= True calls format_number(float) -> 'float' object has no attribute 'split' (its "
        "books hold floats); the option is off by default. Even as strings, floats drop the "
        "trailing zeros Kraken's v2 checksum needs (qty 0.221 at 8 decimals is 22100000)."
    ),
)
async def test_ccxt_builtin_checksum_option(sim: Simulator) -> None:
    failures: list[BaseException] = []
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    # ccxt runs its message handlers in loop callbacks: their exceptions go to the loop
    loop.set_exception_handler(lambda _loop, context: failures.append(context["exception"]))
    config = {**OPTIONS, "options": {"watchOrderBook": {"checksum": True}}}
    exchange = _point_at(ccxt.pro.kraken(config), sim)
    books = 0

    async def watch() -> None:
        nonlocal books
        while True:
            await exchange.watch_order_book("BTC/USD")
            books += 1

    watcher = asyncio.create_task(watch())
    try:
        await eventually(lambda: books >= 50 or bool(failures), what="books or a failure")
    finally:
        watcher.cancel()
        await asyncio.wait([watcher])
        await exchange.close()
        loop.set_exception_handler(previous)
    if failures:
        raise failures[0]
    assert books >= 50


async def test_ccxt_watch_ticker_and_trades(kraken: CheckedKraken) -> None:
    async with asyncio.timeout(TIMEOUT):
        ticker = await kraken.watch_ticker("BTC/USD")
        trades = await kraken.watch_trades("BTC/USD")
    assert ticker["symbol"] == "BTC/USD"
    assert ticker["bid"] < ticker["ask"]
    assert trades
    assert all(t["symbol"] == "BTC/USD" for t in trades)
    assert {t["side"] for t in trades} <= {"buy", "sell"}
    assert all(t["price"] > 0 and t["amount"] > 0 for t in trades)


async def test_ccxt_create_and_cancel_order_ws(kraken: CheckedKraken) -> None:
    async with asyncio.timeout(TIMEOUT):
        order = await kraken.create_order_ws("BTC/USD", "limit", "buy", 0.01, 50000)
        assert order["id"]
        orders = await kraken.watch_orders()  # the executions snapshot lists it
        mine = [o for o in orders if o["id"] == order["id"]]
        assert mine
        assert mine[-1]["status"] == "open"
        assert (mine[-1]["symbol"], mine[-1]["price"]) == ("BTC/USD", 50000)
        # Kraken's "canceled" report carries no symbol, so ccxt resolves only watch_orders()
        # without a symbol for it (watch_orders("BTC/USD") would wait forever)
        await kraken.cancel_order_ws(order["id"])
        while not any(o["id"] == order["id"] and o["status"] == "canceled" for o in orders):
            orders = await kraken.watch_orders()
        balance = await kraken.watch_balance()
    assert balance["USD"]["total"] == float(TEST_ACCOUNT.balances["USD"])
