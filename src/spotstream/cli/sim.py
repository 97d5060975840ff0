"""``spotstream sim``: serve the exchange simulator until interrupted."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from spotstream.simulator.msgrate import MessageRate


def add_sim_arguments(parser: argparse.ArgumentParser) -> None:
    """The ``sim`` command's options."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rate", default="20", help="market events/s per symbol, or 'max'")
    parser.add_argument(
        "--tls",
        action="store_true",
        help="serve the websockets as wss:// (self-signed certificate: tls_cert in the line)",
    )
    parser.add_argument(
        "--msg-rate",
        default="40/20",
        type=message_rate,
        metavar="BURST/PER_S",
        help="per-connection websocket message limit: a bucket of BURST messages refilled"
        " PER_S a second (default 40/20), or 'off'",
    )


def message_rate(text: str) -> MessageRate | None:
    """``--msg-rate``: ``"40/20"`` -> ``MessageRate(40, 20)``, ``"off"`` -> ``None``."""
    from spotstream.simulator.msgrate import MessageRate

    if text == "off":
        return None
    burst, slash, per_second = text.partition("/")
    if not (slash and burst.isdigit() and per_second.isdigit()):
        raise argparse.ArgumentTypeError(f"BURST/PER_S or 'off', not {text!r}")
    try:
        return MessageRate(int(burst), int(per_second))
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


async def run_sim(args: argparse.Namespace) -> int:
    """Print one JSON line (every URL, seed, rate, the funded test account's Kraken API key
    and secret, its CoinEx access id and secret key, and with ``--tls`` the certificate's PEM
    path as ``tls_cert``), then serve until interrupted."""
    from spotstream.simulator.matching.accounts import TEST_ACCOUNT  # only when it runs
    from spotstream.simulator.server import Simulator
    from spotstream.simulator.venues.coinex.credentials import COINEX_TEST_KEY

    rate = None if args.rate == "max" else float(args.rate)
    tls = bool(args.tls)
    limit = args.msg_rate
    async with Simulator(args.host, args.port, args.seed, rate, tls=tls, message_rate=limit) as sim:
        line: dict[str, Any] = {
            "urls": sim.urls,
            "seed": args.seed,
            "rate": args.rate,
            "api_key": TEST_ACCOUNT.api_key,
            "api_secret": TEST_ACCOUNT.api_secret,
            "coinex_access_id": COINEX_TEST_KEY.access_id,
            "coinex_secret_key": COINEX_TEST_KEY.secret_key,
        }
        if sim.tls_cert is not None:
            line["tls_cert"] = sim.tls_cert
        print(json.dumps(line), flush=True)
        sys.stdout.flush()
        await asyncio.Event().wait()
    return 0
