"""Kraken streams as the protocols (v1 and v2) track them: confirmed streams, pending
requests, keys, option checks."""

from __future__ import annotations

from dataclasses import dataclass, field

from spotstream.errors import InvalidRequestError, SpotstreamError
from spotstream.protocol.events import StreamKey


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """A confirmed stream: what to send again to restore it after a reconnect."""

    channel: str
    symbol: str
    depth: int | None = None
    interval: int | None = None
    event_trigger: str | None = None

    @property
    def key(self) -> StreamKey:
        return (self.channel, self.symbol, self.interval)


@dataclass(slots=True)
class PendingRequest:
    """A request awaiting its answers (Kraken answers a subscribe once per symbol)."""

    method: str
    specs: dict[str, StreamSpec]  # symbol ("" for symbol-less channels) -> spec awaiting an ack
    results: list[object] = field(default_factory=list)
    errors: list[SpotstreamError] = field(default_factory=list)


def stream_key(channel: str, symbol: str, interval: int | None = None) -> StreamKey:
    return (channel, symbol, interval if channel == "ohlc" else None)


def check_option(name: str, value: object, allowed: tuple[object, ...], applies: bool) -> None:
    """Refuse an option that does not apply to the channel or has no allowed value."""
    if value is None:
        return
    if not applies:
        raise InvalidRequestError(f"{name} does not apply to this channel")
    if value not in allowed:
        raise InvalidRequestError(f"{name} must be one of {allowed}, not {value!r}")
