"""Metrics (issue 11): ``client.stats()`` snapshots count what happens, close codes reach
lifecycle events, errors and the reconnect counters, the latency histogram fills, and the
Prometheus endpoint (API and ``--metrics-port``) serves every metric a scrape looks for."""

from __future__ import annotations

import argparse
import asyncio
import re

import pytest

from spotstream.asyncio.stats import LATENCY_BOUNDS, LatencyHistogram
from spotstream.cli import build_parser
from spotstream.errors import ConnectionClosedError
from spotstream.kraken.client import KrakenSocketClient
from spotstream.metrics import metrics_text, serve_metrics
from spotstream.models.enums import LifecycleKind
from spotstream.models.market import LifecycleEvent
from spotstream.simulator.server import Simulator
from support.coinex import signed_client
from support.hostile import HostileServer, Reply, Upgrade
from support.wait import eventually

NAMES = (
    "spotstream_frames_total",
    "spotstream_reconnects_total",
    "spotstream_resyncs_total",
    "spotstream_checksum_mismatches_total",
    "spotstream_sequence_gaps_total",
    "spotstream_queue_dropped_total",
    "spotstream_handler_latency_seconds_bucket",
    "spotstream_handler_latency_seconds_sum",
    "spotstream_handler_latency_seconds_count",
)


def test_the_histogram_buckets_by_upper_bound() -> None:
    histogram = LatencyHistogram()
    for seconds in (0.00005, 0.0001, 0.0003, 2.0, 99.0):
        histogram.observe(seconds)
    snap = histogram.snapshot()
    assert snap.count == 5
    assert snap.sum == pytest.approx(101.00045)
    assert snap.buckets[0] == 2  # <= 0.1 ms, the bound included
    assert snap.buckets[LATENCY_BOUNDS.index(0.0005)] == 1
    assert snap.buckets[LATENCY_BOUNDS.index(2.5)] == 1
    assert snap.buckets[-1] == 1  # slower than every bound


async def test_stats_count_frames_resyncs_and_deliveries() -> None:
    async with (
        Simulator(seed=4, rate=200) as sim,
        KrakenSocketClient(url=sim.urls["public"], request_timeout=5) as client,
    ):
        book = await client.spot.order_book("BTC/USD", depth=10)
        trades = await client.spot.trades("BTC/USD")
        await anext(aiter(trades))
        sim.faults.corrupt_next_checksum("BTC/USD")
        await eventually(lambda: book.counters.resyncs == 1)
        stats = client.stats()
        [public] = stats.connections
        assert public.name == "public"
        assert public.connected
        assert public.frames > 0
        assert public.bytes > public.frames
        assert public.checksum_mismatches == 1
        assert public.resyncs == 1
        assert stats.resyncs == 1
        [trade_stats] = [s for s in public.subscriptions if s.channel == "trade"]
        assert trade_stats.delivered >= 1
        assert trade_stats.latency.count == trade_stats.delivered
        assert stats.frames == public.frames
        assert client.session.stats.resyncs_requested == 1  # the old view keeps working


async def test_close_codes_reach_events_errors_and_counters() -> None:
    from support.hostile import frame

    def script(n: int) -> Reply:
        return Upgrade(frame(0x8, (1013).to_bytes(2, "big") + b"try again later"))

    events: list[LifecycleEvent] = []
    async with (
        HostileServer(script) as server,
        KrakenSocketClient(url=server.url, transport="websockets") as client,
    ):
        client.on_lifecycle(events.append)
        await eventually(lambda: client.stats().reconnects >= 2, what="two closes")
        lost = [e for e in events if e.kind is LifecycleKind.CONNECTION_LOST]
        assert lost[0].close_code == 1013
        assert lost[0].close_reason == "try again later"
        assert "1013" in lost[0].detail
        [public] = client.stats().connections
        assert public.reconnects["1013"] >= 2
    error = ConnectionClosedError("x", close_code=1001, close_reason="going away")
    assert (error.close_code, error.close_reason) == (1001, "going away")


@pytest.mark.parametrize("transport", ["picows", "websockets"])
async def test_both_transports_read_the_close_frame(transport: str) -> None:
    from support.hostile import frame

    def script(n: int) -> Reply:
        return Upgrade(frame(0x8, (1008).to_bytes(2, "big") + b"policy"))

    async with (
        HostileServer(script) as server,
        KrakenSocketClient(url=server.url, transport=transport) as client,
    ):
        await eventually(lambda: client.stats().reconnects >= 1)
        assert client.stats().connections[0].reconnects.get("1008", 0) >= 1


async def _scrape(port: int) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
    await writer.drain()
    answer = await reader.read()
    writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200")
    return body.decode()


async def test_a_scrape_finds_every_metric_for_both_venues() -> None:
    async with (
        Simulator(seed=4, rate=200) as sim,
        KrakenSocketClient(url=sim.urls["public"], request_timeout=5) as kraken,
        signed_client(sim) as coinex,
    ):
        await kraken.spot.order_book("BTC/USD", depth=10)
        trades = await coinex.spot.trades("BTCUSDT")
        await anext(aiter(trades))
        await coinex.spot.orders()  # a private connection too
        sim.drop_connections("public")
        await eventually(lambda: kraken.stats().reconnects >= 1)
        server = await serve_metrics({"kraken": kraken, "coinex": coinex})
        async with server:
            text = await _scrape(server.port)
        assert server.scrapes == 1
    for name in NAMES:
        assert re.search(rf"^{name}\{{", text, re.M), name
    assert re.search(
        r'^spotstream_reconnects_total\{client="kraken",close_code="none",'
        r'connection="public"\} [1-9]',
        text,
        re.M,
    )  # a drop: no close frame
    assert 'client="coinex",connection="private"' in text
    assert 'le="+Inf"' in text


def test_the_text_of_no_clients_still_describes_every_metric() -> None:
    text = metrics_text({}).decode()
    described = (
        "frames_total",
        "reconnects_total",
        "resyncs_total",
        "sequence_gaps_total",
        "checksum_mismatches_total",
        "queue_dropped_total",
        "handler_latency_seconds",
    )
    for name in described:
        assert f"# TYPE spotstream_{name} " in text, name


async def test_metrics_port_on_the_cli(capsys: pytest.CaptureFixture[str]) -> None:
    from spotstream.cli.demo import run_demo

    args: argparse.Namespace = build_parser().parse_args(
        ["demo", "--duration", "30", "--json", "--no-trade", "--metrics-port", "0"]
    )
    demo = asyncio.ensure_future(run_demo(args))
    seen: list[str] = []

    def port() -> int | None:
        seen.append(capsys.readouterr().err)
        match = re.search(r"metrics: http://127\.0\.0\.1:(\d+)/metrics", "".join(seen))
        return int(match.group(1)) if match else None

    await eventually(lambda: port() is not None, timeout=20, what="the metrics line")
    found = port()
    assert found is not None
    text = await _scrape(found)
    demo.cancel()
    with pytest.raises(asyncio.CancelledError):
        await demo
    for name in NAMES:
        assert name in text, name
