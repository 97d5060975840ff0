"""What a client can tell about itself: immutable snapshots of its counters, per client,
connection and subscription (``client.stats()``), and the latency histogram behind them.

The counters live where they are counted (the connection, the session, the subscription);
a snapshot only reads them, so taking one costs nothing on the hot path. The Prometheus
export (:mod:`spotstream.metrics`) reads the same snapshots.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass

LATENCY_BOUNDS: tuple[float, ...] = (
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0,
    2.5, 5.0, 10.0,
)  # fmt: skip
"""Upper bounds (seconds) of the receive-to-handler latency buckets; one more is +Inf."""


class LatencyHistogram:
    """Receive-to-handler latency of one subscription: fixed buckets, a sum and a count."""

    __slots__ = ("count", "counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(LATENCY_BOUNDS) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(LATENCY_BOUNDS, seconds)] += 1
        self.total += seconds
        self.count += 1

    def snapshot(self) -> Latency:
        return Latency(tuple(self.counts), self.total, self.count)

    def merge(self, other: Latency) -> None:
        for i, n in enumerate(other.buckets):
            self.counts[i] += n
        self.total += other.sum
        self.count += other.count


@dataclass(frozen=True, slots=True)
class Latency:
    """A histogram's state: ``buckets[i]`` events took at most ``LATENCY_BOUNDS[i]`` seconds
    (and more than the bound before it; the last bucket is everything slower)."""

    buckets: tuple[int, ...]
    sum: float
    count: int


@dataclass(frozen=True, slots=True)
class SubscriptionStats:
    channel: str
    symbols: tuple[str, ...]
    delivered: int  # events handed to the iterator or handler
    queue_dropped: int  # the oldest events dropped because the subscriber fell behind
    discarded: int  # events still queued when it was closed
    handler_errors: int
    latency: Latency


@dataclass(frozen=True, slots=True)
class ConnectionStats:
    """One connection (a session) over its whole life, across reconnects."""

    name: str  # "public", "private", "level3" ... as the client calls it
    url: str
    connected: bool
    frames: int
    bytes: int
    connects: int
    reconnects: dict[str, int]  # connections lost, by the server's close code ("none")
    resyncs: int  # book resyncs asked for
    checksum_mismatches: int
    sequence_gaps: int
    unhandled: int  # frames no route took (counted, logged once per kind)
    orphans_released: int
    queue_dropped: int  # over every subscription, closed ones included
    subscriptions: tuple[SubscriptionStats, ...]


@dataclass(frozen=True, slots=True)
class ClientStats:
    """Everything ``client.stats()`` tells; the totals sum the connections."""

    connections: tuple[ConnectionStats, ...]
    task_failures: int

    @property
    def frames(self) -> int:
        return sum(c.frames for c in self.connections)

    @property
    def bytes(self) -> int:
        return sum(c.bytes for c in self.connections)

    @property
    def reconnects(self) -> int:
        return sum(sum(c.reconnects.values()) for c in self.connections)

    @property
    def resyncs(self) -> int:
        return sum(c.resyncs for c in self.connections)

    @property
    def checksum_mismatches(self) -> int:
        return sum(c.checksum_mismatches for c in self.connections)

    @property
    def sequence_gaps(self) -> int:
        return sum(c.sequence_gaps for c in self.connections)

    @property
    def queue_dropped(self) -> int:
        return sum(c.queue_dropped for c in self.connections)
