"""Kraken WebSocket v1 (1.9), authenticated endpoint, sans-I/O: private feeds and trading.

:class:`KrakenV1PrivateProtocol` extends the public protocol object (status, heartbeat,
ping, acknowledgements) with what needs the session token:

- ``openOrders`` (:class:`~spotstream.models.orders.OrderUpdate` items) and ``ownTrades``
  (:class:`~spotstream.models.orders.Fill` items), each with its ``sequence`` checked. The
  first message after a subscribe is the snapshot (all open orders; the latest trades) and
  sets the baseline; every later one must carry the next number, else :class:`SequenceGap`
  and the channel is *stale* until its next snapshot (the session resubscribes and
  reconciles); so is a channel one of whose messages could not be read (what it said is
  lost). ``ratecount`` of order updates is kept per pair, ``maxratecount`` from the
  ``openOrders`` acknowledgement.
- Trading: ``addOrder``, ``editOrder``, ``cancelOrder``, ``cancelAll`` and
  ``cancelAllOrdersAfter`` (the request and answer models are
  :mod:`spotstream.protocol.kraken.v1.trading_wire`), correlated by ``reqid`` into one
  :class:`RequestDone` with typed results. ``cancelOrder`` is answered once per identifier,
  and those answers carry no id: they are counted, and their outcomes listed in the order
  of the request's identifiers (UNCONFIRMED: Kraken does not say that they come in order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import msgspec

from spotstream.errors import (
    DecodeError,
    InvalidRequestError,
    SpotstreamError,
    UnexpectedAnswerError,
    UnreadableResultError,
)
from spotstream.models.enums import EventKind
from spotstream.models.orders import OrderRequest
from spotstream.protocol.base import Outgoing
from spotstream.protocol.events import ChannelData, Event, RequestDone, SequenceGap, StreamKey
from spotstream.protocol.instruments import InstrumentCache
from spotstream.protocol.kraken.streams import StreamSpec
from spotstream.protocol.kraken.symbols import to_v1
from spotstream.protocol.kraken.v1 import private_translate as translate
from spotstream.protocol.kraken.v1 import private_wire as pw
from spotstream.protocol.kraken.v1 import trading_wire as tw
from spotstream.protocol.kraken.v1 import wire
from spotstream.protocol.kraken.v1.public import KrakenV1Protocol, canonical
from spotstream.protocol.sequences import FeedSequences

PRIVATE_CHANNELS = ("ownTrades", "openOrders")
_OPTIONS = {  # which subscription options each channel takes
    "ownTrades": ("snapshot", "consolidate_taker", "rebased"),
    "openOrders": ("ratecounter", "rebased"),
}
_METHODS = {  # answer event -> (our method name, its result)
    "addOrderStatus": ("add_order", tw.placed),
    "editOrderStatus": ("edit_order", tw.edited),
    "cancelOrderStatus": ("cancel_order", tw.cancelled),
    "cancelAllStatus": ("cancel_all", tw.cancelled_count),
    "cancelAllOrdersAfterStatus": ("cancel_all_orders_after", tw.cancel_after),
}
_DECODERS: dict[str, Callable[[bytes | str], tuple[Any, ...]]] = {
    "ownTrades": pw.OWN_TRADES_DECODER.decode,
    "openOrders": pw.OPEN_ORDERS_DECODER.decode,
}


@dataclass(slots=True)
class _Trading:
    """A trading request awaiting ``expected`` answers."""

    method: str
    expected: int
    results: list[object] = field(default_factory=list)
    errors: list[SpotstreamError] = field(default_factory=list)


class KrakenV1PrivateProtocol(KrakenV1Protocol):
    """The state of one Kraken v1 authenticated connection, without the connection."""

    def __init__(self, instruments: InstrumentCache | None = None) -> None:
        super().__init__(instruments)
        self.token: str | None = None
        self.feeds = FeedSequences()
        self.sequences = self.feeds.last  # channel -> its last sequence number
        self.stale = self.feeds.stale  # channels between a gap and their next snapshot
        self.ratecounts: dict[str, int] = {}
        self.maxratecount: int | None = None
        self._snapshot_next: set[str] = set()  # channels whose next message is a snapshot
        self._trading: dict[int, _Trading] = {}

    def require_token(self) -> str:
        if self.token is None:
            raise InvalidRequestError("no session token yet (the connection is not open)")
        return self.token

    # --- subscriptions --------------------------------------------------------------------

    def stream_key(self, channel: str, symbol: str, options: Mapping[str, Any]) -> StreamKey:
        return (channel, "", None)

    def subscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        return self.subscribe(channel, symbols, **options)

    def unsubscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        return self.unsubscribe(channel)

    def subscribe(self, channel: str, symbols: Iterable[str] = (), **options: Any) -> Outgoing:
        """Encode a subscribe to ``ownTrades`` or ``openOrders`` (their options: spec §7-8)."""
        allowed = self._channel_options(channel, symbols)
        given = {k: v for k, v in options.items() if v is not None}
        unknown = sorted(set(given) - set(allowed))
        if unknown:
            raise InvalidRequestError(f"{channel} takes no {', '.join(unknown)}")
        subscription = wire.Subscription(channel, token=self.require_token(), **given)
        out = self._request("subscribe", subscription, {"": StreamSpec(channel, "")})
        if channel == "openOrders" or given.get("snapshot", True):
            self._snapshot_next.add(channel)
        else:
            self._snapshot_next.discard(channel)
        return out

    def unsubscribe(self, channel: str, symbols: Iterable[str] = (), **_: Any) -> Outgoing:
        self._channel_options(channel, symbols)
        subscription = wire.Subscription(channel, token=self.require_token())
        return self._request("unsubscribe", subscription, {"": StreamSpec(channel, "")})

    def _channel_options(self, channel: str, symbols: Iterable[str]) -> tuple[str, ...]:
        if channel not in PRIVATE_CHANNELS:
            raise InvalidRequestError(
                f"{channel!r} is not a private channel (Kraken v1 private: ownTrades, "
                "openOrders; market data is on the public endpoint)"
            )
        if any(symbols):
            raise InvalidRequestError(f"{channel} takes no pairs")
        return _OPTIONS[channel]

    def _on_subscribed(self, spec: StreamSpec, event: wire.SubscriptionStatusEvent) -> None:
        if event.subscription is not None and event.subscription.maxratecount is not None:
            self.maxratecount = event.subscription.maxratecount

    def connection_lost(self) -> list[StreamSpec]:
        restore = super().connection_lost()
        self._trading.clear()
        self.feeds.connection_lost()
        self._snapshot_next.clear()
        return restore

    # --- trading --------------------------------------------------------------------------

    def add_order(
        self,
        pair: str,
        order: OrderRequest,
        *,
        validate: bool = False,
        deadline: datetime | None = None,
        leverage: str | None = None,
        token: str | None = None,
    ) -> Outgoing:
        """``addOrder`` of ``order`` on ``pair`` (either spelling); raises
        :class:`InvalidRequestError` before anything is sent."""
        req_id = self._allocate()
        request = tw.add_order_request(
            _v1(pair),
            order,
            token=token or self.require_token(),
            reqid=req_id,
            validate=validate,
            deadline=deadline,
            leverage=leverage,
        )
        return self._trade(req_id, "add_order", request)

    def edit_order(
        self,
        order_id: str,
        pair: str,
        *,
        token: str | None = None,
        **fields: Any,
    ) -> Outgoing:
        """``editOrder`` (cancel and replace): ``fields`` as
        :func:`~spotstream.protocol.kraken.v1.trading_wire.edit_order_request` takes them."""
        req_id = self._allocate()
        request = tw.edit_order_request(
            order_id, _v1(pair), token=token or self.require_token(), reqid=req_id, **fields
        )
        return self._trade(req_id, "edit_order", request)

    def cancel_order(
        self,
        order_ids: Sequence[str] = (),
        client_order_ids: Sequence[str] = (),
        *,
        token: str | None = None,
    ) -> Outgoing:
        """``cancelOrder`` of ids (or userrefs as text) and client ids: one answer each."""
        req_id = self._allocate()
        request = tw.cancel_order_request(
            token=token or self.require_token(),
            reqid=req_id,
            order_ids=order_ids,
            client_order_ids=client_order_ids,
        )
        expected = len(order_ids) + len(client_order_ids)
        return self._trade(req_id, "cancel_order", request, expected)

    def cancel_all(self, *, token: str | None = None) -> Outgoing:
        req_id = self._allocate()
        request = tw.CancelAllRequest(token=token or self.require_token(), reqid=req_id)
        return self._trade(req_id, "cancel_all", request)

    def cancel_all_orders_after(self, timeout: int, *, token: str | None = None) -> Outgoing:
        req_id = self._allocate()
        request = tw.cancel_after_request(
            token=token or self.require_token(), reqid=req_id, timeout=timeout
        )
        return self._trade(req_id, "cancel_all_orders_after", request)

    def pending_request_ids(self) -> list[int]:
        return [*super().pending_request_ids(), *self._trading]

    def _trade(
        self, req_id: int, method: str, request: msgspec.Struct, expected: int = 1
    ) -> Outgoing:
        self._trading[req_id] = _Trading(method, expected)
        return Outgoing(req_id, tw.ENCODER.encode(request))

    # --- frames ---------------------------------------------------------------------------

    def _route_array(self, array: list[Any], frame: bytes | str) -> list[Event]:
        name = array[1] if len(array) == 3 and isinstance(array[-1], dict) else None
        if not isinstance(name, str) or name not in _DECODERS:
            return super()._route_array(array, frame)
        try:
            items, _, sequence = _DECODERS[name](frame)
            converted = _items(name, items)
        except (msgspec.ValidationError, DecodeError, ValueError) as exc:
            return [self._unhandled(name, str(exc), frame), *self._lost(name)]
        kind = EventKind.SNAPSHOT if name in self._snapshot_next else EventKind.UPDATE
        self._snapshot_next.discard(name)
        events = self.feeds.check(name, kind, sequence.sequence)
        if events is None:  # a repeat or a step back: dropped, counted
            return [self._unhandled(f"{name}:repeated", f"sequence {sequence.sequence}", frame)]
        converted = [item for item in converted if self.feeds.fresh(item, kind)]
        if name == "openOrders":
            self._count_rates(converted)
        events.append(ChannelData((name, "", None), kind, converted, frame))
        return events

    def _lost(self, channel: str) -> list[Event]:
        """A message of ``channel`` could not be read: what it said is lost, so the channel
        is stale until its next snapshot, as after a gap (reported once)."""
        if channel in self.stale:
            return []
        self.stale.add(channel)
        expected = self.sequences.get(channel, 0) + 1
        return [SequenceGap(channel, expected, expected)]

    def _count_rates(self, updates: list[object]) -> None:
        for update in updates:
            ratecount, symbol = getattr(update, "ratecount", None), getattr(update, "symbol", None)
            if ratecount is not None and symbol is not None:
                self.ratecounts[symbol] = ratecount

    def _other_event(self, frame: bytes | str, why: str) -> list[Event]:
        try:
            other = wire.ANY_EVENT_DECODER.decode(frame)
        except msgspec.MsgspecError:
            return [self._unhandled("malformed", why, frame)]
        if other.event not in tw.STATUS_EVENTS:
            return super()._other_event(frame, why)
        req_id = other.reqid if other.reqid is not None else self._only(str(other.event))
        trading = self._trading.get(req_id) if req_id is not None else None
        if trading is None or req_id is None:
            return [self._unhandled(f"event:{other.event}", "unknown reqid", frame)]
        self._answer(trading, other, frame)
        if len(trading.results) + len(trading.errors) < trading.expected:
            return []
        del self._trading[req_id]
        return [_done(req_id, trading)]

    def _only(self, event: str) -> int | None:
        """The one pending request an answer without ``reqid`` can be for (Kraken echoes
        ``reqid``; an answer without one is attributed only when nothing else could be it)."""
        method = _METHODS[event][0]
        waiting = [req_id for req_id, t in self._trading.items() if t.method == method]
        return waiting[0] if len(waiting) == 1 and len(self._trading) == 1 else None

    def _answer(self, trading: _Trading, other: wire.AnyEvent, frame: bytes | str) -> None:
        """One answer to ``trading``: a result, the refusal, or an outcome left unknown."""
        method, result = _METHODS[str(other.event)]
        req_id = other.reqid
        if method != trading.method:
            trading.errors.append(
                UnexpectedAnswerError(
                    f"{trading.method} (reqid={req_id}) was answered with {other.event}; it "
                    "may have taken effect (check openOrders)"
                )
            )
            return
        try:
            status = tw.STATUS_DECODER.decode(frame)
        except msgspec.MsgspecError as exc:
            trading.errors.append(_unreadable(method, req_id, exc))
            return
        refusal = tw.refusal(status, method)
        if refusal is not None:
            trading.errors.append(refusal)
            return
        try:
            trading.results.append(result(status))  # type: ignore[operator]
        except (DecodeError, msgspec.MsgspecError, ValueError) as exc:
            trading.errors.append(_unreadable(method, req_id, exc))


def _items(channel: str, entries: list[dict[str, Any]]) -> list[object]:
    convert = translate.fill if channel == "ownTrades" else translate.order_update
    return [convert(key, item) for entry in entries for key, item in entry.items()]


def _v1(pair: str) -> str:
    return to_v1(canonical(pair))


def _done(req_id: int, trading: _Trading) -> Event:
    return RequestDone(req_id, trading.method, trading.results, trading.errors)


def _unreadable(method: str, req_id: int | None, exc: Exception) -> UnreadableResultError:
    return UnreadableResultError(
        f"{method} (reqid={req_id}) succeeded but its answer could not be read ({exc}); it "
        "may have taken effect (check openOrders)"
    )
