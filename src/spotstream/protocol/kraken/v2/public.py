"""Kraken WebSocket v2, sans-I/O: requests to frames, frames to events.

The protocol object owns ``req_id`` allocation, ack counting (Kraken acks a subscribe once
per symbol), the registry of confirmed streams (for resubscription), the instrument cache
and the local order books. It never touches a socket or a clock.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import msgspec

from spotstream.book.tracked import ApplyResult, TrackedBook
from spotstream.book.units import check_precision
from spotstream.book.verified import VerifiedBook
from spotstream.errors import InvalidRequestError, UnknownSymbolError
from spotstream.models.enums import EventKind
from spotstream.models.market import Instrument
from spotstream.protocol.base import Outgoing
from spotstream.protocol.events import (
    BookData,
    ChannelData,
    Event,
    Heartbeat,
    RequestDone,
    StatusChanged,
    StreamKey,
)
from spotstream.protocol.instruments import InstrumentCache
from spotstream.protocol.kraken.channels import BOOK_DEPTHS, OHLC_INTERVALS
from spotstream.protocol.kraken.checksum import kraken_checksum
from spotstream.protocol.kraken.errors import kraken_refusal, refused_what
from spotstream.protocol.kraken.state import KrakenProtocolState
from spotstream.protocol.kraken.streams import (
    PendingRequest,
    StreamSpec,
    check_option,
    stream_key,
)
from spotstream.protocol.kraken.v2 import translate, wire

EVENT_TRIGGERS = ("trades", "bbo")
SYMBOL_CHANNELS = ("ticker", "trade", "ohlc", "book")
PUBLIC_CHANNELS = (*SYMBOL_CHANNELS, "instrument")

_KIND = {"snapshot": EventKind.SNAPSHOT, "update": EventKind.UPDATE}


class KrakenV2Protocol(KrakenProtocolState):
    """The state of one Kraken v2 public connection, without the connection."""

    def __init__(self, instruments: InstrumentCache | None = None) -> None:
        super().__init__(instruments)
        self._decoder: msgspec.json.Decoder[Any] = wire.FAST_CHANNEL_DECODER
        self._response_decoder: msgspec.json.Decoder[Any] = wire.RESPONSE_DECODER
        self._routes: dict[type, Callable[[Any, bytes | str], list[Event]]] = {
            wire.BookTextMessage: self._on_book,
            wire.TickerMessage: self._on_items("ticker", translate.ticker),
            wire.TradeMessage: self._on_items("trade", translate.trade),
            wire.OhlcMessage: self._on_ohlc,
            wire.HeartbeatMessage: lambda _m, _f: [Heartbeat()],
            wire.StatusMessage: self._on_status,
            wire.InstrumentMessage: self._on_instrument,
        }

    # --- the session's interface (protocol.base.SessionProtocol) ---------------------------

    def stream_key(self, channel: str, symbol: str, options: Mapping[str, Any]) -> StreamKey:
        return stream_key(channel, symbol, options.get("interval"))

    def subscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        return self.subscribe(channel, symbols, **options)

    def unsubscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        if channel == "ohlc":
            return self.unsubscribe_ohlc(symbols, options["interval"])
        return self.unsubscribe(channel, symbols)

    # --- requests ---------------------------------------------------------------------------

    def subscribe(
        self,
        channel: str,
        symbols: Iterable[str] = (),
        *,
        depth: int | None = None,
        interval: int | None = None,
        event_trigger: str | None = None,
        snapshot: bool | None = None,
    ) -> Outgoing:
        """Encode a subscribe; raises :class:`InvalidRequestError` before anything is sent."""
        specs = self._specs(channel, symbols, depth, interval, event_trigger)
        if channel == "book":
            for symbol in specs:  # raises before any change; a book held keeps its precisions
                if symbol not in self.books:
                    self.instruments.pair(symbol)
            for symbol in specs:
                self._ensure_book(symbol, depth or 10)
        params = wire.SubscribeParams(
            channel=channel,
            symbol=list(specs) if channel != "instrument" else None,
            depth=depth,
            interval=interval,
            event_trigger=event_trigger,
            snapshot=snapshot,
        )
        return self._request("subscribe", params, specs)

    def unsubscribe(self, channel: str, symbols: Iterable[str] = ()) -> Outgoing:
        """Encode an unsubscribe of confirmed streams, echoing their keying parameters."""
        symbols = list(symbols) or [""]
        specs = {
            s: self.streams[k] for s in symbols if (k := stream_key(channel, s)) in self.streams
        }
        if not specs:
            raise InvalidRequestError(f"not subscribed to {channel} {symbols}")
        first = next(iter(specs.values()))
        params = wire.SubscribeParams(
            channel=channel,
            symbol=list(specs) if channel != "instrument" else None,
            depth=first.depth,
            interval=first.interval,
            event_trigger=first.event_trigger,
        )
        return self._request("unsubscribe", params, specs)

    def unsubscribe_ohlc(self, symbols: Iterable[str], interval: int) -> Outgoing:
        specs = {s: StreamSpec("ohlc", s, interval=interval) for s in symbols}
        params = wire.SubscribeParams(channel="ohlc", symbol=list(specs), interval=interval)
        return self._request("unsubscribe", params, specs)

    def ping(self) -> Outgoing:
        req_id = self._allocate()
        self._pending[req_id] = PendingRequest("ping", {})
        return Outgoing(req_id, wire.ENCODER.encode(wire.Request("ping", req_id=req_id)))

    def resync_book(self, symbol: str) -> list[Outgoing]:
        """Frames that fetch a fresh snapshot of one book (unsubscribe, then subscribe)."""
        spec = self.streams.get(stream_key("book", symbol))
        book = self.books[symbol]
        book.mark_resyncing()
        out = [self.unsubscribe("book", [symbol])] if spec else []
        out.append(self.subscribe("book", [symbol], depth=book.book.depth))
        return out

    # --- frames -----------------------------------------------------------------------------

    def receive(self, frame: bytes | str) -> list[Event]:
        """Turn one received frame into events. Never raises: bad input is a counted
        :class:`Unhandled`, and so is any unexpected exception while the frame is handled
        (kind ``internal:<channel or method>``, its traceback logged once per kind)."""
        try:  # free unless something raises
            try:
                msg = self._decoder.decode(frame)
            except msgspec.ValidationError as exc:
                return self._receive_other(frame, str(exc))
            except msgspec.DecodeError as exc:
                return [self._unhandled("malformed", str(exc), frame)]
            return self._routes[type(msg)](msg, frame)
        except Exception as exc:
            return [self._internal(_channel_name(frame), exc, frame)]

    def _receive_other(self, frame: bytes | str, why: str) -> list[Event]:
        try:
            response = self._response_decoder.decode(frame)
        except msgspec.MsgspecError:
            channel = _channel_name(frame)
            return [self._unhandled(channel, why, frame), *self._untrusted(channel, frame)]
        return self._on_response(response, frame)

    def _book_maps(self) -> dict[str, Mapping[str, TrackedBook[Any, Any]]]:
        """The local books by channel (the private protocol adds level 3's)."""
        return {"book": self.books}

    def _untrusted(self, channel: str, frame: bytes | str) -> list[Event]:
        """A book frame that could not be read: what it changed is unknown, so the books it
        names (every book of the channel when it names none readably) are untrusted until
        a fresh snapshot, and reported invalid (the session resyncs them)."""
        books = self._book_maps().get(channel)
        if not books:
            return []
        named = [s for s in _frame_symbols(frame) if s in books] or list(books)
        events: list[Event] = []
        for symbol in named:
            book = books[symbol]
            book.mark_resyncing()
            key: StreamKey = (channel, symbol, None)
            events.append(BookData(key, EventKind.UPDATE, ApplyResult.INVALID, book, frame))
        return events

    def _on_book(self, msg: wire.BookTextMessage, frame: bytes | str) -> list[Event]:
        return self._apply_books("book", self.books, msg.type, msg.data, frame)

    def _apply_books(
        self,
        channel: str,
        books: Mapping[str, TrackedBook[Any, Any]],
        kind_name: str,
        items: Iterable[Any],
        frame: bytes | str,
    ) -> list[Event]:
        """Apply each symbol's part of a book message (L2 or L3) to its local book."""
        kind = _KIND[kind_name]
        events: list[Event] = []
        for item in items:
            book = books.get(item.symbol)
            if book is None:
                if item.symbol in self._dropped_books:
                    self.discarded += 1
                else:
                    events.append(self._unhandled(f"{channel}:unknown-symbol", item.symbol, frame))
                continue
            try:
                if kind is EventKind.SNAPSHOT:
                    result = book.apply_snapshot(
                        item.bids, item.asks, item.checksum, item.timestamp
                    )
                else:
                    result = book.apply_update(item.bids, item.asks, item.checksum, item.timestamp)
            except Exception as exc:  # perhaps half applied: untrusted until a new snapshot
                events.append(self._internal(channel, exc, frame))
                book.mark_resyncing()
                result = ApplyResult.INVALID  # the session resyncs an invalid book
            events.append(BookData((channel, item.symbol, None), kind, result, book, frame))
        return events

    def _on_items(
        self, channel: str, convert: Callable[[Any], object]
    ) -> Callable[[Any, bytes | str], list[Event]]:
        def handle(msg: Any, frame: bytes | str) -> list[Event]:
            kind = _KIND[msg.type]
            by_symbol: dict[str, list[object]] = {}
            for item in msg.data:
                by_symbol.setdefault(item.symbol, []).append(convert(item))
            return [
                ChannelData((channel, symbol, None), kind, items, frame)
                for symbol, items in by_symbol.items()
            ]

        return handle

    def _on_ohlc(self, msg: wire.OhlcMessage, frame: bytes | str) -> list[Event]:
        kind = _KIND[msg.type]
        groups: dict[StreamKey, list[object]] = {}
        for item in msg.data:
            groups.setdefault(("ohlc", item.symbol, item.interval), []).append(
                translate.kline(item)
            )
        return [ChannelData(key, kind, items, frame) for key, items in groups.items()]

    def _on_status(self, msg: wire.StatusMessage, frame: bytes | str) -> list[Event]:
        return [StatusChanged(translate.status(item), frame) for item in msg.data]

    def _on_instrument(self, msg: wire.InstrumentMessage, frame: bytes | str) -> list[Event]:
        pairs = [translate.instrument(p) for p in msg.data.pairs]
        assets = [translate.asset(a) for a in msg.data.assets]
        self.instruments.update(pairs, assets, replace=msg.type == "snapshot")
        events: list[Event] = [
            ChannelData(("instrument", "", None), _KIND[msg.type], list(pairs), frame)
        ]
        return events + self._new_precisions(pairs, frame)

    def _new_precisions(self, pairs: list[Instrument], frame: bytes | str) -> list[Event]:
        """A pair whose precision changed (an instrument update, a fresh snapshot after a
        reconnect): its book is emptied, takes the new precisions and is untrusted until a
        snapshot at them (the session resyncs it), instead of never verifying again."""
        events: list[Event] = []
        for pair in pairs:
            book = self.books.get(pair.symbol)
            if book is None:
                continue
            if (book.price_precision, book.qty_precision) == (
                pair.price_precision,
                pair.qty_precision,
            ):
                continue
            check_precision(pair.symbol, "price precision", pair.price_precision)
            check_precision(pair.symbol, "qty precision", pair.qty_precision)
            book.book.clear()
            book.price_precision = pair.price_precision
            book.qty_precision = pair.qty_precision
            book.mark_resyncing()
            key: StreamKey = ("book", pair.symbol, None)
            events.append(BookData(key, EventKind.UPDATE, ApplyResult.INVALID, book, frame))
        return events

    def _on_response(self, response: wire.Response, frame: bytes | str) -> list[Event]:
        pending = self._pending.get(response.req_id) if response.req_id is not None else None
        if pending is None:
            return [self._unhandled(f"response:{response.method}", "unknown req_id", frame)]
        req_id = response.req_id
        assert req_id is not None
        if response.method == "pong":
            del self._pending[req_id]
            return [RequestDone(req_id, "ping", [response])]
        if response.success is True:
            try:
                self._on_ack(pending, response)
            except msgspec.MsgspecError as exc:
                return [self._unhandled(f"response:{response.method}", str(exc), frame)]
        else:
            self._on_reject(pending, response)
        if pending.specs:
            return []
        del self._pending[req_id]
        return [RequestDone(req_id, pending.method, pending.results, pending.errors)]

    def _on_ack(self, pending: PendingRequest, response: wire.Response) -> None:
        result = wire.SUBSCRIBE_RESULT_DECODER.decode(response.result)
        spec = pending.specs.pop(result.symbol or "", None)
        if spec is None:
            return  # a duplicate (or a symbol we did not ask for)
        if pending.method == "subscribe":
            self.streams[spec.key] = spec
        else:
            self.streams.pop(spec.key, None)
        pending.results.append(result)

    def _on_reject(self, pending: PendingRequest, response: wire.Response) -> None:
        if pending.method == "subscribe" and _already_subscribed(response.error):
            self._already(pending, response.symbol)
            return
        error = kraken_refusal(
            response.error or "",
            refused_what(pending.method),
            method=pending.method,
            req_id=response.req_id,
            symbol=response.symbol,
        )
        if response.symbol is None:  # a rejection that names no symbol answers the whole request
            pending.specs.clear()
        elif pending.specs.pop(response.symbol, None) is None:
            return  # a duplicate: that symbol was answered already
        pending.errors.append(error)

    def _already(self, pending: PendingRequest, symbol: str | None) -> None:
        """Kraken's "Already subscribed" (e.g. to a retry after a subscribe that timed out,
        whose ack came late): the stream is there, so it is the acknowledgement."""
        symbols = [symbol] if symbol is not None else list(pending.specs)
        for name in symbols:
            spec = pending.specs.pop(name, None)
            if spec is None:
                continue
            self.streams[spec.key] = spec
            pending.results.append(
                wire.SubscribeResult(spec.channel, spec.symbol or None, depth=spec.depth,
                                     interval=spec.interval)
            )  # fmt: skip

    # --- helpers ----------------------------------------------------------------------------

    def _specs(
        self,
        channel: str,
        symbols: Iterable[str],
        depth: int | None,
        interval: int | None,
        event_trigger: str | None,
    ) -> dict[str, StreamSpec]:
        if channel not in PUBLIC_CHANNELS:
            raise InvalidRequestError(f"unknown public channel {channel!r}")
        symbols = list(dict.fromkeys(symbols))
        check_option("depth", depth, BOOK_DEPTHS, channel == "book")
        check_option("interval", interval, OHLC_INTERVALS, channel == "ohlc")
        check_option("event_trigger", event_trigger, EVENT_TRIGGERS, channel == "ticker")
        if channel == "instrument":
            return {"": StreamSpec("instrument", "")}
        if not symbols:
            raise InvalidRequestError(f"{channel}: at least one symbol is required")
        if channel == "ohlc" and interval is None:
            raise InvalidRequestError("ohlc: interval is required")
        return {s: StreamSpec(channel, s, depth, interval, event_trigger) for s in symbols}

    def _ensure_book(self, symbol: str, depth: int) -> None:
        book = self.books.get(symbol)
        if book is not None and book.book.depth == depth:
            return
        pair = self.instruments.pairs.get(symbol)
        if pair is None and book is not None:  # delisted meanwhile: keep what the book knew
            self.books[symbol] = VerifiedBook(
                symbol, depth, book.price_precision, book.qty_precision, kraken_checksum
            )
            return
        if pair is None:
            raise UnknownSymbolError(f"{symbol}: no instrument data (price/qty precision unknown)")
        self.books[symbol] = new_kraken_book(pair, depth)
        self._dropped_books.discard(symbol)

    def _request(
        self, method: str, params: wire.SubscribeParams, specs: dict[str, StreamSpec]
    ) -> Outgoing:
        req_id = self._allocate()
        self._pending[req_id] = PendingRequest(method, dict(specs))
        return Outgoing(req_id, wire.ENCODER.encode(wire.Request(method, params, req_id)))


def new_kraken_book(pair: Instrument, depth: int) -> VerifiedBook:
    return VerifiedBook(
        pair.symbol, depth, pair.price_precision, pair.qty_precision, kraken_checksum
    )


def _already_subscribed(error: str | None) -> bool:
    return error is not None and "already subscribed" in error.lower()


def _frame_symbols(frame: bytes | str) -> list[str]:
    """Best-effort symbols an unreadable data frame names (``data[*].symbol``)."""
    try:
        envelope = msgspec.json.decode(frame, type=dict[str, Any])
    except msgspec.MsgspecError:
        return []
    data = envelope.get("data")
    items = data if isinstance(data, list) else []
    return [i["symbol"] for i in items if isinstance(i, dict) and isinstance(i.get("symbol"), str)]


def _channel_name(frame: bytes | str) -> str:
    """Best-effort name of an unknown frame's channel or method, for counting."""
    try:
        envelope = msgspec.json.decode(frame, type=dict[str, Any])
    except msgspec.MsgspecError:
        return "malformed"
    name = envelope.get("channel") or envelope.get("method") or "unknown"
    return str(name)
