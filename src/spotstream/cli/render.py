"""Rich renderables for the live views."""

from __future__ import annotations

from collections import deque

from rich.console import Group
from rich.panel import Panel
from rich.table import Table

from spotstream.asyncio.order_book import OrderBook
from spotstream.models import BookStatus, Ticker, Trade

_STATUS_STYLE = {
    BookStatus.SYNCED: "green",
    BookStatus.SYNCING: "yellow",
    BookStatus.RESYNCING: "red",
    BookStatus.CLOSED: "dim",
}


def book_panel(book: OrderBook, levels: int = 5) -> Panel:
    snap = book.snapshot(levels)
    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    table.add_column("bid qty", justify="right", style="green")
    table.add_column("bid", justify="right", style="green")
    table.add_column("ask", justify="left", style="red")
    table.add_column("ask qty", justify="left", style="red")
    for i in range(max(len(snap.bids), len(snap.asks))):
        bid = snap.bids[i] if i < len(snap.bids) else None
        ask = snap.asks[i] if i < len(snap.asks) else None
        table.add_row(
            str(bid.qty) if bid else "",
            str(bid.price) if bid else "",
            str(ask.price) if ask else "",
            str(ask.qty) if ask else "",
        )
    c = book.counters
    style = _STATUS_STYLE[book.status]
    footer = (
        f"[{style}]{book.status.value}[/] · updates {c.updates} · checksums ok "
        f"{c.checksums_verified} · mismatches {c.checksum_mismatches} · resyncs {c.resyncs}"
    )
    return Panel(Group(table, footer), title=f"{book.symbol} (depth {book.depth})")


def trades_panel(trades: deque[Trade]) -> Panel:
    table = Table(box=None, show_header=True, header_style="bold")
    for column in ("symbol", "side", "price", "qty", "time"):
        table.add_column(column)
    for t in reversed(trades):
        style = "green" if t.side.value == "buy" else "red"
        table.add_row(
            t.symbol, f"[{style}]{t.side.value}[/]", str(t.price), str(t.qty),
            t.timestamp.strftime("%H:%M:%S.%f")[:-3],
        )  # fmt: skip
    return Panel(table, title="last trades")


def tickers_panel(tickers: dict[str, Ticker]) -> Panel:
    table = Table(box=None, show_header=True, header_style="bold")
    for column in ("symbol", "bid", "ask", "last", "24h vol", "24h %"):
        table.add_column(column, justify="right")
    for t in tickers.values():
        table.add_row(
            t.symbol, str(t.bid), str(t.ask), str(t.last), str(t.volume), str(t.change_pct)
        )
    return Panel(table, title="tickers")
