"""Events the protocol layer emits; shared by every exchange's protocol module.

Events are short-lived and never part of a reference cycle, so they are not tracked by the
garbage collector (``gc=False``): one less cost per frame.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

import msgspec

from spotstream.book.tracked import ApplyResult, TrackedBook
from spotstream.errors import SpotstreamError
from spotstream.models.enums import EventKind
from spotstream.models.market import SystemStatus

T = TypeVar("T")

StreamKey = tuple[str, str, int | None]
"""(channel, symbol, variant): how data is routed; variant is e.g. the ohlc interval."""


class ChannelData(msgspec.Struct, Generic[T], frozen=True, gc=False):
    """Typed items of one channel message for one stream."""

    key: StreamKey
    kind: EventKind
    items: list[T]
    frame: bytes | str


class BookData(msgspec.Struct, frozen=True, gc=False):
    """A book message was applied to the local book ``book``; ``result`` says how it went."""

    key: StreamKey
    kind: EventKind
    result: ApplyResult
    book: TrackedBook[Any, Any]  # a VerifiedBook (L2) or a VerifiedL3Book
    frame: bytes | str


class StatusChanged(msgspec.Struct, frozen=True, gc=False):
    status: SystemStatus
    frame: bytes | str


class Heartbeat(msgspec.Struct, frozen=True, gc=False):
    pass


class RequestDone(msgspec.Struct, frozen=True, gc=False):
    """Every answer to request ``req_id`` has arrived.

    ``results`` holds the successful answers (decoded per method), ``errors`` the refusals
    (:class:`~spotstream.errors.ExchangeError`) and the answers that leave the outcome unknown
    (:class:`~spotstream.errors.OutcomeUnknownError`: an unreadable success, an answer of the
    wrong kind); a multi-symbol subscribe can partly succeed.
    """

    req_id: int
    method: str
    results: list[object] = msgspec.field(default_factory=list)
    errors: list[SpotstreamError] = msgspec.field(default_factory=list)


class SequenceGap(msgspec.Struct, frozen=True, gc=False):
    """A sequenced channel skipped (or repeated) a number: its state is no longer trusted."""

    channel: str
    expected: int
    received: int


class StreamEnded(msgspec.Struct, frozen=True, gc=False):
    """The venue ended a confirmed stream on its own (no request of ours asked it to): the
    session subscribes it again, and its subscribers see a gap."""

    key: StreamKey
    reason: str


class Unhandled(msgspec.Struct, frozen=True, gc=False):
    """A frame no route understood: counted and logged once per ``kind``, never dropped silently."""

    kind: str
    reason: str
    frame: bytes | str


Event = (
    ChannelData[object]
    | BookData
    | StatusChanged
    | Heartbeat
    | RequestDone
    | SequenceGap
    | StreamEnded
    | Unhandled
)
