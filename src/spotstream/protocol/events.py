"""Events the protocol layer emits; shared by every exchange's protocol module."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

from spotstream.book.verified import ApplyResult, VerifiedBook
from spotstream.errors import ExchangeError
from spotstream.models import EventKind, SystemStatus

T = TypeVar("T")

StreamKey = tuple[str, str, int | None]
"""(channel, symbol, variant): how data is routed; variant is e.g. the ohlc interval."""


@dataclass(frozen=True, slots=True)
class ChannelData(Generic[T]):
    """Typed items of one channel message for one stream."""

    key: StreamKey
    kind: EventKind
    items: list[T]
    frame: bytes | str


@dataclass(frozen=True, slots=True)
class BookData:
    """A book message was applied to the local book ``book``; ``result`` says how it went."""

    key: StreamKey
    kind: EventKind
    result: ApplyResult
    book: VerifiedBook
    frame: bytes | str


@dataclass(frozen=True, slots=True)
class StatusChanged:
    status: SystemStatus
    frame: bytes | str


@dataclass(frozen=True, slots=True)
class Heartbeat:
    pass


@dataclass(frozen=True, slots=True)
class Pong:
    req_id: int | None


@dataclass(frozen=True, slots=True)
class RequestDone:
    """Every answer to request ``req_id`` has arrived.

    ``results`` holds the successful answers (decoded per method), ``errors`` the rejections;
    a multi-symbol subscribe can partly succeed.
    """

    req_id: int
    method: str
    results: list[object] = field(default_factory=list)
    errors: list[ExchangeError] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Unhandled:
    """A frame no route understood: counted and logged once per ``kind``, never dropped silently."""

    kind: str
    reason: str
    frame: bytes | str


Event = ChannelData[object] | BookData | StatusChanged | Heartbeat | Pong | RequestDone | Unhandled
