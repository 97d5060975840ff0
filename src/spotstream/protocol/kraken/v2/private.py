"""Kraken WebSocket v2 authenticated endpoints, sans-I/O: private channels, trading, level 3.

:class:`KrakenV2PrivateProtocol` extends the public protocol object (status, heartbeat,
ping, ack counting) with what needs the session token:

- ``executions`` and ``balances``: typed items, and their ``sequence`` checked per channel.
  A snapshot sets the baseline; an update must carry the next number. Anything else emits
  :class:`SequenceGap` and the channel is *stale* until its next snapshot (the session then
  resubscribes and reconciles).
- ``ratecount`` of execution reports is kept per symbol, ``maxratecount`` from the ack.
- Trading methods: one request, one or more responses (``cancel_order`` answers once per
  identifier), gathered by ``req_id`` into one :class:`RequestDone` with typed results.
- ``level3``: exact L3 books (:class:`VerifiedL3Book`), checksum verified on every message.

The same class serves the private endpoint (``endpoint="private"``) and the L3 endpoint
(``endpoint="l3"``); each accepts only its own channels.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import msgspec

from spotstream.book.l3 import VerifiedL3Book
from spotstream.book.tracked import TrackedBook
from spotstream.errors import (
    ExchangeError,
    InvalidRequestError,
    RequestError,
    SpotstreamError,
    UnexpectedAnswerError,
    UnknownSymbolError,
    UnreadableResultError,
)
from spotstream.models.enums import EventKind
from spotstream.protocol.base import Outgoing
from spotstream.protocol.events import (
    ChannelData,
    Event,
    Heartbeat,
    RequestDone,
)
from spotstream.protocol.instruments import InstrumentCache
from spotstream.protocol.kraken.checksum import kraken_l3_checksum
from spotstream.protocol.kraken.errors import kraken_refusal
from spotstream.protocol.kraken.streams import PendingRequest, StreamSpec
from spotstream.protocol.kraken.v2 import l3_wire as l3w
from spotstream.protocol.kraken.v2 import private_translate as translate
from spotstream.protocol.kraken.v2 import private_wire as pw
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.protocol.kraken.v2 import wire
from spotstream.protocol.kraken.v2.public import KrakenV2Protocol
from spotstream.protocol.sequences import FeedSequences

AuthEndpoint = Literal["private", "l3"]
PRIVATE_CHANNELS = ("executions", "balances")
L3_DEPTHS = (10, 100, 1000)
SEQUENCED = ("executions", "balances")
_KIND = {"snapshot": EventKind.SNAPSHOT, "update": EventKind.UPDATE}

_PRIVATE_DECODER = msgspec.json.Decoder(
    wire.StatusMessage | wire.HeartbeatMessage | pw.ExecutionsMessage | pw.BalancesMessage
)
_L3_DECODER = msgspec.json.Decoder(
    wire.StatusMessage | wire.HeartbeatMessage | l3w.Level3TextMessage
)
_RESULTS: dict[str, Callable[[Any], object]] = {
    "add_order": translate.placed,
    "amend_order": translate.amended,
    "edit_order": translate.edited,
    "cancel_order": translate.cancelled,
    "cancel_all": lambda r: r.count,
    "cancel_all_orders_after": translate.cancel_after,
    "batch_add": lambda rs: [translate.placed(r) for r in rs],
    "batch_cancel": lambda r: r.count,
}
_SUBSCRIBE_PARAMS: dict[str, type[pw._SubscribeParams]] = {
    "executions": pw.ExecutionsSubscribeParams,
    "balances": pw.BalancesSubscribeParams,
    "level3": pw.Level3SubscribeParams,
}


@dataclass(slots=True)
class _Trading:
    method: str
    expected: int
    results: list[object] = field(default_factory=list)
    errors: list[SpotstreamError] = field(default_factory=list)


class KrakenV2PrivateProtocol(KrakenV2Protocol):
    """The state of one authenticated Kraken v2 connection, without the connection."""

    def __init__(
        self, endpoint: AuthEndpoint = "private", instruments: InstrumentCache | None = None
    ) -> None:
        super().__init__(instruments)
        self.endpoint = endpoint
        self.token: str | None = None
        self.feeds = FeedSequences()
        self.sequences = self.feeds.last  # channel -> its last sequence number
        self.stale = self.feeds.stale  # channels between a gap and their next snapshot
        self.ratecounts: dict[str, int] = {}
        self.maxratecount: int | None = None
        self.l3_books: dict[str, VerifiedL3Book] = {}
        self._trading: dict[int, _Trading] = {}
        self._decoder = _PRIVATE_DECODER if endpoint == "private" else _L3_DECODER
        self._response_decoder = tw.TRADING_RESPONSE_DECODER
        self._routes = {
            wire.StatusMessage: self._on_status,
            wire.HeartbeatMessage: lambda _m, _f: [Heartbeat()],
            pw.ExecutionsMessage: self._on_executions,
            pw.BalancesMessage: self._on_balances,
            l3w.Level3TextMessage: self._on_level3,
        }

    @property
    def channels(self) -> tuple[str, ...]:
        return PRIVATE_CHANNELS if self.endpoint == "private" else ("level3",)

    def require_token(self) -> str:
        if self.token is None:
            raise InvalidRequestError("no session token yet (the connection is not open)")
        return self.token

    # --- subscriptions ----------------------------------------------------------------------

    def subscribe(self, channel: str, symbols: Iterable[str] = (), **options: Any) -> Outgoing:
        """Encode a subscribe to ``executions``/``balances`` (private) or ``level3`` (l3)."""
        if channel not in self.channels:
            raise InvalidRequestError(
                f"{channel!r} is not available on the {self.endpoint} endpoint "
                f"(channels: {', '.join(self.channels)})"
            )
        symbols = [s for s in dict.fromkeys(symbols) if s]  # "" names a symbol-less stream
        specs = self._private_specs(channel, symbols, options)
        fields = {k: v for k, v in options.items() if v is not None}
        if channel == "level3":
            fields["symbol"] = symbols
        try:
            params = _SUBSCRIBE_PARAMS[channel](token=self.require_token(), **fields)
        except TypeError as exc:
            raise InvalidRequestError(f"{channel}: {exc}") from None
        return self._private_request("subscribe", params, specs)

    def unsubscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        return self.unsubscribe(channel, symbols)

    def unsubscribe(self, channel: str, symbols: Iterable[str] = ()) -> Outgoing:
        symbols = [s for s in symbols if s] or [""]
        specs = {s: spec for s in symbols if (spec := self._spec(channel, s)) is not None}
        if not specs:
            raise InvalidRequestError(f"not subscribed to {channel} {symbols}")
        fields: dict[str, Any] = {"token": self.require_token()}
        if channel == "level3":
            fields["symbol"] = list(specs)
            fields["depth"] = next(iter(specs.values())).depth
        params = _SUBSCRIBE_PARAMS[channel](**fields)
        return self._private_request("unsubscribe", params, specs)

    def resync_book(self, symbol: str) -> list[Outgoing]:
        """Frames that fetch a fresh level3 snapshot of one symbol."""
        book = self.l3_books[symbol]
        book.mark_resyncing()
        out = [self.unsubscribe("level3", [symbol])] if self._spec("level3", symbol) else []
        out.append(self.subscribe("level3", [symbol], depth=book.book.depth))
        return out

    def drop_book(self, symbol: str) -> None:
        """Forget a level3 book; its frames still in flight are discarded quietly."""
        if self.l3_books.pop(symbol, None) is not None:
            self._dropped_books.add(symbol)

    def connection_lost(self) -> list[StreamSpec]:
        restore = super().connection_lost()
        self._trading.clear()
        self.feeds.connection_lost()
        for book in self.l3_books.values():
            book.mark_resyncing()
        return restore

    def _spec(self, channel: str, symbol: str) -> StreamSpec | None:
        return self.streams.get((channel, symbol, None))

    def _private_specs(
        self, channel: str, symbols: list[str], options: dict[str, Any]
    ) -> dict[str, StreamSpec]:
        if channel != "level3":
            if symbols:
                raise InvalidRequestError(f"{channel} takes no symbols")
            return {"": StreamSpec(channel, "")}
        if not symbols:
            raise InvalidRequestError("level3: at least one symbol is required")
        depth = options.get("depth") or 10
        if depth not in L3_DEPTHS:
            raise InvalidRequestError(f"level3 depth must be one of {L3_DEPTHS}, not {depth!r}")
        for symbol in symbols:
            self._ensure_l3_book(symbol, depth)
        return {s: StreamSpec("level3", s, depth=depth) for s in symbols}

    def _ensure_l3_book(self, symbol: str, depth: int) -> None:
        book = self.l3_books.get(symbol)
        if book is not None and book.book.depth == depth:
            return
        pair = self.instruments.pairs.get(symbol)
        if pair is None:
            raise UnknownSymbolError(f"{symbol}: no instrument data (price/qty precision unknown)")
        self.l3_books[symbol] = VerifiedL3Book(
            symbol, depth, pair.price_precision, pair.qty_precision, kraken_l3_checksum
        )
        self._dropped_books.discard(symbol)

    def _private_request(
        self, method: str, params: msgspec.Struct, specs: dict[str, StreamSpec]
    ) -> Outgoing:
        req_id = self._allocate()
        self._pending[req_id] = PendingRequest(method, dict(specs))
        frame = wire.ENCODER.encode(tw.PrivateRequest(method, params, req_id))
        return Outgoing(req_id, frame)

    # --- trading ----------------------------------------------------------------------------

    def trading(self, method: str, params: msgspec.Struct, expected: int = 1) -> Outgoing:
        """Encode a trading request; its answers (``expected`` of them) become one RequestDone."""
        if self.endpoint != "private":
            raise InvalidRequestError(f"{method} is only available on the private endpoint")
        req_id = self._allocate()
        self._trading[req_id] = _Trading(method, expected)
        return Outgoing(req_id, wire.ENCODER.encode(tw.PrivateRequest(method, params, req_id)))

    def pending_request_ids(self) -> list[int]:
        return [*super().pending_request_ids(), *self._trading]

    def _receive_other(self, frame: bytes | str, why: str) -> list[Event]:
        try:
            response = tw.TRADING_RESPONSE_DECODER.decode(frame)
        except msgspec.MsgspecError:
            return super()._receive_other(frame, why)
        trading = self._trading.get(response.req_id) if response.req_id is not None else None
        if trading is None:
            return self._on_response(response, frame)
        return self._on_trading(trading, response, frame)

    def _on_trading(
        self, trading: _Trading, response: tw.TradingResponse, frame: bytes | str
    ) -> list[Event]:
        """One answer to a trading request: a result, a refusal typed by Kraken's table, or,
        when the answer leaves the outcome unknown (a success that cannot be read, an answer
        of another kind), an :class:`~spotstream.errors.OutcomeUnknownError`; never a refusal
        the exchange did not send."""
        req_id = response.req_id
        assert req_id is not None
        if response.method != trading.method or (response.success is None and not response.error):
            trading.errors.append(_unexpected(trading.method, response))
        elif response.success:
            try:
                trading.results.append(self._result(trading.method, response))
            except Exception as exc:  # any reason the result cannot be read (shape, a bad
                # time, a number out of range): the order may exist, so the outcome is unknown
                trading.errors.append(_unreadable(trading.method, req_id, exc))
        else:
            trading.errors.append(_trading_error(trading.method, response))
        trading.expected -= 1
        if trading.expected > 0:
            return []
        del self._trading[req_id]
        return [RequestDone(req_id, trading.method, trading.results, trading.errors)]

    def _result(self, method: str, response: tw.TradingResponse) -> object:
        if method == "batch_cancel" and response.orders_cancelled is not None:
            return response.orders_cancelled
        decoded = tw.RESULT_DECODERS[method].decode(response.result)
        return _RESULTS[method](decoded)

    def _on_ack(self, pending: PendingRequest, response: wire.Response) -> None:
        super()._on_ack(pending, response)
        last = pending.results[-1] if pending.results else None
        if isinstance(last, wire.SubscribeResult) and last.maxratecount is not None:
            self.maxratecount = last.maxratecount

    # --- channels ---------------------------------------------------------------------------

    def _on_executions(self, msg: pw.ExecutionsMessage, frame: bytes | str) -> list[Event]:
        kind = _KIND[msg.type]
        events = self.feeds.check("executions", kind, msg.sequence)
        if events is None:
            return [self._repeated("executions", msg.sequence, frame)]
        fresh = self.feeds.fresh
        updates: list[object] = [
            u for u in (translate.order_update(report) for report in msg.data) if fresh(u, kind)
        ]
        for report in msg.data:
            if report.ratecount is not None and report.symbol is not None:
                self.ratecounts[report.symbol] = report.ratecount
        events.append(ChannelData(("executions", "", None), kind, updates, frame))
        return events

    def _on_balances(self, msg: pw.BalancesMessage, frame: bytes | str) -> list[Event]:
        kind = _KIND[msg.type]
        try:
            entries = pw.BALANCES_DATA_DECODERS[msg.type].decode(msg.data)
        except msgspec.MsgspecError as exc:
            return [self._unhandled("balances", str(exc), frame)]
        events = self.feeds.check("balances", kind, msg.sequence)
        if events is None:
            return [self._repeated("balances", msg.sequence, frame)]
        convert = translate.balance if kind is EventKind.SNAPSHOT else translate.ledger
        items: list[object] = [convert(entry) for entry in entries]
        events.append(ChannelData(("balances", "", None), kind, items, frame))
        return events

    def _book_maps(self) -> dict[str, Mapping[str, TrackedBook[Any, Any]]]:
        return {"level3": self.l3_books}

    def _repeated(self, channel: str, sequence: int, frame: bytes | str) -> Event:
        """A message whose sequence repeats or steps back: dropped, counted."""
        return self._unhandled(f"{channel}:repeated", f"sequence {sequence} again", frame)

    def _on_level3(self, msg: l3w.Level3TextMessage, frame: bytes | str) -> list[Event]:
        return self._apply_books("level3", self.l3_books, msg.type, msg.data, frame)


def _trading_error(method: str, response: tw.TradingResponse) -> ExchangeError:
    text = response.error or ""
    return kraken_refusal(text, RequestError, method=method, req_id=response.req_id)


def _unreadable(method: str, req_id: int, exc: Exception) -> UnreadableResultError:
    return UnreadableResultError(
        f"{method} (req_id={req_id}) succeeded but its result could not be read ({exc}); "
        "it may have taken effect (check executions)"
    )


def _unexpected(method: str, response: tw.TradingResponse) -> UnexpectedAnswerError:
    what = f"a {response.method!r} message" if response.method != method else "no success or error"
    return UnexpectedAnswerError(
        f"{method} (req_id={response.req_id}) was answered with {what}; "
        "it may have taken effect (check executions)"
    )
