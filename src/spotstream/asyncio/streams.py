"""What the user wants streamed: wanted streams, their subscribers and their ack state."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from spotstream.asyncio.subscription import Subscription
from spotstream.errors import (
    InvalidRequestError,
    NoAcknowledgementError,
    SpotstreamError,
    SubscriptionError,
)
from spotstream.protocol.events import StreamKey

KeyOf = Callable[[str, str, Mapping[str, Any]], StreamKey]
"""The venue's stream key of (channel, symbol, options)."""


def _new_future() -> asyncio.Future[None]:
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    # Nobody may await a resubscription's future: retrieve its exception so it is not logged.
    future.add_done_callback(lambda f: f.cancelled() or f.exception())
    return future


@dataclass(slots=True)
class Want:
    """One stream the user wants (channel, symbol, options), shared by its subscribers."""

    key: StreamKey
    channel: str
    symbol: str
    options: dict[str, Any]
    subs: list[Subscription[Any]] = field(default_factory=list)
    ready: asyncio.Future[None] = field(default_factory=_new_future)
    confirmed: bool = False  # acknowledged on the current connection
    established: bool = False  # acknowledged once: a later refusal ends its subscribers
    sent_on: int = 0  # the connection number its last subscribe went out on


class StreamRegistry:
    """Wanted streams by key and the routing table from stream key to subscribers.

    Several subscriptions to one stream share one exchange subscription (reference
    counted); the exchange is unsubscribed when the last one closes.
    """

    def __init__(self, key_of: KeyOf) -> None:
        self._key_of = key_of
        self.wants: dict[StreamKey, Want] = {}
        self.routes: dict[StreamKey, list[Subscription[Any]]] = {}

    def add(self, sub: Subscription[Any], options: dict[str, Any]) -> tuple[list[Want], list[Want]]:
        """Register ``sub``; returns (its wants, the wants that are new and need a subscribe)."""
        options = {k: v for k, v in options.items() if v is not None}
        keys = [self._key_of(sub.channel, s, options) for s in sub.symbols or [""]]
        for key in keys:
            want = self.wants.get(key)
            if want is not None and want.options != options:
                raise InvalidRequestError(
                    f"{key[0]} {key[1]} is already subscribed with {want.options} on this "
                    f"connection; cannot also use {options}"
                )
        wants, new = [], []
        for key in keys:
            want = self.wants.get(key)
            if want is None:
                want = self.wants[key] = Want(key, sub.channel, key[1], options)
                new.append(want)
            want.subs.append(sub)
            self.routes.setdefault(key, []).append(sub)
            wants.append(want)
        return wants, new

    def remove(self, sub: Subscription[Any]) -> list[Want]:
        """Unregister ``sub``; returns the wants nobody needs any more."""
        orphans = []
        for key, want in list(self.wants.items()):
            if sub in want.subs:
                want.subs.remove(sub)
                self.routes[key].remove(sub)
                if not want.subs:
                    del self.wants[key]
                    del self.routes[key]
                    if not want.ready.done():
                        want.ready.cancel()
                    orphans.append(want)
        return orphans

    def settle(
        self, group: list[Want], results: Sequence[object], errors: Sequence[SpotstreamError]
    ) -> None:
        """Apply the answers to a subscribe of ``group``."""
        acked = {getattr(r, "symbol", None) or "" for r in results}
        by_symbol = {e.symbol: e for e in errors if isinstance(e, SubscriptionError) and e.symbol}
        general = next((e for e in errors if e not in by_symbol.values()), None)
        for want in group:
            if want.symbol in acked:
                want.confirmed = want.established = True
                if not want.ready.done():
                    want.ready.set_result(None)
                continue
            error = by_symbol.get(want.symbol) or general
            if error is None:
                error = NoAcknowledgementError(
                    f"{want.channel} {want.symbol}: the subscribe was answered, not for this"
                )
            self._fail(want, error)

    def _fail(self, want: Want, error: SpotstreamError) -> None:
        if not want.ready.done():
            want.ready.set_exception(error)
        if want.established:  # an established stream could not be restored: end its subscribers
            for sub in want.subs:
                sub.fail(error)
        self.wants.pop(want.key, None)
        self.routes.pop(want.key, None)

    def connection_lost(self) -> None:
        for want in self.wants.values():
            want.confirmed = False
            if want.ready.done():
                want.ready = _new_future()

    def mark_gaps(self) -> None:
        for sub in self.subscriptions():
            sub.mark_gap()

    def subscriptions(self) -> list[Subscription[Any]]:
        seen: dict[int, Subscription[Any]] = {}
        for subs in self.routes.values():
            for sub in subs:
                seen[id(sub)] = sub
        return list(seen.values())
