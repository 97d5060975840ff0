"""``spotstream demo``: the client against the embedded simulator, in a live view: verified
books, tickers and trades, and (unless ``--no-trade``) a small bot trading on the funded
test account through the private feeds."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from collections import deque
from typing import Any

from rich.console import Group
from rich.live import Live

from spotstream.asyncio.order_book import OrderBook
from spotstream.cli.credentials import API_VERSIONS
from spotstream.cli.demo_trading import DemoTrader
from spotstream.cli.metrics import metrics_endpoint
from spotstream.cli.render import book_panel, tickers_panel, trades_panel
from spotstream.coinex.client import CoinExSocketClient
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.market import Ticker, Trade
from spotstream.simulator.matching.accounts import TEST_ACCOUNT
from spotstream.simulator.server import Simulator

# The simulator's endpoints (keys of its ``urls``) for each ``--api`` version.
SIM_PUBLIC = {"v2": "public", "v1": "kraken_v1_public"}
SIM_PRIVATE = {"v2": "private", "v1": "kraken_v1_private"}
PREFERRED_SYMBOLS = ("BTC/USD", "ETH/USD", "DOGE/USD", "XRP/USD")
SYMBOL_COUNT = 3


class DemoState:
    def __init__(self) -> None:
        self.trades: deque[Trade] = deque(maxlen=8)
        self.tickers: dict[str, Ticker] = {}
        self.trade_count = 0
        self.ticker_count = 0

    def view(self, books: list[OrderBook], trader: DemoTrader | None) -> Group:
        market = [*(book_panel(b) for b in books), tickers_panel(self.tickers)]
        market.append(trades_panel(self.trades))
        return Group(*market, *([trader.view()] if trader else []))


async def run_demo(args: argparse.Namespace) -> int:
    if getattr(args, "exchange", "kraken") == "coinex":
        return await run_coinex_demo(args)
    started = time.monotonic()
    state = DemoState()
    async with (
        Simulator(seed=args.seed, rate=args.rate) as sim,
        KrakenSocketClient(
            api_version=API_VERSIONS[args.api],
            url=sim.urls[SIM_PUBLIC[args.api]],
            private_url=sim.urls[SIM_PRIVATE[args.api]],
            rest_url=sim.urls["rest"],
            api_key=TEST_ACCOUNT.api_key,
            api_secret=TEST_ACCOUNT.api_secret,
        ) as client,
        metrics_endpoint(args, "kraken", client),
    ):
        symbols = _pick_symbols(await client.spot.get_instruments())
        books = [await client.spot.order_book(s, depth=10) for s in symbols]
        await client.spot.subscribe_to_ticker_updates(symbols, lambda e: _ticker(state, e))
        await client.spot.subscribe_to_trade_updates(symbols, lambda e: _trade(state, e))
        trader = None if args.no_trade else DemoTrader(client, books[0])
        async with asyncio.TaskGroup() as tasks:
            bot = tasks.create_task(trader.run()) if trader else None
            if args.json:
                await _sleep(args.duration)
            else:
                await _live(state, books, trader, args.duration)
            if bot is not None:
                bot.cancel()
        summary = _summary(books, state, symbols, time.monotonic() - started)
        if trader is not None:
            summary["trading"] = trader.summary()
    return _report(summary, args.json)


async def run_coinex_demo(args: argparse.Namespace) -> int:
    """The CoinEx socket API v2 client against the simulator's CoinEx endpoint: its
    USDT-quoted markets' books (verified on every push), tickers and trades."""
    started = time.monotonic()
    state = DemoState()
    async with (
        Simulator(seed=args.seed, rate=args.rate) as sim,
        CoinExSocketClient(url=sim.urls["coinex_v2"], rest_url=sim.urls["coinex_rest"]) as client,
        metrics_endpoint(args, "coinex", client),
    ):
        symbols = coinex_markets(sim)[:SYMBOL_COUNT]
        books = [await client.spot.order_book(s, depth=10) for s in symbols]
        await client.spot.subscribe_to_ticker_updates(symbols, lambda e: _ticker(state, e))
        await client.spot.subscribe_to_trade_updates(symbols, lambda e: _trade(state, e))
        if args.json:
            await _sleep(args.duration)
        else:
            await _live(state, books, None, args.duration)
        summary = _summary(books, state, symbols, time.monotonic() - started)
    return _report(summary, args.json)


def coinex_markets(sim: Simulator) -> list[str]:
    """The simulated market's pairs CoinEx serves (USDT-quoted), in CoinEx's spelling."""
    specs = sim.market.instruments.values()
    return [s.symbol.replace("/", "") for s in specs if s.quote == "USDT"]


def _report(summary: dict[str, Any], as_json: bool) -> int:
    if as_json:
        print(json.dumps(summary))
    else:
        print(
            f"{summary['book_updates']} book updates, {summary['checksums_verified']} checksums "
            f"verified, {summary['checksum_mismatches']} mismatches"
        )
    return 0 if summary["checksum_mismatches"] == 0 else 1


async def _live(
    state: DemoState, books: list[OrderBook], trader: DemoTrader | None, duration: float | None
) -> None:
    with (
        Live(state.view(books, trader), refresh_per_second=8) as live,
        contextlib.suppress(TimeoutError),
    ):
        async with asyncio.timeout(duration):
            while True:
                await asyncio.sleep(0.125)
                live.update(state.view(books, trader))
    if not live.console.is_terminal:
        live.console.print()  # rich leaves the last frame without a newline off a terminal


def _pick_symbols(instruments: dict[str, Any]) -> list[str]:
    preferred = [s for s in PREFERRED_SYMBOLS if s in instruments]
    others = sorted(s for s in instruments if s not in preferred)
    return (preferred + others)[:SYMBOL_COUNT]


async def _sleep(duration: float | None) -> None:
    if duration is None:
        await asyncio.Event().wait()  # until interrupted
    else:
        await asyncio.sleep(duration)


def _ticker(state: DemoState, event: Any) -> None:
    state.tickers[event.data.symbol] = event.data
    state.ticker_count += 1


def _trade(state: DemoState, event: Any) -> None:
    state.trades.append(event.data)
    state.trade_count += 1


def _summary(
    books: list[OrderBook], state: DemoState, symbols: list[str], seconds: float
) -> dict[str, Any]:
    counters = [b.counters for b in books]
    return {
        "symbols": symbols,
        "seconds": round(seconds, 3),
        "book_updates": sum(c.updates for c in counters),
        "checksums_verified": sum(c.checksums_verified for c in counters),
        "checksum_mismatches": sum(c.checksum_mismatches for c in counters),
        "resyncs": sum(c.resyncs for c in counters),
        "books_synced": all(b.status.value == "synced" for b in books),
        "tickers": state.ticker_count,
        "trades": state.trade_count,
    }
