"""``--metrics-port``: the long-running commands serve their client's Prometheus metrics."""

from __future__ import annotations

import argparse
import contextlib
import sys
from collections.abc import AsyncIterator
from typing import Any

from spotstream.metrics import MetricsServer, serve_metrics


def add_metrics_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics-port", type=int, metavar="PORT",
        help="serve Prometheus metrics on 127.0.0.1:PORT/metrics (0: any free port, printed "
        "on stderr)",
    )  # fmt: skip


@contextlib.asynccontextmanager
async def metrics_endpoint(
    args: argparse.Namespace, name: str, client: Any
) -> AsyncIterator[MetricsServer | None]:
    """Serve ``client``'s metrics while the block runs, if ``--metrics-port`` was given; the
    bound address goes to stderr (``metrics: http://127.0.0.1:PORT/metrics``)."""
    port = getattr(args, "metrics_port", None)
    if port is None:
        yield None
        return
    server = await serve_metrics({name: client}, port)
    print(f"metrics: http://127.0.0.1:{server.port}/metrics", file=sys.stderr, flush=True)
    try:
        yield server
    finally:
        await server.close()
