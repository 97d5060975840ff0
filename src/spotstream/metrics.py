"""Prometheus export of ``client.stats()``: a collector read at scrape time (nothing is added
to the hot path) and a small in-loop HTTP endpoint (``serve_metrics``, ``--metrics-port``).

Metrics, each labelled ``client`` (the name given, e.g. ``kraken``) and ``connection``
(``public``, ``private``, ...):

- ``spotstream_frames_total``, ``spotstream_bytes_total``: application frames received;
- ``spotstream_reconnects_total{close_code}``: connections lost, by the server's close code
  (``none``: the link died without a close frame);
- ``spotstream_resyncs_total``, ``spotstream_checksum_mismatches_total``: book recovery;
- ``spotstream_sequence_gaps_total``: account-feed messages that skipped numbers;
- ``spotstream_queue_dropped_total``: events dropped because a subscriber fell behind;
- ``spotstream_unhandled_frames_total``: frames no route took;
- ``spotstream_connected``: 1 while the connection is up;
- ``spotstream_handler_latency_seconds``: receive-to-handler latency (histogram, over the
  connection's subscriptions).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from prometheus_client.core import (
    CollectorRegistry,
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

from spotstream.asyncio.stats import LATENCY_BOUNDS, ClientStats, LatencyHistogram

StatsSource = Callable[[], ClientStats]
_LABELS = ["client", "connection"]
_COUNTERS = (
    ("spotstream_frames", "Application frames received", "frames"),
    ("spotstream_bytes", "Bytes of the application frames received", "bytes"),
    ("spotstream_resyncs", "Book resyncs asked for", "resyncs"),
    ("spotstream_checksum_mismatches", "Book checksum mismatches", "checksum_mismatches"),
    ("spotstream_sequence_gaps", "Account-feed sequence gaps", "sequence_gaps"),
    ("spotstream_queue_dropped", "Events dropped by subscribers' full queues", "queue_dropped"),
    ("spotstream_unhandled_frames", "Frames no route took", "unhandled"),
)


class StatsCollector:
    """A Prometheus collector of clients' stats: ``sources`` maps the ``client`` label to a
    callable returning that client's :class:`ClientStats` (e.g. ``client.stats``)."""

    def __init__(self, sources: Mapping[str, StatsSource]) -> None:
        self.sources = dict(sources)

    def collect(self) -> Iterator[Metric]:
        snapshots = [(name, source()) for name, source in self.sources.items()]
        for metric, doc, field in _COUNTERS:
            family = CounterMetricFamily(metric, doc, labels=_LABELS)
            for name, stats in snapshots:
                for conn in stats.connections:
                    family.add_metric([name, conn.name], getattr(conn, field))
            yield family
        reconnects = CounterMetricFamily(
            "spotstream_reconnects",
            "Connections lost, by close code",
            labels=[*_LABELS, "close_code"],
        )
        connected = GaugeMetricFamily("spotstream_connected", "1 while connected", labels=_LABELS)
        latency = HistogramMetricFamily(
            "spotstream_handler_latency_seconds", "Receive-to-handler latency", labels=_LABELS
        )
        for name, stats in snapshots:
            for conn in stats.connections:
                for code, count in sorted(conn.reconnects.items()):
                    reconnects.add_metric([name, conn.name, code], count)
                connected.add_metric([name, conn.name], 1.0 if conn.connected else 0.0)
                merged = LatencyHistogram()
                for sub in conn.subscriptions:
                    merged.merge(sub.latency)
                cumulative, buckets = 0, []
                for bound, count in zip(
                    (*LATENCY_BOUNDS, float("inf")), merged.counts, strict=True
                ):
                    cumulative += count
                    buckets.append(("+Inf" if bound == float("inf") else repr(bound), cumulative))
                latency.add_metric([name, conn.name], buckets, merged.total)
        yield reconnects
        yield connected
        yield latency


def metrics_text(sources: Mapping[str, StatsSource]) -> bytes:
    """The Prometheus text exposition of ``sources`` (see :class:`StatsCollector`)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(StatsCollector(sources))
    return generate_latest(registry)


class MetricsServer:
    """An HTTP endpoint serving :func:`metrics_text` on every ``GET`` (in the event loop:
    the stats are read where they are counted). ``port`` is the bound port (useful with 0)."""

    def __init__(self, sources: Mapping[str, StatsSource]) -> None:
        self.sources = dict(sources)
        self.port = 0
        self.scrapes = 0
        self._server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> MetricsServer:
        self._server = await asyncio.start_server(self._serve, host, port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
            self._server = None

    async def __aenter__(self) -> MetricsServer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5):
                head = await reader.readuntil(b"\r\n\r\n")
            if head.startswith(b"GET "):
                body, status = metrics_text(self.sources), "200 OK"
                kind = CONTENT_TYPE_LATEST
                self.scrapes += 1
            else:
                body, status, kind = b"only GET\n", "405 Method Not Allowed", "text/plain"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
                "Connection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, OSError):
            pass
        finally:
            writer.close()


async def serve_metrics(
    sources: Mapping[str, Any], port: int = 0, host: str = "127.0.0.1"
) -> MetricsServer:
    """Serve the Prometheus metrics of ``sources`` (``{"kraken": client}``: clients, or
    callables returning :class:`ClientStats`) on ``host:port``; ``await server.close()``
    (or ``async with``) to stop."""
    callables = {name: (s.stats if hasattr(s, "stats") else s) for name, s in sources.items()}
    return await MetricsServer(callables).start(host, port)
