"""Kraken WebSocket v1 (1.9), public endpoint, sans-I/O: requests to frames, frames to events.

The same interface as the v2 protocol (:class:`~spotstream.protocol.base.SessionProtocol`),
so the same generic session drives either. What v1 does differently, handled here:

- data arrives as arrays routed by channel name and pair (``channelID`` is deprecated and
  ignored); ``ohlc-5`` and ``book-25`` carry their interval and depth in the name;
- pairs are v1 names (``XBT/USD``) on the wire and v2 names (``BTC/USD``) everywhere else:
  requests are sent in the v1 spelling, events and books are keyed by the v2 spelling,
  and users may pass either (:func:`canonical`);
- every subscribe is acknowledged by one ``subscriptionStatus`` per pair;
- book numbers are fixed-width strings whose width is the wire's own (for most pairs it is
  *not* REST ``AssetPairs``' ``pair_decimals``: live ``XBT/USD`` books carry 5 decimals where
  ``AssetPairs`` says 1). So each snapshot sets its book's precisions from its numbers, and
  the scaled-integer digits then reproduce the text Kraken's checksum reads, trailing zeros
  included.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import msgspec

from spotstream.book.tracked import ApplyResult
from spotstream.book.verified import VerifiedBook
from spotstream.errors import DecodeError, InvalidRequestError, ProtocolError
from spotstream.models.enums import EventKind
from spotstream.protocol.base import Outgoing
from spotstream.protocol.events import (
    BookData,
    Event,
    Heartbeat,
    RequestDone,
    StatusChanged,
    StreamEnded,
    StreamKey,
)
from spotstream.protocol.instruments import InstrumentCache
from spotstream.protocol.kraken.channels import BOOK_DEPTHS, OHLC_INTERVALS
from spotstream.protocol.kraken.checksum import kraken_checksum
from spotstream.protocol.kraken.errors import kraken_refusal, refused_what
from spotstream.protocol.kraken.state import KrakenProtocolState
from spotstream.protocol.kraken.streams import PendingRequest, StreamSpec, check_option
from spotstream.protocol.kraken.symbols import to_v1, to_v2
from spotstream.protocol.kraken.v1 import market_data, translate, wire
from spotstream.protocol.kraken.v1.book import BOOK_PREFIX, apply_book_payloads

PUBLIC_CHANNELS = ("ticker", "ohlc", "trade", "spread", "book")
_ACKED = ("subscribed", "unsubscribed", "ok")
_ARRAY = (b"[", "[")
_UPDATE = EventKind.UPDATE
_TWO_OBJECTS = b"},{"  # between the two objects of an update whose sides come apart
_INVALID = ApplyResult.INVALID
_SPACE = (b" ", b"\t", b"\r", b"\n", " ", "\t", "\r", "\n")


def canonical(symbol: str) -> str:
    """The spelling events and books use: v2's (``XBT/USD`` -> ``BTC/USD``)."""
    return to_v2(symbol)


def stream_key(channel: str, symbol: str, interval: int | None = None) -> StreamKey:
    return (channel, canonical(symbol), interval if channel == "ohlc" else None)


_RAW_ARRAY = msgspec.json.Decoder(list[msgspec.Raw])
"""A frame as an array of undecoded items (what names a message, read past what does not)."""


class KrakenV1Protocol(KrakenProtocolState):
    """The state of one Kraken v1 public connection, without the connection."""

    def __init__(self, instruments: InstrumentCache | None = None) -> None:
        super().__init__(instruments)
        self._symbols: dict[str, str] = {}  # wire pair -> its v2 spelling (memo)
        self._book_decoder = wire.BOOK_DECODER.decode
        self._update = wire.BOOK_UPDATE_DECODER.decode
        self._update_two = wire.BOOK_UPDATE_TWO_DECODER.decode
        self._book_keys: dict[str, StreamKey] = {}
        self._channels: dict[str, Callable[[bytes | str], list[Event]]] = {
            "ticker": market_data.ticker,
            "trade": market_data.trade,
            "spread": market_data.spread,
        }

    def canonical(self, symbol: str) -> str:
        return canonical(symbol)

    # --- the session's interface (protocol.base.SessionProtocol) ---------------------------

    def stream_key(self, channel: str, symbol: str, options: Mapping[str, Any]) -> StreamKey:
        return stream_key(channel, symbol, options.get("interval"))

    def subscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        given = {k: v for k, v in options.items() if v is not None}
        return self.subscribe(channel, symbols, **given)

    def unsubscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        return self.unsubscribe(channel, symbols, interval=options.get("interval"))

    # --- requests ---------------------------------------------------------------------------

    def subscribe(
        self,
        channel: str,
        symbols: Iterable[str] = (),
        *,
        depth: int | None = None,
        interval: int | None = None,
    ) -> Outgoing:
        """Encode a subscribe; raises :class:`InvalidRequestError` before anything is sent."""
        if channel not in PUBLIC_CHANNELS:
            raise InvalidRequestError(f"unknown Kraken v1 public channel {channel!r}")
        check_option("depth", depth, BOOK_DEPTHS, channel == "book")
        check_option("interval", interval, OHLC_INTERVALS, channel == "ohlc")
        if channel == "ohlc" and interval is None:
            raise InvalidRequestError("ohlc: interval is required")
        specs = self._specs(channel, symbols, depth, interval)
        if channel == "book":
            for symbol in specs:
                self._ensure_book(symbol, depth or 10)
        subscription = wire.Subscription(channel, depth=depth, interval=interval)
        return self._request("subscribe", subscription, specs)

    def unsubscribe(
        self, channel: str, symbols: Iterable[str] = (), *, interval: int | None = None
    ) -> Outgoing:
        """Encode an unsubscribe, echoing the subscription's depth or interval."""
        specs = self._specs(channel, symbols, None, interval)
        confirmed = [self.streams[k] for s in specs if (k := stream_key(channel, s, interval))
                     in self.streams]  # fmt: skip
        first = confirmed[0] if confirmed else next(iter(specs.values()))
        subscription = wire.Subscription(channel, depth=first.depth, interval=first.interval)
        return self._request("unsubscribe", subscription, specs)

    def ping(self) -> Outgoing:
        req_id = self._allocate()
        self._pending[req_id] = PendingRequest("ping", {})
        return Outgoing(req_id, wire.ENCODER.encode(wire.PingRequest(req_id)))

    def resync_book(self, symbol: str) -> list[Outgoing]:
        """Frames that fetch a fresh snapshot of one book (unsubscribe, then subscribe)."""
        symbol = canonical(symbol)
        book = self.books[symbol]
        book.mark_resyncing()
        out = []
        if stream_key("book", symbol) in self.streams:
            out.append(self.unsubscribe("book", [symbol]))
        out.append(self.subscribe("book", [symbol], depth=book.book.depth))
        return out

    # --- frames -----------------------------------------------------------------------------

    def receive(self, frame: bytes | str) -> list[Event]:
        """Turn one received frame into events. Never raises: bad input is a counted
        :class:`Unhandled`, and so is any unexpected exception while the frame is handled."""
        try:
            try:  # the hot path: most frames are book updates, in one object or two
                two = _TWO_OBJECTS in frame if type(frame) is bytes else "},{" in frame
                if not two:
                    _, payload, name, pair = self._update(frame)
                    return self._on_update(payload, None, name, pair, frame)
                _, first, second, name, pair = self._update_two(frame)
                return self._on_update(first, second, name, pair, frame)
            except msgspec.ValidationError:
                pass
            start = frame[:1]
            if start in _SPACE:
                start = frame.lstrip()[:1]
            if start not in _ARRAY:
                return self._receive_event(frame)
            try:  # a snapshot, or a book message of an unusual shape
                return self._on_book(self._book_decoder(frame), frame)
            except msgspec.ValidationError:
                return self._receive_array(frame)
        except msgspec.DecodeError as exc:
            return self._malformed(frame, str(exc))
        except Exception as exc:
            return [self._internal("frame", exc, frame)]

    def _malformed(self, frame: bytes | str, why: str) -> list[Event]:
        """A frame that does not decode (bad JSON, or a number no untyped decoder holds, such
        as ``1E+999``): if it still names a subscribed book (its last two items read raw),
        that book is untrusted, since what it changed is unknown."""
        try:
            items = _RAW_ARRAY.decode(frame)
            tail = [msgspec.json.decode(item) for item in items[-2:]]
        except msgspec.MsgspecError:
            return [self._unhandled("malformed", why, frame)]
        named = len(items) >= 4 and all(isinstance(t, str) for t in tail)
        if named and tail[0].startswith(BOOK_PREFIX):
            return [self._unhandled("book", why, frame), *self._untrusted(tail)]
        return [self._unhandled("malformed", why, frame)]

    def _receive_array(self, frame: bytes | str) -> list[Event]:
        """A data array that is not a book message (or not a well-formed one)."""
        return self._route_array(wire.ARRAY_DECODER.decode(frame), frame)

    def _route_array(self, array: list[Any], frame: bytes | str) -> list[Event]:
        """A data array that is not a well-formed book message, routed by its name."""
        name = array[-2] if len(array) >= 4 and isinstance(array[-1], str) else None
        if not isinstance(name, str):
            return [self._unhandled("array", "not a public data array", frame)]
        handle = self._channels.get(name)
        if handle is None and name.startswith(market_data.OHLC_PREFIX):
            handle = market_data.ohlc
        if handle is None:
            if not name.startswith(BOOK_PREFIX):
                return [self._unhandled(name, "unreadable message", frame)]
            return [self._unhandled("book", "unreadable message", frame), *self._untrusted(array)]
        try:
            return handle(frame)
        except (msgspec.ValidationError, ProtocolError, ValueError) as exc:
            return [self._unhandled(name.split("-")[0], str(exc), frame)]

    def _receive_event(self, frame: bytes | str) -> list[Event]:
        try:
            event = wire.EVENT_DECODER.decode(frame)
        except msgspec.ValidationError as exc:
            return self._other_event(frame, str(exc))
        except msgspec.DecodeError as exc:
            return [self._unhandled("malformed", str(exc), frame)]
        if isinstance(event, wire.SubscriptionStatusEvent):
            return self._on_subscription_status(event, frame)
        if isinstance(event, wire.HeartbeatEvent):
            return [Heartbeat()]
        if isinstance(event, wire.SystemStatusEvent):
            try:
                return [StatusChanged(translate.status(event), frame)]
            except ValueError as exc:
                return [self._unhandled("systemStatus", str(exc), frame)]
        if isinstance(event, wire.PongEvent):
            return self._on_pong(event, frame)
        return self._on_error_event(event.error_message, event.reqid, frame)

    def _other_event(self, frame: bytes | str, why: str) -> list[Event]:
        """An object no public model matched (the private protocol knows more)."""
        try:
            other = wire.ANY_EVENT_DECODER.decode(frame)
        except msgspec.MsgspecError:
            return [self._unhandled("malformed", why, frame)]
        return [self._unhandled(f"event:{other.event}", why, frame)]

    # --- channels -------------------------------------------------------------------------

    def _on_update(
        self,
        first: wire.BookUpdatePayload,
        second: wire.BookUpdatePayload | None,
        name: str,
        pair: str,
        frame: bytes | str,
    ) -> list[Event]:
        # The per-message hot path, kept flat on purpose.
        symbol = self._symbols.get(pair)
        if symbol is None:
            symbol = self._symbols[pair] = canonical(pair)
        book = self.books.get(symbol)
        if book is None or name[:5] != BOOK_PREFIX:
            return self._no_book(symbol, name, frame)
        asks, bids, checksum = first.asks, first.bids, first.checksum
        if second is not None:
            # the checksum is in the last object only
            checksum = second.checksum if checksum is None else None
            if second.asks:
                asks = second.asks if not asks else asks + second.asks
            if second.bids:
                bids = second.bids if not bids else bids + second.bids
        key = self._book_keys.get(symbol) or self._book_key(symbol)
        if checksum is not None and checksum.isdigit() and len(checksum) <= 10:
            result = book.apply_update(bids or (), asks or (), int(checksum))
            return [BookData(key, _UPDATE, result, book, frame)]
        book.mark_resyncing()
        unhandled = self._unhandled("book", f"bad or missing checksum {checksum!r}", frame)
        return [unhandled, BookData(key, _UPDATE, _INVALID, book, frame)]

    def _book_key(self, symbol: str) -> StreamKey:
        key: StreamKey = ("book", symbol, None)
        self._book_keys[symbol] = key
        return key

    def _on_book(self, array: list[Any], frame: bytes | str) -> list[Event]:
        if len(array) < 4 or type(array[-1]) is not str or type(array[-2]) is not str:
            return [self._unhandled("book", "not a book message", frame)]
        pair = array[-1]
        symbol = self._symbols.get(pair)
        if symbol is None:
            symbol = self._symbols[pair] = canonical(pair)
        book = self.books.get(symbol)
        if book is None or not array[-2].startswith(BOOK_PREFIX):
            return self._no_book(symbol, array[-2], frame)
        try:
            kind, result = apply_book_payloads(book, array[1:-2])
        except (DecodeError, ProtocolError) as exc:
            book.mark_resyncing()  # perhaps half applied: untrusted until a new snapshot
            unhandled = self._unhandled("book", str(exc), frame)
            return [unhandled, BookData(("book", symbol, None), _UPDATE, _INVALID, book, frame)]
        return [BookData(("book", symbol, None), kind, result, book, frame)]

    def _untrusted(self, array: list[Any]) -> list[Event]:
        """An unreadable book message of a subscribed pair: what it changed is unknown, so the
        book is untrusted until a fresh snapshot (the session resyncs it)."""
        pair = array[-1]
        book = self.books.get(canonical(pair)) if isinstance(pair, str) else None
        if book is None:
            return []
        book.mark_resyncing()
        key: StreamKey = ("book", book.symbol, None)
        return [BookData(key, _UPDATE, _INVALID, book, b"")]

    def _no_book(self, symbol: str, name: str, frame: bytes | str) -> list[Event]:
        if not name.startswith(BOOK_PREFIX):
            return [self._unhandled("book", "not a book message", frame)]
        if symbol in self._dropped_books:
            self.discarded += 1
            return []
        return [self._unhandled("book:unknown-symbol", symbol, frame)]

    # --- answers --------------------------------------------------------------------------

    def _on_subscription_status(
        self, event: wire.SubscriptionStatusEvent, frame: bytes | str
    ) -> list[Event]:
        pending = self._pending.get(event.reqid) if event.reqid is not None else None
        symbol = canonical(event.pair) if event.pair else ""
        if pending is None:
            return self._unsolicited(event, symbol, frame)
        assert event.reqid is not None
        if event.status == "error":
            error = kraken_refusal(
                event.error_message or "",
                refused_what(pending.method),
                method=pending.method,
                req_id=event.reqid,
                symbol=symbol or None,
            )
            if not symbol or symbol not in pending.specs:
                pending.specs.clear()  # an error that names no pair of ours answers them all
            else:
                del pending.specs[symbol]
            pending.errors.append(error)
        elif event.status in _ACKED:
            spec = pending.specs.pop(symbol, None)
            if spec is None:
                return []  # a duplicate (or a pair we did not ask for)
            if pending.method == "subscribe":
                self.streams[spec.key] = spec
                self._on_subscribed(spec, event)
            else:
                self.streams.pop(spec.key, None)
            pending.results.append(spec)
        else:
            return [self._unhandled("subscriptionStatus", f"status {event.status!r}", frame)]
        return self._done(event.reqid, pending)

    def _on_subscribed(self, spec: StreamSpec, event: wire.SubscriptionStatusEvent) -> None:
        """A stream was confirmed (the private protocol reads its ack's extras)."""

    def _unsolicited(
        self, event: wire.SubscriptionStatusEvent, symbol: str, frame: bytes | str
    ) -> list[Event]:
        """A status nobody asked for. ``unsubscribed`` of a confirmed stream: Kraken ended
        it itself, so the session is told (:class:`StreamEnded`: it subscribes again, a book
        resyncs); anything else is counted and logged."""
        key = None
        if event.status == "unsubscribed" and event.channel_name:
            channel = event.channel_name.split("-")[0]
            interval = market_data.interval(event.channel_name) if channel == "ohlc" else None
            key = stream_key(channel, symbol, interval)
        if key is None or self.streams.pop(key, None) is None:
            return [self._unhandled("subscriptionStatus:unsolicited", event.status, frame)]
        book = self.books.get(symbol) if key[0] == "book" else None
        if book is not None:
            book.mark_resyncing()
        return [StreamEnded(key, event.error_message or "unsubscribed by the exchange")]

    def _on_pong(self, event: wire.PongEvent, frame: bytes | str) -> list[Event]:
        pending = self._pending.get(event.reqid) if event.reqid is not None else None
        if pending is None or pending.method != "ping":
            return [self._unhandled("pong", "unknown reqid", frame)]
        assert event.reqid is not None
        del self._pending[event.reqid]
        return [RequestDone(event.reqid, "ping", [event])]

    def _on_error_event(self, text: str, reqid: int | None, frame: bytes | str) -> list[Event]:
        """``{"event":"error"}``: the answer to a request if it names one of ours."""
        pending = self._pending.get(reqid) if reqid is not None else None
        if pending is None or reqid is None:
            return [self._unhandled("error", text, frame)]
        pending.specs.clear()
        pending.errors.append(
            kraken_refusal(text, refused_what(pending.method), method=pending.method, req_id=reqid)
        )
        return self._done(reqid, pending)

    def _done(self, reqid: int, pending: PendingRequest) -> list[Event]:
        if pending.specs:
            return []
        self._pending.pop(reqid, None)
        return [RequestDone(reqid, pending.method, pending.results, pending.errors)]

    # --- helpers ----------------------------------------------------------------------------

    def _specs(
        self, channel: str, symbols: Iterable[str], depth: int | None, interval: int | None
    ) -> dict[str, StreamSpec]:
        names = list(dict.fromkeys(canonical(s) for s in symbols))
        if not names:
            raise InvalidRequestError(f"{channel}: at least one symbol is required")
        return {s: StreamSpec(channel, s, depth, interval) for s in names}

    def _ensure_book(self, symbol: str, depth: int) -> None:
        book = self.books.get(symbol)
        if book is not None and book.book.depth == depth:
            return
        pair = self.instruments.pairs.get(symbol)  # a hint: each snapshot sets the wire's
        price, qty = (pair.price_precision, pair.qty_precision) if pair else (0, 0)
        self.books[symbol] = VerifiedBook(symbol, depth, price, qty, kraken_checksum)
        self._dropped_books.discard(symbol)

    def _request(
        self, method: str, subscription: wire.Subscription, specs: dict[str, StreamSpec]
    ) -> Outgoing:
        req_id = self._allocate()
        self._pending[req_id] = PendingRequest(method, dict(specs))
        pairs = [to_v1(s) for s in specs if s] or None
        request = wire.SubscribeRequest(method, req_id, subscription, pairs)
        return Outgoing(req_id, wire.ENCODER.encode(request))
