"""Rich renderables for the live views."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from decimal import Decimal

import msgspec
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from spotstream.asyncio.order_book import L3OrderBook, OrderBook
from spotstream.models.enums import BookStatus, OrderSide, ReconcileReason
from spotstream.models.market import Ticker, Trade
from spotstream.models.orders import Balance, LedgerEntry, OrderState, OrderUpdate, Reconciliation

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
    for column in ("symbol", "bid", "ask", "last", "24h vol", "24h change"):
        table.add_column(column, justify="right")
    for t in tickers.values():
        table.add_row(t.symbol, _num(t.bid), _num(t.ask), str(t.last), str(t.volume), _change(t))
    return Panel(table, title="tickers")


# --- private views: executions, balances, level 3 ----------------------------------------------

_REASON_TEXT = {
    ReconcileReason.SEQUENCE_GAP: "a sequence gap",
    ReconcileReason.RECONNECT: "a reconnect",
}
_EXEC_STYLE = {
    "trade": "bold",
    "filled": "bold green",
    "canceled": "dim",
    "expired": "dim",
    "amended": "cyan",
    "restated": "cyan",
}


def _num(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def _change(ticker: Ticker) -> str:
    """The 24-hour change in percent where the venue gives it (Kraken), else in price."""
    if ticker.change_pct is not None:
        return f"{ticker.change_pct}%"
    return f"{ticker.change:+}"


def _clock(moment: datetime | None) -> str:
    return moment.strftime("%H:%M:%S.%f")[:-3] if moment else "--:--:--.---"


def _parts(*pairs: tuple[str, object]) -> str:
    """``label value`` for every value that is known."""
    return " ".join(f"{label}{value}" for label, value in pairs if value not in (None, ""))


def describe_order(order: OrderState) -> str:
    """``ORDER_ID buy 0.1 BTC/USD limit @ 30000 (new, filled 0)``: one open order."""
    side = order.side.value if order.side else None
    head = _parts(("", order.order_id), ("", side), ("", order.quantity), ("", order.symbol))
    tail = _parts(("", order.order_type), ("@ ", order.limit_price))
    return f"{head} {tail} ({order.status or '?'}, filled {order.filled_quantity})"


def describe_update(update: OrderUpdate) -> str:
    """One line for an order update; a fill says what traded, at what price and fee."""
    fill = update.fill
    if fill is not None:
        fill_side = fill.side.value if fill.side else ""
        fees = ", ".join(f"{fee.quantity} {fee.asset}" for fee in fill.fees) or "none"
        role = "" if fill.maker is None else ("maker, " if fill.maker else "taker, ")
        done = _parts(("filled ", update.filled_quantity), ("of ", update.quantity))
        return (
            f"FILL {fill_side} {fill.quantity} {fill.symbol or update.symbol or ''} @ {fill.price} "
            f"({role}fee {fees}) order {update.order_id} {done}".rstrip()
        )
    side = update.side.value if update.side else None
    return _parts(
        ("", update.exec_type.upper()), ("", update.order_id), ("", side),
        ("", update.quantity), ("", update.symbol), ("", update.order_type),
        ("@ ", update.limit_price), ("status ", update.status),
        ("filled ", update.filled_quantity), ("cl_ord_id ", update.client_order_id),
        ("reason: ", update.reason),
    )  # fmt: skip


def describe_reconciliation(rec: Reconciliation) -> str:
    """A one-line summary: what changed while the feed was interrupted."""
    cause = _REASON_TEXT.get(rec.reason, str(rec.reason))
    if rec.empty:
        return f"RECONCILED {rec.channel} after {cause}: nothing changed meanwhile"
    counts = _parts(
        ("opened ", len(rec.opened) or None), ("closed ", len(rec.closed) or None),
        ("changed ", len(rec.changed) or None), ("missed fills ", len(rec.fills) or None),
        ("balances changed ", len(rec.balances) or None),
    )  # fmt: skip
    return f"RECONCILED {rec.channel} after {cause}: {counts}"


def reconciliation_lines(rec: Reconciliation) -> list[str]:
    """Every change a reconciliation found, one per line."""
    lines = [f"opened meanwhile: {describe_order(o)}" for o in rec.opened]
    closed = "closed meanwhile (filled, cancelled or expired)"
    lines += [f"{closed}: {describe_order(o)}" for o in rec.closed]
    for before, after in rec.changed:
        lines.append(f"changed: {describe_order(before)}  ->  {describe_order(after)}")
    for fill in rec.fills:
        side = fill.side.value if fill.side else ""
        lines.append(
            f"missed fill: {side} {fill.quantity} {fill.symbol or ''} @ {fill.price} "
            f"(order {fill.order_id})"
        )
    for change in rec.balances:
        lines.append(f"balance {change.asset}: {change.before} -> {change.after}")
    return lines


def reconciliation_panel(rec: Reconciliation) -> Panel:
    body = "\n".join(reconciliation_lines(rec)) or "nothing changed"
    return Panel(
        body, title=f"[bold yellow]{describe_reconciliation(rec)}[/]", border_style="yellow"
    )


def log_line(item: object) -> Text:
    """A styled log line for an executions or balances item."""
    if isinstance(item, Reconciliation):
        return Text(describe_reconciliation(item), style="bold black on yellow")
    if isinstance(item, OrderUpdate):
        style = _EXEC_STYLE.get(item.exec_type, "")
        if item.fill is not None and item.fill.side is not None:
            style = "bold green" if item.fill.side is OrderSide.BUY else "bold red"
        return Text(f"{_clock(item.timestamp)} {describe_update(item)}", style=style)
    if isinstance(item, LedgerEntry):
        return Text(
            f"{_clock(item.timestamp)} {item.type} {item.asset} {item.amount:+} fee {item.fee} "
            f"-> balance {item.balance}",
            style="green" if item.amount >= 0 else "red",
        )
    if isinstance(item, Balance):
        return Text(f"snapshot {item.asset} {item.balance}", style="dim")
    return Text(repr(item))


def executions_view(
    open_orders: Mapping[str, OrderState],
    log: Iterable[object],
    reconciliations: Sequence[Reconciliation],
    footer: str,
) -> Group:
    """Open orders, the latest events (newest first) and the last reconciliation, if any."""
    orders = Table(box=None, show_header=True, header_style="bold")
    for column in ("order", "symbol", "side", "type", "qty", "price", "filled", "status", "id"):
        orders.add_column(column)
    for o in open_orders.values():
        side = o.side.value if o.side else ""
        orders.add_row(
            o.order_id, o.symbol or "", f"[{'green' if side == 'buy' else 'red'}]{side}[/]",
            o.order_type or "", str(o.quantity or ""), str(o.limit_price or ""),
            str(o.filled_quantity), o.status or "", o.client_order_id or "",
        )  # fmt: skip
    parts: list[RenderableType] = [
        Panel(orders, title=f"open orders ({len(open_orders)})"),
        Panel(Group(*(log_line(i) for i in log)), title="executions (newest first)"),
    ]
    if reconciliations:
        parts.append(reconciliation_panel(reconciliations[-1]))
    parts.append(Text(footer, style="dim"))
    return Group(*parts)


def balances_view(
    balances: Mapping[str, Decimal],
    log: Iterable[object],
    reconciliations: Sequence[Reconciliation],
    footer: str,
) -> Group:
    """Balances per asset, the latest ledger entries (newest first), the last reconciliation."""
    table = Table(box=None, show_header=True, header_style="bold")
    table.add_column("asset")
    table.add_column("balance", justify="right")
    for asset in sorted(balances):
        table.add_row(asset, str(balances[asset]))
    parts: list[RenderableType] = [
        Panel(table, title="balances"),
        Panel(Group(*(log_line(i) for i in log)), title="ledger (newest first)"),
    ]
    if reconciliations:
        parts.append(reconciliation_panel(reconciliations[-1]))
    parts.append(Text(footer, style="dim"))
    return Group(*parts)


class L3Level(msgspec.Struct, frozen=True):
    """A price level of a level-3 book: aggregated quantity and how many orders rest there."""

    price: Decimal
    qty: Decimal
    orders: int


def l3_levels(book: L3OrderBook, levels: int = 10) -> tuple[list[L3Level], list[L3Level]]:
    """The best ``levels`` of each side with their order counts: (bids, asks)."""
    snap = book.snapshot(levels)
    bids = [
        L3Level(lv.price, lv.qty, len(book.orders(OrderSide.BUY, lv.price))) for lv in snap.bids
    ]
    asks = [
        L3Level(lv.price, lv.qty, len(book.orders(OrderSide.SELL, lv.price))) for lv in snap.asks
    ]
    return bids, asks


def l3_book_panel(book: L3OrderBook, levels: int = 10) -> Panel:
    """The level-3 book as levels, with the number of orders at each."""
    bids, asks = l3_levels(book, levels)
    table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
    for column, style, justify in (
        ("orders", "green", "right"), ("bid qty", "green", "right"), ("bid", "green", "right"),
        ("ask", "red", "left"), ("ask qty", "red", "left"), ("orders", "red", "left"),
    ):  # fmt: skip
        table.add_column(column, style=style, justify=justify)  # type: ignore[arg-type]
    for i in range(max(len(bids), len(asks))):
        bid = bids[i] if i < len(bids) else None
        ask = asks[i] if i < len(asks) else None
        table.add_row(
            str(bid.orders) if bid else "", str(bid.qty) if bid else "",
            str(bid.price) if bid else "", str(ask.price) if ask else "",
            str(ask.qty) if ask else "", str(ask.orders) if ask else "",
        )  # fmt: skip
    c = book.counters
    style = _STATUS_STYLE[book.status]
    footer = (
        f"[{style}]{book.status.value}[/] · {book.order_count} orders · updates {c.updates} · "
        f"checksums ok {c.checksums_verified} · mismatches {c.checksum_mismatches} · "
        f"resyncs {c.resyncs}"
    )
    return Panel(Group(table, footer), title=f"{book.symbol} level 3 (depth {book.depth})")
