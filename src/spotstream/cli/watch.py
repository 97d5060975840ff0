"""``spotstream watch``: stream one channel to the terminal or as NDJSON."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from typing import Any

import msgspec
from rich.console import Console
from rich.live import Live

from spotstream.asyncio.subscription import Subscription
from spotstream.cli.credentials import API_VERSIONS
from spotstream.cli.render import book_panel
from spotstream.coinex.client import CoinExSocketClient
from spotstream.errors import InvalidRequestError
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.market import DataEvent

_ENCODER = msgspec.json.Encoder()  # Decimals as strings: exact


def event_json(event: DataEvent[Any]) -> bytes:
    return _ENCODER.encode(
        {
            "channel": event.channel,
            "symbol": event.symbol,
            "kind": event.kind.value,
            "gap": event.gap,
            "data": event.data,
        }
    )


async def run_watch(args: argparse.Namespace) -> int:
    client: KrakenSocketClient | CoinExSocketClient
    if getattr(args, "exchange", "kraken") == "coinex":
        if args.channel == "ohlc":
            print("spotstream watch: CoinEx's socket API v2 has no candles", file=sys.stderr)
            return 2
        client = CoinExSocketClient(url=args.url, rest_url=args.rest_url, transport=args.transport)
    else:
        client = KrakenSocketClient(
            api_version=API_VERSIONS[args.api],
            url=args.url,
            rest_url=args.rest_url,
            transport=args.transport,
        )
    try:
        return await _watch(client, args)
    except InvalidRequestError as exc:
        print(f"spotstream watch: {exc}", file=sys.stderr)
        return 2


async def _watch(client: KrakenSocketClient | CoinExSocketClient, args: argparse.Namespace) -> int:
    async with client:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(args.duration):
                if args.channel == "book":
                    await _watch_books(client, args)
                else:
                    await _watch_stream(client, args)
    return 0


async def _watch_stream(
    client: KrakenSocketClient | CoinExSocketClient, args: argparse.Namespace
) -> None:
    spot = client.spot
    sub: Subscription[Any]
    if args.channel == "ticker":
        sub = await spot.ticker(args.symbols)
    elif args.channel == "trades":
        sub = await spot.trades(args.symbols)
    else:
        assert isinstance(client, KrakenSocketClient)  # refused for CoinEx in run_watch
        sub = await client.spot.klines(args.symbols, args.interval)
    console = Console()
    async with sub:
        async for event in sub:
            if args.json:
                sys.stdout.buffer.write(event_json(event) + b"\n")
                sys.stdout.flush()
            else:
                gap = " [red](gap)[/]" if event.gap else ""
                console.print(f"{event.kind.value:8} {event.data!r}{gap}")


async def _watch_books(
    client: KrakenSocketClient | CoinExSocketClient, args: argparse.Namespace
) -> None:
    books = [await client.spot.order_book(s, args.depth) for s in args.symbols]
    if args.json:
        await _books_json(books)
        return
    from rich.columns import Columns

    with Live(Columns([book_panel(b) for b in books]), refresh_per_second=8) as live:
        while True:
            await asyncio.sleep(0.125)
            live.update(Columns([book_panel(b) for b in books]))


async def _books_json(books: list[Any]) -> None:
    async with asyncio.TaskGroup() as tg:
        for book in books:
            tg.create_task(_book_json(book))


async def _book_json(book: Any) -> None:
    async for event in book.updates():
        snap = book.snapshot(10)
        line = _ENCODER.encode(
            {
                "channel": "book",
                "symbol": book.symbol,
                "kind": event.kind.value,
                "status": book.status.value,
                "gap": event.gap,
                "counters": book.counters,
                "bids": snap.bids,
                "asks": snap.asks,
            }
        )
        sys.stdout.buffer.write(line + b"\n")
        sys.stdout.flush()
