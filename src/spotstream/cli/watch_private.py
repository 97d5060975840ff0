"""``spotstream watch executions|balances|level3``: the account's feeds and level-3 books.

A live view by default; ``--json`` writes NDJSON of the typed events (:func:`event_json`
plus a leading ``"type"``: ``OrderUpdate``, ``Reconciliation``, ``Balance``,
``LedgerEntry``). A :class:`Reconciliation` arrives after any gap or reconnect: it says what
changed while the feed was interrupted, and the live view shows it in its own panel.
Exit codes as for ``spotstream order`` (2: credentials, 1: refused by the exchange, 4:
unreachable).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from decimal import Decimal
from typing import Any

import msgspec
from rich.columns import Columns
from rich.console import Group, RenderableType
from rich.live import Live

from spotstream.asyncio.order_book import L3OrderBook
from spotstream.asyncio.subscription import Subscription
from spotstream.cli.credentials import load_credentials, open_client
from spotstream.cli.metrics import metrics_endpoint
from spotstream.cli.order import failure
from spotstream.cli.render import balances_view, executions_view, l3_book_panel, l3_levels
from spotstream.cli.watch import event_json
from spotstream.kraken.client import KrakenSocketClient
from spotstream.models.market import DataEvent
from spotstream.models.orders import OrderState, OrderUpdate, Reconciliation

LOG_LINES = 20
JSON_LEVELS = 10
_ENCODER = msgspec.json.Encoder()  # Decimals as strings: exact


async def run_watch_private(args: argparse.Namespace) -> int:
    """Stream ``args.channel`` until ``--duration`` ends (or forever); the exit code."""
    try:
        credentials = load_credentials(args.config)
        name = getattr(args, "exchange", "kraken")
        async with (
            open_client(args, credentials) as client,
            metrics_endpoint(args, name, client),
        ):
            await _for_duration(_WATCHERS[args.channel](client, args), args.duration)
    except Exception as exc:
        handled = failure(exc)
        if handled is None:
            raise
        code, body = handled
        print(f"spotstream: {body['type']}: {body['error']}", file=sys.stderr)
        return code
    return 0


async def _for_duration(work: Awaitable[None], duration: float | None) -> None:
    """Run ``work`` for ``duration`` seconds; a timeout raised inside it is not swallowed."""
    scope = asyncio.timeout(duration)
    try:
        async with scope:
            await work
    except TimeoutError:
        if not scope.expired():
            raise


def typed_event_json(event: DataEvent[Any]) -> bytes:
    """:func:`event_json`, led by ``"type"``: the class of ``event.data``."""
    line = event_json(event)
    # event_json always encodes an object: splice the key in after its opening brace.
    return b'{"type":"' + type(event.data).__name__.encode() + b'",' + line[1:]


async def _ndjson(sub: Subscription[Any]) -> None:
    async for event in sub:
        sys.stdout.buffer.write(typed_event_json(event) + b"\n")
        sys.stdout.flush()


# --- executions and balances ------------------------------------------------------------------


class FeedView:
    """What the live view of an account feed shows: the latest items and reconciliations."""

    def __init__(self) -> None:
        self.log: deque[object] = deque(maxlen=LOG_LINES)
        self.reconciliations: list[Reconciliation] = []
        self.events = 0
        self.fills = 0
        self.gaps = 0

    def add(self, event: DataEvent[Any]) -> None:
        item = event.data
        self.events += 1
        self.gaps += event.gap
        if isinstance(item, Reconciliation):
            self.reconciliations.append(item)
        if isinstance(item, OrderUpdate) and item.fill is not None:
            self.fills += 1
        self.log.appendleft(item)

    def footer(self, extra: str = "") -> str:
        recs = len(self.reconciliations)
        return (
            f"events {self.events} · fills {self.fills} · gaps {self.gaps} · "
            f"reconciliations {recs}{extra} · Ctrl-C to stop"
        )


def executions_renderable(
    view: FeedView, open_orders: Mapping[str, OrderState], rates: str = ""
) -> Group:
    return executions_view(open_orders, view.log, view.reconciliations, view.footer(rates))


def balances_renderable(view: FeedView, balances: Mapping[str, Decimal]) -> Group:
    return balances_view(balances, view.log, view.reconciliations, view.footer())


def rate_text(counters: Mapping[str, int], maximum: int | None) -> str:
    """`` · rate counter BTC/USD 3/125``: the trading rate counters, when tracked."""
    if not counters:
        return f" · rate counter 0/{maximum or '?'}"
    shown = ", ".join(f"{symbol} {count}" for symbol, count in sorted(counters.items()))
    return f" · rate counter {shown} (max {maximum or '?'})"


async def _watch_executions(client: KrakenSocketClient, args: argparse.Namespace) -> None:
    spot = client.spot
    if args.api == "v1":  # v1 reports orders on openOrders (fills on ownTrades)
        sub = await spot.orders(snapshot=not args.no_snap_orders, ratecounter=args.ratecounter)
    else:
        sub = await spot.executions(
            snap_orders=not args.no_snap_orders,
            snap_trades=args.snap_trades,
            ratecounter=args.ratecounter,
        )
    async with sub:
        if args.json:
            await _ndjson(sub)
            return
        view = FeedView()

        def render() -> Group:
            rates = rate_text(spot.rate_counters, spot.max_rate_count) if args.ratecounter else ""
            return executions_renderable(view, spot.open_orders, rates)

        await _live(sub, view, render)


async def _watch_balances(client: KrakenSocketClient, args: argparse.Namespace) -> None:
    spot = client.spot
    sub = await spot.balances()
    async with sub:
        if args.json:
            await _ndjson(sub)
            return
        view = FeedView()
        await _live(sub, view, lambda: balances_renderable(view, spot.account_balances))


async def _live(sub: Subscription[Any], view: FeedView, render: Callable[[], Group]) -> None:
    # Account feeds are slow: re-rendering on each event is cheap and never stale.
    with live_view(render(), 4) as live:
        async for event in sub:
            view.add(event)
            live.update(render())


@contextlib.contextmanager
def live_view(first: RenderableType, refresh_per_second: float) -> Iterator[Live]:
    """A rich Live display that, when output is not a terminal, ends its last frame with a
    newline (rich leaves it unterminated there)."""
    live = Live(first, refresh_per_second=refresh_per_second)
    try:
        with live:
            yield live
    finally:
        if not live.console.is_terminal:
            live.console.line()


# --- level 3 ----------------------------------------------------------------------------------


async def _watch_level3(client: KrakenSocketClient, args: argparse.Namespace) -> None:
    books = [await client.spot.level3(symbol, args.depth) for symbol in args.symbols]
    if args.json:
        async with asyncio.TaskGroup() as tg:
            for book in books:
                tg.create_task(_l3_json(book))
        return
    # Books change many times a second: render at a fixed rate instead of per message.
    with live_view(Columns([l3_book_panel(b) for b in books]), 8) as live:
        while True:
            await asyncio.sleep(0.125)
            live.update(Columns([l3_book_panel(b) for b in books]))


def l3_json(book: L3OrderBook, event: DataEvent[Any]) -> bytes:
    """One NDJSON line: the book's best levels, each with its order count."""
    bids, asks = l3_levels(book, JSON_LEVELS)
    return _ENCODER.encode(
        {
            "channel": "level3",
            "symbol": book.symbol,
            "kind": event.kind.value,
            "status": book.status.value,
            "gap": event.gap,
            "counters": book.counters,
            "orders": book.order_count,
            "bids": bids,
            "asks": asks,
        }
    )


async def _l3_json(book: L3OrderBook) -> None:
    async for event in book.updates():
        sys.stdout.buffer.write(l3_json(book, event) + b"\n")
        sys.stdout.flush()


_WATCHERS: dict[str, Callable[[KrakenSocketClient, argparse.Namespace], Awaitable[None]]] = {
    "executions": _watch_executions,
    "balances": _watch_balances,
    "level3": _watch_level3,
}
