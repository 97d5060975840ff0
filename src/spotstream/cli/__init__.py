"""The ``spotstream`` command line: argument parsing and presentation only."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable, Collection, Coroutine, Sequence
from typing import Any

from spotstream.cli.bench import add_bench
from spotstream.cli.credentials import (
    EXCHANGES,
    add_account_options,
    add_api_option,
    add_exchange_option,
    add_public_url_option,
    resolve_endpoints,
)
from spotstream.cli.metrics import add_metrics_option
from spotstream.cli.order_coinex import COINEX_TYPES
from spotstream.cli.order_options import (
    ADD_OPTIONS,
    ADD_POSITIONAL,
    AMEND_OPTIONS,
    CONDITIONAL_FIELDS,
    EDIT_OPTIONS,
    ORDER_FLAGS,
)
from spotstream.cli.sim import add_sim_arguments

PRIVATE_CHANNELS = frozenset({"executions", "balances", "level3"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="spotstream", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    demo = commands.add_parser("demo", help="live view of the embedded simulator")
    demo.add_argument("--duration", type=float, help="exit after this many seconds")
    demo.add_argument("--json", action="store_true", help="end with a JSON summary line")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--rate", type=float, default=50.0, help="market events/s per symbol")
    add_api_option(demo)
    add_exchange_option(demo)
    demo.add_argument(
        "--no-trade", action="store_true", help="market data only (no demo trading bot)"
    )
    add_metrics_option(demo)

    _add_watch(commands)
    _add_order(commands)

    replay = commands.add_parser("replay", help="verify recorded frames against checksums")
    replay.add_argument(
        "file",
        help="a recording ('-' for stdin): raw frames one per line (Kraken v1 or v2), a "
        "cryptofeed capture or a python-kraken-sdk fixture, told apart by content",
    )
    replay.add_argument("--json", action="store_true", help="end with a JSON summary line")
    add_exchange_option(replay, "coinex: CoinEx v2 pushes, one decompressed JSON text per line")
    replay.add_argument("--depth", type=int, help="book depth (default: from the snapshot)")
    replay.add_argument("--price-precision", type=int)
    replay.add_argument("--qty-precision", type=int)

    add_bench(commands)

    sim = commands.add_parser("sim", help="run the local exchange simulator")
    add_sim_arguments(sim)
    return parser


def _add_watch(commands: Any) -> None:
    watch = commands.add_parser("watch", help="stream a channel from an exchange")
    channels = watch.add_subparsers(dest="channel", required=True, metavar="CHANNEL")
    output = argparse.ArgumentParser(add_help=False)
    output.add_argument("--json", action="store_true", help="NDJSON of the typed events")
    output.add_argument("--duration", type=float, help="exit after this many seconds")
    add_metrics_option(output)

    public = argparse.ArgumentParser(add_help=False, parents=[output])
    public.add_argument("symbols", nargs="+", metavar="SYMBOL")
    public.add_argument("--depth", type=int, default=10)
    public.add_argument("--interval", type=int, default=1, help="ohlc interval in minutes")
    add_public_url_option(public)
    add_exchange_option(public)
    public.add_argument("--transport", default="picows", choices=["picows", "websockets"])
    for name, text in (
        ("book", "a maintained, checksum-verified order book"),
        ("ticker", "ticker updates"),
        ("trades", "public trades"),
        ("ohlc", "candles"),
    ):
        channels.add_parser(name, parents=[public], help=text)

    account = argparse.ArgumentParser(add_help=False, parents=[output])
    add_account_options(account)
    executions = channels.add_parser(
        "executions", parents=[account], help="your orders and fills (needs credentials)"
    )
    executions.add_argument(
        "--snap-trades", action="store_true", help="show the recent fills of the snapshot"
    )
    executions.add_argument(
        "--no-snap-orders", action="store_true", help="do not show the open orders' snapshot"
    )
    executions.add_argument(
        "--ratecounter", action="store_true", help="track the trading rate counter"
    )
    channels.add_parser("balances", parents=[account], help="your balances and ledger")
    level3 = channels.add_parser(
        "level3", parents=[account], help="level-3 book: every order (needs credentials)"
    )
    level3.add_argument("symbols", nargs="+", metavar="SYMBOL")
    level3.add_argument("--depth", type=int, default=10, choices=[10, 100, 1000])


def _add_order(commands: Any) -> None:
    order = commands.add_parser(
        "order", help="trade on Kraken or CoinEx (--exchange coinex; needs API credentials)"
    )
    actions = order.add_subparsers(dest="action", required=True, metavar="ACTION")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--json", action="store_true", help="print one JSON object")
    common.add_argument("--timeout", type=float, help="seconds to wait for the answer (10)")
    add_account_options(common)
    exchange_help = (
        "kraken (default) or coinex (REST v2: add, cancel, cancel-all, open, closed; env "
        "SPOTSTREAM_COINEX_REST_URL, COINEX_ACCESS_ID, COINEX_SECRET_KEY)"
    )
    # Before the action (`order --exchange coinex add ...`) or after it: one is read (main).
    order.add_argument("--exchange", dest="order_exchange", choices=EXCHANGES, help=exchange_help)
    common.add_argument("--exchange", choices=EXCHANGES, help=exchange_help)
    market = argparse.ArgumentParser(add_help=False)  # CoinEx's market and side filters
    market.add_argument("--symbol", dest="symbol_option", metavar="SYMBOL", help="CoinEx only")
    market.add_argument("--side", dest="side_option", choices=["buy", "sell"], help="CoinEx only")

    def action(name: str, text: str) -> argparse.ArgumentParser:
        parser: argparse.ArgumentParser = actions.add_parser(name, parents=[common], help=text)
        return parser

    add = action("add", "place an order (add_order; CoinEx: place_order)")
    add.add_argument("symbol", help="e.g. BTC/USD")
    for name, spec in ADD_POSITIONAL.items():
        if name == "order_type":  # CoinEx's own types too
            spec = {**spec, "choices": [*spec["choices"], *COINEX_TYPES]}
            spec["help"] = f"{spec['help']}; CoinEx: limit, market, {', '.join(COINEX_TYPES)}"
        add.add_argument(name, **spec)
    _flags(add, ADD_OPTIONS)
    _conditional_flags(add)

    amend = action("amend", "change an order in place, keeping its id (amend_order)")
    amend.add_argument("order_id", nargs="?", help="or --cl-ord-id")
    _flags(amend, AMEND_OPTIONS, required={"order_qty"})

    edit = action("edit", "cancel and replace an order: a new id (edit_order)")
    edit.add_argument("order_id")
    edit.add_argument("symbol")
    _flags(edit, EDIT_OPTIONS)

    cancel = action("cancel", "cancel orders by id, cl_ord_id or order_userref (cancel_order)")
    cancel.add_argument("order_ids", nargs="*", metavar="ORDER_ID")
    cancel.add_argument("--cl-ord-id", dest="cl_ord_ids", action="append", metavar="ID")
    cancel.add_argument("--order-userref", dest="order_userrefs", action="append", type=int)
    cancel.add_argument(
        "--symbol", dest="symbol_option", metavar="SYMBOL", help="CoinEx: the orders' market"
    )

    actions.add_parser(
        "cancel-all", parents=[common, market], help="cancel every open order (cancel_all)"
    )
    for name, text in (
        ("open", "CoinEx: the open orders (pending-order)"),
        ("closed", "CoinEx: the finished orders, newest first (finished-order)"),
    ):
        listing = actions.add_parser(name, parents=[common, market], help=text)
        if name == "closed":
            listing.add_argument(
                "--max-pages", type=int, default=10, help="pages of 100 read at most (10)"
            )
    after = action("cancel-after", "dead man's switch (cancel_all_orders_after)")
    after.add_argument("seconds", type=int, help="cancel everything after this; 0 disarms")

    batch = action("batch-add", "place 2-15 orders on one symbol, all or none (batch_add)")
    batch.add_argument("symbol")
    batch.add_argument("file", nargs="?", default="-", help="JSON list of orders ('-': stdin)")
    _flags(batch, ("deadline", "validate"))

    batch_cancel = action("batch-cancel", "cancel 2-50 orders in one request (batch_cancel)")
    batch_cancel.add_argument("orders", nargs="*", metavar="ORDER", help="order ids/userrefs")
    batch_cancel.add_argument("--cl-ord-id", dest="cl_ord_ids", action="append", metavar="ID")


def _flags(
    parser: argparse.ArgumentParser, names: Sequence[str], required: Collection[str] = ()
) -> None:
    for name in names:
        spec = ORDER_FLAGS[name]
        flag = "--" + name.replace("_", "-")
        parser.add_argument(flag, dest=name, required=name in required, **spec)


def _conditional_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("conditional close (placed on each fill)")
    for name, spec in CONDITIONAL_FIELDS.items():
        group.add_argument(f"--conditional-{name.replace('_', '-')}", **spec)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "order":
        before, after = args.order_exchange, args.exchange
        if before and after and before != after:
            parser.error(f"order: --exchange {before} and --exchange {after}")
        args.exchange = before or after or "kraken"
    resolve_endpoints(args)
    if args.command == "replay":
        from spotstream.cli.replay import run_replay

        return run_replay(args)
    runner = _runner(args)
    with contextlib.suppress(KeyboardInterrupt):
        return asyncio.run(runner(args))
    return 130


def _runner(args: argparse.Namespace) -> Callable[[argparse.Namespace], Coroutine[Any, Any, int]]:
    command = args.command
    if command == "demo":
        from spotstream.cli.demo import run_demo

        return run_demo
    if command == "watch" and args.channel in PRIVATE_CHANNELS:
        from spotstream.cli.watch_private import run_watch_private

        return run_watch_private
    if command == "watch":
        from spotstream.cli.watch import run_watch

        return run_watch
    if command == "bench":
        from spotstream.cli.bench import run_bench

        return run_bench
    if command == "order":
        from spotstream.cli.order import run_order

        return run_order
    from spotstream.cli.sim import run_sim

    return run_sim


if __name__ == "__main__":
    sys.exit(main())
