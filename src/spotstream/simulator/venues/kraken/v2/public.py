"""Kraken WebSocket v2, public endpoint: one connection's requests, responses and streams.

A :class:`SimKrakenV2PublicSession` is sans-I/O: :meth:`~SimKrakenV2PublicSession.receive` takes a
request frame and appends complete websocket frames to :attr:`~SimKrakenV2PublicSession.outbox`; the
:class:`~spotstream.simulator.venues.kraken.v2.hub.KrakenV2Hub` appends market data there too. The
server writes the outbox. Behaviour follows Kraken's WebSocket v2 reference §3-6 and §11;
error texts as Kraken words them (the spec marks some shapes UNCONFIRMED; choices below).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import msgspec

from spotstream.protocol.kraken.channels import BOOK_DEPTHS, OHLC_INTERVALS
from spotstream.protocol.kraken.v2 import wire
from spotstream.protocol.kraken.v2.public import EVENT_TRIGGERS
from spotstream.simulator.framing import ws_frame
from spotstream.simulator.venues.kraken.v2 import frames
from spotstream.simulator.venues.kraken.v2.hub import BookGroup, Group, KrakenV2Hub

INVALID_ARGUMENTS = "EGeneral:Invalid arguments"
UNSUPPORTED_EVENT = "Unsupported event"
NAME_INVALID = "Subscription name invalid"
ALREADY_SUBSCRIBED = "Already subscribed"
NOT_FOUND = "Subscription Not Found"
PRIVATE_CHANNEL = (
    "EGeneral:Permission denied"  # private channel on the public endpoint (UNCONFIRMED)
)
STATUS_CHANNEL = "Symbol(s) not found"  # what Kraken answers to a subscribe to "status"
PING_PARAMS = "Unsupported field: 'params' for the given msg type: ping"
PRIVATE_CHANNELS = ("executions", "balances", "level3")

Key = tuple[str, str, int | None]  # (channel, symbol, depth or interval)


class _Envelope(msgspec.Struct):
    method: str
    params: msgspec.Raw = msgspec.Raw(b"")  # empty when absent
    req_id: int | None = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)
_PARAMS = msgspec.json.Decoder(wire.SubscribeParams)


@dataclass(slots=True)
class _Stream:
    symbol: str
    group: Group | BookGroup
    echo: wire.SubscribeResult  # the keying options an unsubscribe ack echoes


class SimKrakenV2PublicSession:
    """One client connection to the public endpoint."""

    def __init__(self, hub: KrakenV2Hub, connection_id: int) -> None:
        self.hub = hub
        self.connection_id = connection_id
        self.outbox: list[bytes] = []
        self.streams: dict[Key, _Stream] = {}
        self._handlers: dict[str, Callable[[_Envelope, int], None]] = {
            "ping": self._ping,
            "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe,
        }

    def open(self) -> None:
        """Greet a new connection with the status update."""
        self._send(frames.status(self.connection_id))

    def close(self) -> None:
        """Leave every stream (the connection is gone)."""
        for stream in self.streams.values():
            self.hub.leave(stream.symbol, stream.group, self)
        self.streams.clear()

    def receive(self, payload: bytes | str) -> None:
        """Handle one request frame."""
        time_in = self.hub.clock()
        try:
            request = _ENVELOPE.decode(payload)
        except msgspec.MsgspecError:
            self._send(frames.error(None, None, UNSUPPORTED_EVENT, time_in, self.hub.clock()))
            return
        handler = self._handlers.get(request.method)
        if handler is None:
            self._fail(request, time_in, UNSUPPORTED_EVENT)
        else:
            handler(request, time_in)

    # --- methods ------------------------------------------------------------------------------

    def _ping(self, request: _Envelope, time_in: int) -> None:
        if request.params:
            self._fail(request, time_in, PING_PARAMS)
        else:
            self._send(frames.pong(request.req_id, time_in, self.hub.clock()))

    def _subscribe(self, request: _Envelope, time_in: int) -> None:
        params = self._params(request, time_in)
        if params is None:
            return
        rejection = self.hub.faults.take_subscribe_rejection()
        if params.channel == "instrument":
            self._subscribe_instrument(request, params, time_in, rejection)
            return
        symbols = self._symbols(request, params, time_in)
        for symbol in symbols or ():
            key = _key(params, symbol)
            error = rejection or self._symbol_error(symbol, key)
            if error:
                self._fail(request, time_in, error, symbol)
            else:
                self._add(request, params, symbol, key, time_in)

    def _unsubscribe(self, request: _Envelope, time_in: int) -> None:
        params = self._params(request, time_in)
        if params is None:
            return
        symbols = (
            [""] if params.channel == "instrument" else self._symbols(request, params, time_in)
        )
        for symbol in symbols or ():
            stream = self.streams.pop(_key(params, symbol), None)
            if stream is None:  # Kraken answers with method "subscribe" here (captured live)
                failed = _Envelope("subscribe", request.params, request.req_id)
                self._fail(failed, time_in, NOT_FOUND, symbol or None)
                continue
            self.hub.leave(symbol, stream.group, self)
            self._ack(request, stream.echo, time_in)

    # --- subscribe, per channel ---------------------------------------------------------------

    def _add(
        self, request: _Envelope, params: wire.SubscribeParams, symbol: str, key: Key, time_in: int
    ) -> None:
        hub, channel = self.hub, params.channel
        snapshot = params.snapshot if params.snapshot is not None else channel != "trade"
        result = wire.SubscribeResult(channel, symbol, snapshot)
        echo = wire.SubscribeResult(channel, symbol)
        group: Group | BookGroup
        if channel == "book":
            group = hub.book_group(symbol, key[2] or 10)
            result.depth = echo.depth = group.view.depth
        elif channel == "ticker":
            trigger = params.event_trigger or "trades"
            group = hub.tickers.setdefault((symbol, trigger), {})
            result.event_trigger = echo.event_trigger = trigger
        elif channel == "trade":
            group = hub.trades.setdefault(symbol, {})
        else:
            group = hub.ohlc.setdefault((symbol, key[2] or 0), {})
            result.interval = echo.interval = key[2]
            result.warnings = frames.OHLC_WARNINGS
        self._ack(request, result, time_in)
        if snapshot:
            self._send(self._snapshot(channel, symbol, group, key))
        hub.join(symbol, group, self)
        self.streams[key] = _Stream(symbol, group, echo)

    def _snapshot(self, channel: str, symbol: str, group: Group | BookGroup, key: Key) -> bytes:
        now = self.hub.clock()
        if isinstance(group, BookGroup):
            return self.hub.book_snapshot(group, now)
        if channel == "ticker":
            return self.hub.ticker_snapshot(symbol, now)
        if channel == "trade":
            return self.hub.trade_snapshot(symbol)
        return self.hub.ohlc_snapshot(symbol, key[2] or 0, now)

    def _subscribe_instrument(
        self,
        request: _Envelope,
        params: wire.SubscribeParams,
        time_in: int,
        rejection: str | None,
    ) -> None:
        key: Key = ("instrument", "", None)
        error = rejection or (ALREADY_SUBSCRIBED if key in self.streams else None)
        if error:
            self._fail(request, time_in, error)
            return
        snapshot = params.snapshot is not False
        warnings = frames.INSTRUMENT_WARNINGS
        self._ack(
            request, wire.SubscribeResult("instrument", None, snapshot, warnings=warnings), time_in
        )
        if snapshot:
            self._send(self.hub.instrument_snapshot())
        self.hub.join("", self.hub.instrument, self)
        self.streams[key] = _Stream("", self.hub.instrument, wire.SubscribeResult("instrument"))

    # --- validation ---------------------------------------------------------------------------

    def _params(self, request: _Envelope, time_in: int) -> wire.SubscribeParams | None:
        """The request's params if they name a public channel with valid options."""
        try:
            params = _PARAMS.decode(request.params or b"null")
        except msgspec.MsgspecError:
            self._fail(request, time_in, INVALID_ARGUMENTS)
            return None
        error = _channel_error(params)
        if error:
            self._fail(request, time_in, error)
            return None
        return params

    def _symbols(
        self, request: _Envelope, params: wire.SubscribeParams, time_in: int
    ) -> list[str] | None:
        if not params.symbol:
            self._fail(request, time_in, INVALID_ARGUMENTS)
            return None
        return list(dict.fromkeys(params.symbol))

    def _symbol_error(self, symbol: str, key: Key) -> str | None:
        if symbol not in self.hub.market:
            return f"Currency pair not supported {symbol}"
        if key in self.streams:
            return ALREADY_SUBSCRIBED
        return None

    # --- output -------------------------------------------------------------------------------

    def _ack(self, request: _Envelope, result: wire.SubscribeResult, time_in: int) -> None:
        self._send(frames.ack(request.method, request.req_id, result, time_in, self.hub.clock()))

    def _fail(
        self, request: _Envelope, time_in: int, error: str, symbol: str | None = None
    ) -> None:
        out = frames.error(request.method, request.req_id, error, time_in, self.hub.clock(), symbol)
        self._send(out)

    def _send(self, payload: bytes) -> None:
        self.outbox.append(ws_frame(payload))


def _key(params: wire.SubscribeParams, symbol: str) -> Key:
    if params.channel == "book":
        return ("book", symbol, params.depth or 10)
    if params.channel == "ohlc":
        return ("ohlc", symbol, params.interval)
    return (params.channel, symbol, None)


def _channel_error(params: wire.SubscribeParams) -> str | None:
    """Why the channel or its options are refused, if they are."""
    channel = params.channel
    if channel in PRIVATE_CHANNELS:
        return PRIVATE_CHANNEL
    if channel == "status":
        return STATUS_CHANNEL
    if channel not in ("book", "ticker", "trade", "ohlc", "instrument"):
        return NAME_INVALID
    invalid = (
        (channel == "book" and params.depth is not None and params.depth not in BOOK_DEPTHS)
        or (channel == "ohlc" and params.interval not in OHLC_INTERVALS)
        or (channel == "ticker" and params.event_trigger not in (None, *EVENT_TRIGGERS))
    )
    return INVALID_ARGUMENTS if invalid else None
