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
from spotstream.cli.metrics import metrics_endpoint
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
        client = CoinExSocketClient(
            api_version=API_VERSIONS[args.api],
            url=args.url,
            rest_url=args.rest_url,
            transport=args.transport,
        )
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
    name = getattr(args, "exchange", "kraken")
    async with client, metrics_endpoint(args, name, client):
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
    subs = await (_coinex_streams(client, args) if isinstance(client, CoinExSocketClient)
                  else _kraken_streams(client, args))  # fmt: skip
    console = Console()
    async with asyncio.TaskGroup() as group:
        for sub in subs:
            group.create_task(_print_stream(sub, args, console))


async def _print_stream(sub: Subscription[Any], args: argparse.Namespace, console: Console) -> None:
    async with sub:
        async for event in sub:
            if args.json:
                sys.stdout.buffer.write(event_json(event) + b"\n")
                sys.stdout.flush()
            else:
                gap = " [red](gap)[/]" if event.gap else ""
                console.print(f"{event.kind.value:8} {event.data!r}{gap}")


async def _kraken_streams(
    client: KrakenSocketClient, args: argparse.Namespace
) -> list[Subscription[Any]]:
    spot = client.spot
    if args.channel == "ticker":
        return [await spot.ticker(args.symbols)]
    if args.channel == "trades":
        return [await spot.trades(args.symbols)]
    return [await spot.klines(args.symbols, args.interval)]


async def _coinex_streams(
    client: CoinExSocketClient, args: argparse.Namespace
) -> list[Subscription[Any]]:
    """CoinEx's streams: candles (``--interval`` minutes) from v1's socket or polled from
    REST v2; v1 carries one market per stream (each its own connection)."""
    spot: Any = client.spot
    if args.channel == "ohlc":
        return [await spot.klines(s, args.interval * 60) for s in args.symbols]
    channel = spot.ticker if args.channel == "ticker" else spot.trades
    if client.api_version == 1:
        return [await channel(s) for s in args.symbols]
    return [await channel(args.symbols)]


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
