"""What every CoinEx socket API v1 connection keeps, public or private, sans-I/O: the
requests awaiting their answer (JSON-RPC style: ``params`` an array, ``error`` an object),
the subscription each channel holds, confirmed streams, and the queries' parsers.

**One market per subscription type** (spec B1): a later ``depth.subscribe`` (``deals``,
``kline``, ``state`` ...) replaces the connection's earlier one, and in practice only one
market per type was honoured. So a public channel here holds one subscription at a time
(:meth:`CoinExV1Core.can_hold` tells whether another fits); the client opens further
connections for further markets (one per market and type, pooled). ``X.unsubscribe`` is sent
with the params it subscribed with (CoinEx.Net's form; the docs' ``[]`` means the same).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from spotstream.errors import DecodeError, InvalidRequestError, ProtocolError
from spotstream.protocol.base import Outgoing
from spotstream.protocol.coinex.errors import coinex_refusal, refused_what
from spotstream.protocol.coinex.routing import RoutedPushes, method_name
from spotstream.protocol.coinex.v1 import wire
from spotstream.protocol.coinex.v2.core import Subscribed, canonical
from spotstream.protocol.events import Event, RequestDone, StreamKey

Parse = Callable[[msgspec.Raw], object]


@dataclass(frozen=True, slots=True)
class Held:
    """What a channel is subscribed to on this connection: ``symbol`` (``""``: every market
    or the whole account) with the subscribe's wire params."""

    symbol: str
    params: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Pending:
    method: str  # ours: subscribe, unsubscribe, ping, time, sign, query
    wire_method: str  # CoinEx's: depth.subscribe ...
    channel: str | None = None
    symbol: str = ""
    parse: Parse | None = None


class CoinExV1Core(RoutedPushes):
    """Requests, answers and held subscriptions of one CoinEx v1 connection.

    Subclasses set ``_decoder``, ``_routes`` (push type -> handler), ``_methods`` (our
    channel -> CoinEx's method family) and :meth:`_params` (a subscribe's wire params)."""

    _methods: Mapping[str, str]

    def __init__(self) -> None:
        super().__init__()
        self.held: dict[str, Held] = {}  # channel -> its one subscription
        self.streams: set[StreamKey] = set()  # confirmed on this connection
        self._pending: dict[int, _Pending] = {}

    def canonical(self, symbol: str) -> str:
        return canonical(symbol)

    def can_hold(self, channel: str, symbol: str, options: Mapping[str, Any]) -> bool:
        """Whether this connection can carry ``channel`` for ``symbol`` with ``options``:
        the channel is free, or already holds exactly that."""
        held = self.held.get(channel)
        if held is None:
            return True
        return held == Held(canonical(symbol), self._params(channel, canonical(symbol), options))

    # --- the session's interface (protocol.base.SessionProtocol) ---------------------------

    def stream_key(self, channel: str, symbol: str, options: Mapping[str, Any]) -> StreamKey:
        return (channel, canonical(symbol), None)

    def subscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        """Encode the channel's subscribe of one market (or ``""``); raises
        :class:`InvalidRequestError` before anything changes when the channel holds another
        subscription on this connection (v1 replaces it: see the module's note)."""
        family = self._family(channel)
        markets = list(dict.fromkeys(canonical(s) for s in symbols)) or [""]
        if len(markets) != 1:
            raise InvalidRequestError(f"CoinEx v1 carries one {channel} subscription a connection")
        market = markets[0]
        params = self._params(channel, market, options)
        held = self.held.get(channel)
        wanted = Held(market, params)
        if held is not None and held != wanted:
            raise InvalidRequestError(
                f"this CoinEx v1 connection's {channel} already holds {held.symbol or 'all'}"
            )
        self.held[channel] = wanted
        self._adding(channel, market)
        return self._request(
            _Pending("subscribe", f"{family}.subscribe", channel, market), list(params)
        )

    def unsubscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        family = self._family(channel)
        held = self.held.pop(channel, None)
        market = held.symbol if held is not None else ""
        params = list(held.params) if held is not None else []
        return self._request(
            _Pending("unsubscribe", f"{family}.unsubscribe", channel, market), params
        )

    def ping(self) -> Outgoing:
        """``server.ping`` (answered ``"pong"``): v1's keep-alive (CoinEx ignores websocket
        pings)."""
        return self._request(_Pending("ping", "server.ping"), [])

    def server_time(self) -> Outgoing:
        """``server.time``: the answer's ``results`` hold the server's time in epoch s."""
        return self._request(_Pending("time", "server.time", parse=_read_int), [])

    def query(self, wire_method: str, params: list[Any], parse: Parse) -> Outgoing:
        """A socket query (``state.query`` ...): its ``RequestDone.results`` hold what
        ``parse`` makes of the result (a :class:`ProtocolError` it raises becomes the
        request's error)."""
        return self._request(_Pending("query", wire_method, parse=parse), params)

    def connection_lost(self) -> object:
        """Forget the connection: its subscriptions (the session subscribes the wanted
        streams again) and the requests still awaiting an answer."""
        self.held.clear()
        self.streams.clear()
        self._pending.clear()
        return None

    def pending_request_ids(self) -> list[int]:
        return list(self._pending)

    # --- frames -----------------------------------------------------------------------------

    def receive(self, frame: bytes | str) -> list[Event]:
        """One text frame into events. Never raises: bad input is a counted
        :class:`Unhandled` (``malformed``, or the push's method)."""
        text = frame.encode() if isinstance(frame, str) else frame
        return self._route(text)

    def _receive_other(self, text: bytes, why: str) -> list[Event]:
        try:
            answer = wire.RESPONSE_DECODER.decode(text)
        except msgspec.MsgspecError:
            return self._unreadable_push(method_name(text), why, text)
        if answer.id is None:
            return self._unreadable_push(method_name(text), why, text)
        return self._on_answer(answer, text)

    def _unreadable_push(self, method: str, why: str, text: bytes) -> list[Event]:
        """A push that could not be read (subclasses invalidate what it touched)."""
        return [self._unhandled(method, why, text)]

    def _on_answer(self, answer: wire.Response, text: bytes) -> list[Event]:
        assert answer.id is not None
        pending = self._pending.pop(answer.id, None)
        if pending is None:
            return [self._unhandled("response", f"unknown id {answer.id}", text)]
        if answer.error is not None:
            return [self._refused(answer.id, answer.error, pending)]
        if pending.channel is not None:
            key = (pending.channel, pending.symbol, None)
            if pending.method == "subscribe":
                self.streams.add(key)
            else:
                self.streams.discard(key)
            return [RequestDone(answer.id, pending.method, [Subscribed(pending.symbol)])]
        if pending.parse is None:
            return [RequestDone(answer.id, pending.method, [answer])]
        try:
            result = pending.parse(answer.result)
        except ProtocolError as exc:  # unreadable, or a depth whose checksum is wrong
            return [RequestDone(answer.id, pending.method, [], [exc])]
        except Exception as exc:  # msgspec's, or a bug: the request still gets its answer
            error = DecodeError(f"{pending.wire_method} answered what cannot be read: {exc}")
            events: list[Event] = []
            if not isinstance(exc, msgspec.MsgspecError):
                events.append(self._internal(pending.wire_method, exc, text))
            return [*events, RequestDone(answer.id, pending.method, [], [error])]
        return [RequestDone(answer.id, pending.method, [result])]

    def _refused(self, req_id: int, error: wire.ErrorBody, pending: _Pending) -> RequestDone:
        if pending.method == "subscribe" and pending.channel is not None:
            held = self.held.get(pending.channel)
            if held is not None and held.symbol == pending.symbol:
                del self.held[pending.channel]  # refused: never send it again
        refusal = coinex_refusal(
            error.code,
            error.message,
            refused_what(pending.wire_method),
            method=pending.wire_method,
            req_id=req_id,
            symbol=pending.symbol or None,
        )
        return RequestDone(req_id, pending.method, [], [refusal])

    # --- helpers ----------------------------------------------------------------------------

    def _family(self, channel: str) -> str:
        family = self._methods.get(channel)
        if family is None:
            raise InvalidRequestError(f"unknown channel {channel!r} on this connection")
        return family

    def _params(self, channel: str, market: str, options: Mapping[str, Any]) -> tuple[Any, ...]:
        """The wire params of ``channel``'s subscribe of ``market`` (raises
        :class:`InvalidRequestError` for options CoinEx would refuse)."""
        return (market,) if market else ()

    def _adding(self, channel: str, market: str) -> None:
        """Runs when ``market`` is subscribed on ``channel`` (e.g. to open its book)."""

    def _request(self, pending: _Pending, params: list[Any]) -> Outgoing:
        req_id = self._allocate()
        self._pending[req_id] = pending
        return Outgoing(
            req_id, wire.ENCODER.encode(wire.Request(pending.wire_method, params, req_id))
        )


_INT = msgspec.json.Decoder(int)


def _read_int(raw: msgspec.Raw) -> object:
    return _INT.decode(raw)
