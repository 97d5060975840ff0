"""``spotstream order --exchange coinex ...``: CoinEx spot trading over REST v2, with the
Kraken command's actions where CoinEx has the call, its output and its exit codes.

- ``add SYMBOL SIDE TYPE QTY``: ``TYPE`` ``limit``, ``market``, ``maker_only``, ``ioc`` or
  ``fok`` (a ``limit`` with ``--post-only`` is ``maker_only``, with ``--time-in-force ioc``
  ``ioc``); ``--limit-price`` for every type but ``market``; ``--cl-ord-id`` is CoinEx's
  ``client_id``. A market buy's ``QTY`` is in the quote currency (CoinEx's rule).
- ``cancel ORDER_ID... --symbol SYMBOL``: one result per order, as Kraken's cancel.
- ``cancel-all [--symbol SYMBOL] [--side SIDE]``: every open order of the market (of every
  market with an open order, without ``--symbol``).
- ``open`` / ``closed`` ``[--symbol SYMBOL] [--side SIDE]``: the open orders; the finished
  ones (filled or cancelled, newest first, ``--max-pages`` pages of 100).

Kraken's other actions (amend, edit, cancel-after, batch-add, batch-cancel) and options
CoinEx has no equivalent of are refused before anything is sent (exit 2). Nothing here
opens a websocket: every call is one signed REST request (a page each for the lists).
"""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from decimal import Decimal

import msgspec

from spotstream.auth import coinex_rest
from spotstream.auth.coinex import CoinExCredentials
from spotstream.cli.order_options import ADD_OPTIONS, CONDITIONAL_FIELDS
from spotstream.errors import (
    ExchangeError,
    InvalidRequestError,
    OutcomeUnknownError,
    UnsupportedFeatureError,
)
from spotstream.models.orders import OrderUpdate
from spotstream.protocol.coinex.v2.rest import ORDER_TYPES, SIDES

COINEX_TYPES = ("maker_only", "ioc", "fok")
"""``order add`` types only CoinEx has."""
DEFAULT_TIMEOUT = 10.0
_ADD_ALLOWED = frozenset({"limit_price", "time_in_force", "post_only", "cl_ord_id"})
_ACTIONS = frozenset({"add", "cancel", "cancel-all", "open", "closed"})

Call = Callable[[CoinExCredentials, str, float], Awaitable[object]]


class CancelledAll(msgspec.Struct, frozen=True):
    """What ``cancel-all`` asked CoinEx to clear: every open order of these markets (CoinEx
    answers with no list of orders)."""

    markets: tuple[str, ...]
    side: str | None = None


def build_coinex_action(args: argparse.Namespace) -> Call:
    """Parse and check everything that needs no connection; the request, ready to send."""
    if args.action not in _ACTIONS:
        raise UnsupportedFeatureError(f"order {args.action}: CoinEx has no such call")
    if args.action == "add":
        return _add(args)
    if args.action == "cancel":
        return _cancel(args)
    if args.action == "cancel-all":
        return _cancel_all(args)
    return _list(args)


def _add(args: argparse.Namespace) -> Call:
    given = sorted(
        name
        for name, value in vars(args).items()
        if name in _KRAKEN_ADD_OPTIONS and name not in _ADD_ALLOWED and value not in (None, False)
    )
    if given:
        flags = ", ".join("--" + name.replace("_", "-") for name in given)
        raise UnsupportedFeatureError(f"CoinEx orders take no {flags}")
    kind = _coinex_type(args.order_type, args.time_in_force, args.post_only)
    side, quantity, price = args.side, args.order_qty, args.limit_price
    if kind != "market" and price is None:
        raise InvalidRequestError(f"a {kind} order needs --limit-price")
    client_id = args.cl_ord_id
    return lambda credentials, url, timeout: coinex_rest.place_order(
        credentials, url, args.symbol, side, kind, quantity, price, client_id, timeout=timeout
    )


def _coinex_type(order_type: str, time_in_force: str | None, post_only: bool | None) -> str:
    if order_type not in ORDER_TYPES:
        raise UnsupportedFeatureError(f"CoinEx has no {order_type} orders ({ORDER_TYPES})")
    if time_in_force not in (None, "gtc", "ioc"):
        raise UnsupportedFeatureError(f"CoinEx has no --time-in-force {time_in_force}")
    if order_type != "limit":
        if time_in_force is not None or post_only:
            raise InvalidRequestError(
                f"a {order_type} order takes neither --time-in-force nor --post-only"
            )
        return str(order_type)
    if post_only and time_in_force == "ioc":
        raise InvalidRequestError("--post-only and --time-in-force ioc exclude each other")
    if post_only:
        return "maker_only"
    return "ioc" if time_in_force == "ioc" else "limit"


def _cancel(args: argparse.Namespace) -> Call:
    if args.cl_ord_ids or args.order_userrefs:
        raise UnsupportedFeatureError("CoinEx cancels by ORDER_ID only")
    if not args.order_ids:
        raise InvalidRequestError("cancel needs an ORDER_ID")
    symbol = _symbol(args)
    if symbol is None:
        raise InvalidRequestError("order cancel on CoinEx needs --symbol (the orders' market)")
    for order_id in args.order_ids:
        if not str(order_id).isdigit():
            raise InvalidRequestError(f"a CoinEx order id is a number, not {order_id!r}")

    async def cancel(credentials: CoinExCredentials, url: str, timeout: float) -> object:
        results: list[object] = []
        for order_id in args.order_ids:
            try:
                results.append(
                    await coinex_rest.cancel_order(
                        credentials, url, symbol, order_id, timeout=timeout
                    )
                )
            except (ExchangeError, OutcomeUnknownError) as exc:
                results.append(exc)
        return results

    return cancel


def _cancel_all(args: argparse.Namespace) -> Call:
    symbol, side = _symbol(args), _side(args)

    async def cancel_all(credentials: CoinExCredentials, url: str, timeout: float) -> object:
        if symbol is not None:
            markets: tuple[str, ...] = (symbol,)
        else:
            open_now = await coinex_rest.get_pending_orders(
                credentials, url, side=side, timeout=timeout
            )
            markets = tuple(sorted({o.symbol for o in open_now if o.symbol is not None}))
        for market in markets:
            await coinex_rest.cancel_all_orders(credentials, url, market, side, timeout=timeout)
        return CancelledAll(markets, side)

    return cancel_all


def _list(args: argparse.Namespace) -> Call:
    symbol, side = _symbol(args), _side(args)
    if args.action == "open":
        return lambda credentials, url, timeout: coinex_rest.get_pending_orders(
            credentials, url, symbol, side=side, timeout=timeout
        )
    pages = args.max_pages
    if pages < 1:
        raise InvalidRequestError(f"--max-pages must be 1 or more, not {pages}")
    return lambda credentials, url, timeout: coinex_rest.get_finished_orders(
        credentials, url, symbol, side=side, max_pages=pages, timeout=timeout
    )


def _symbol(args: argparse.Namespace) -> str | None:
    symbol: str | None = getattr(args, "symbol_option", None)
    return symbol or None


def _side(args: argparse.Namespace) -> str | None:
    side: str | None = getattr(args, "side_option", None)
    if side is not None and side not in SIDES:
        raise InvalidRequestError(f"side must be one of {SIDES}, not {side!r}")
    return side


def describe_update(order: OrderUpdate) -> str:
    """One line for an order as CoinEx shows it."""
    price = "" if order.limit_price is None else f" @ {order.limit_price}"
    filled = order.filled_quantity if order.filled_quantity is not None else Decimal(0)
    client = f" (client_id {order.client_order_id})" if order.client_order_id else ""
    return (
        f"order {order.order_id}{client}: {order.symbol} {order.side} {order.order_type} "
        f"{order.quantity}{price}: {order.status}, filled {filled}"
    )


def describe_cancelled_all(result: CancelledAll) -> str:
    side = f" {result.side}" if result.side else ""
    if not result.markets:
        return "no open orders to cancel"
    return f"cancelled every open{side} order of {', '.join(result.markets)}"


def timeout_of(args: argparse.Namespace) -> float:
    timeout: float | None = args.timeout
    return DEFAULT_TIMEOUT if timeout is None else timeout


_KRAKEN_ADD_OPTIONS = frozenset(ADD_OPTIONS) | {"conditional_" + n for n in CONDITIONAL_FIELDS}
"""Every option of ``order add`` (Kraken's): those CoinEx has no use for are refused."""
