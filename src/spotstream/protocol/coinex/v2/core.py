"""What every CoinEx socket API v2 connection keeps, public or private, sans-I/O: the full
set of subscribed markets per channel, the requests awaiting their answer, confirmed streams,
and the frames' way in (gzip, then one typed decoder for the pushes).

**Replace semantics** (spec A5.0): a ``depth.subscribe`` (``state.subscribe`` ...) replaces
the connection's earlier list for that method. So the protocol keeps the full set per
channel (for depth, each market's limit, merge interval and mode) and every subscribe sends
it whole: users add and remove markets one call at a time without losing the others. An
unsubscribe names only the markets leaving (CoinEx's own form), except that leaving "all"
while some markets stay is a subscribe of those. One answer per request (not per market,
as on Kraken): its ``RequestDone`` lists a :class:`Subscribed` for each market the request
added or removed, or the refusal.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import msgspec

from spotstream.errors import DecodeError, InvalidRequestError
from spotstream.protocol.base import Outgoing
from spotstream.protocol.coinex.errors import coinex_refusal, refused_what
from spotstream.protocol.coinex.framing import DEFAULT_LIMIT, FrameTooLargeError, inflate
from spotstream.protocol.coinex.routing import RoutedPushes, method_name
from spotstream.protocol.coinex.v2 import wire
from spotstream.protocol.coinex.v2.channels import (
    BY_NAME,
    DEPTH_INTERVALS,
    DEPTH_LIMITS,
    NOTICE_MAINTENANCE,
    Channel,
)
from spotstream.protocol.events import Event, RequestDone, StreamKey

DepthParams = tuple[int, str, bool]  # limit, merge interval, every push full
DEFAULT_DEPTH: DepthParams = (10, "0", False)


class Subscribed(msgspec.Struct, frozen=True):
    """A stream a subscribe (or unsubscribe) was answered for: ``symbol`` is its market
    (``""`` for an account or exchange-wide feed)."""

    symbol: str


@dataclass(frozen=True, slots=True)
class _Pending:
    method: str  # ours: subscribe, unsubscribe, ping, time, sign
    wire_method: str  # CoinEx's: depth.subscribe ...
    channel: str | None = None
    symbols: tuple[str, ...] = ()


def canonical(symbol: str) -> str:
    """A market as CoinEx names it: ``BTC/USDT`` and ``btcusdt`` are ``BTCUSDT``."""
    return symbol.replace("/", "").replace("-", "").upper()


class CoinExV2Core(RoutedPushes):
    """Requests, answers, market sets and confirmed streams of one CoinEx v2 connection.

    Subclasses set ``_decoder`` (their pushes' tagged union) and ``_routes`` (push type ->
    handler), and may refine :meth:`_adding` (e.g. to open books)."""

    def __init__(self, frame_limit: int = DEFAULT_LIMIT) -> None:
        super().__init__()
        self.frame_limit = frame_limit
        self.wanted: dict[str, dict[str, Any]] = {}  # channel -> market -> its params
        self.streams: set[StreamKey] = set()  # confirmed on this connection
        self._pending: dict[int, _Pending] = {}

    def canonical(self, symbol: str) -> str:
        return canonical(symbol)

    # --- the session's interface (protocol.base.SessionProtocol) ---------------------------

    def stream_key(self, channel: str, symbol: str, options: Mapping[str, Any]) -> StreamKey:
        return (channel, canonical(symbol), None)

    def subscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        """Encode a subscribe of ``symbols`` on ``channel``, sending the channel's whole set;
        raises :class:`InvalidRequestError` before anything changes or is sent."""
        spec = self._channel(channel)
        markets = self._markets(spec, symbols)
        params = _depth_params(options) if spec.name == "book" else None
        self._adding(spec, markets, params)
        wanted = self.wanted.setdefault(spec.name, {})
        for market in markets:
            wanted[market] = params
        return self._request(
            _Pending("subscribe", f"{spec.method}.subscribe", spec.name, tuple(markets)),
            {spec.list_key: _wire_list(spec, wanted)},
        )

    def unsubscribe_stream(
        self, channel: str, symbols: Sequence[str], options: Mapping[str, Any]
    ) -> Outgoing:
        spec = self._channel(channel)
        markets = self._markets(spec, symbols)
        wanted = self.wanted.get(spec.name, {})
        for market in markets:
            wanted.pop(market, None)
        pending = _Pending("unsubscribe", f"{spec.method}.unsubscribe", spec.name, tuple(markets))
        if "" in markets and wanted:  # leaving "all" while some stay: ask for just those
            replace = _Pending("unsubscribe", f"{spec.method}.subscribe", spec.name, ("",))
            return self._request(replace, {spec.list_key: _wire_list(spec, wanted)})
        names: list[Any] = [m for m in markets if m]
        if spec.name == "notice":
            names = [NOTICE_MAINTENANCE]
        return self._request(pending, {spec.list_key: names})

    def ping(self) -> Outgoing:
        """``server.ping``: CoinEx ignores websocket pings; this is the keep-alive."""
        return self._request(_Pending("ping", "server.ping"), {})

    def server_time(self) -> Outgoing:
        """``server.time``: the answer's ``results`` hold the server's time in ms."""
        return self._request(_Pending("time", "server.time"), {})

    def connection_lost(self) -> object:
        """Forget the connection: its streams and sets (the session subscribes the wanted
        streams again) and the requests still awaiting an answer."""
        self.wanted.clear()
        self.streams.clear()
        self._pending.clear()
        return None

    def pending_request_ids(self) -> list[int]:
        return list(self._pending)

    # --- frames -----------------------------------------------------------------------------

    def receive(self, frame: bytes | str) -> list[Event]:
        """Turn one received frame (gzip binary, or text) into events. Never raises: bad
        input is a counted :class:`Unhandled` (``frame-too-large``, ``malformed``, or the
        push's method), and so is any exception while handling it."""
        try:
            text = inflate(frame, self.frame_limit)
        except FrameTooLargeError as exc:
            return [self._unhandled("frame-too-large", str(exc), frame[:64])]
        except DecodeError as exc:
            return [self._unhandled("malformed", str(exc), frame[:64])]
        return self._route(text)

    def _receive_other(self, text: bytes | str, why: str) -> list[Event]:
        """Not a push we model: an answer, or a push of an unknown method or shape."""
        try:
            answer = wire.RESPONSE_DECODER.decode(text)
        except msgspec.MsgspecError:
            return self._unreadable_push(method_name(text), why, text)
        if answer.id is None:
            return [self._unhandled("response", "an answer without an id", text)]
        return self._on_answer(answer, text)

    def _unreadable_push(self, method: str, why: str, text: bytes | str) -> list[Event]:
        """A push that could not be read (subclasses invalidate what it touched)."""
        return [self._unhandled(method, why, text)]

    def _on_answer(self, answer: wire.Response, text: bytes | str) -> list[Event]:
        assert answer.id is not None
        pending = self._pending.pop(answer.id, None)
        if pending is None:
            return [self._unhandled("response", f"unknown id {answer.id}", text)]
        if answer.code != 0:
            return [self._refused(answer, pending)]
        results: list[object]
        if pending.channel is None:
            results = [self._result(pending, answer)]
        else:
            results = [Subscribed(s) for s in pending.symbols]
            for market in pending.symbols:
                key = (pending.channel, market, None)
                if pending.method == "subscribe":
                    self.streams.add(key)
                else:
                    self.streams.discard(key)
        return [RequestDone(answer.id, pending.method, results)]

    def _refused(self, answer: wire.Response, pending: _Pending) -> RequestDone:
        assert answer.id is not None
        if pending.method == "subscribe" and pending.channel is not None:
            wanted = self.wanted.get(pending.channel, {})
            for market in pending.symbols:  # refused: never send them again
                wanted.pop(market, None)
        error = coinex_refusal(
            answer.code,
            answer.message,
            refused_what(pending.wire_method),
            method=pending.wire_method,
            req_id=answer.id,
        )
        return RequestDone(answer.id, pending.method, [], [error])

    def _result(self, pending: _Pending, answer: wire.Response) -> object:
        """What a successful query answers (the server's time in ms for ``time``)."""
        if pending.method == "time" and answer.data:
            try:
                return wire.TIME_DECODER.decode(answer.data).timestamp
            except msgspec.MsgspecError:
                return answer
        return answer

    # --- helpers ----------------------------------------------------------------------------

    def _adding(self, spec: Channel, markets: list[str], params: DepthParams | None) -> None:
        """Runs before ``markets`` join ``spec``'s set (raises to refuse them)."""

    def _channel(self, name: str) -> Channel:
        spec = BY_NAME.get(name)
        if spec is None or spec.private:
            raise InvalidRequestError(f"unknown public channel {name!r}")
        return spec

    def _markets(self, spec: Channel, symbols: Sequence[str]) -> list[str]:
        markets = list(dict.fromkeys(canonical(s) for s in symbols)) or [""]
        if not spec.per_market:
            return [""]
        if spec.name == "book" and "" in markets:
            raise InvalidRequestError("book: name the markets (depth has no 'all markets')")
        if "" in markets and len(markets) > 1:
            markets = [""]  # all of them
        return markets

    def _request(self, pending: _Pending, params: dict[str, Any]) -> Outgoing:
        req_id = self._allocate()
        self._pending[req_id] = pending
        request = wire.Request(pending.wire_method, params, req_id)
        return Outgoing(req_id, wire.ENCODER.encode(request))


def _depth_params(options: Mapping[str, Any]) -> DepthParams:
    limit = options.get("depth", DEFAULT_DEPTH[0])
    interval = options.get("interval", DEFAULT_DEPTH[1])
    full = options.get("full", DEFAULT_DEPTH[2])
    if limit not in DEPTH_LIMITS:
        raise InvalidRequestError(f"book depth must be one of {DEPTH_LIMITS}, not {limit!r}")
    if interval not in DEPTH_INTERVALS:
        raise InvalidRequestError(f"book interval must be one of {DEPTH_INTERVALS}")
    if not isinstance(full, bool):
        raise InvalidRequestError(f"book full must be a bool, not {full!r}")
    return (int(limit), str(interval), full)


def _wire_list(spec: Channel, wanted: Mapping[str, Any]) -> list[Any]:
    """The whole set of ``spec`` as its subscribe lists it (``[]``: all)."""
    if spec.name == "notice":
        return [NOTICE_MAINTENANCE]
    if "" in wanted or not spec.per_market:
        return []
    if spec.name == "book":
        return [[market, *params] for market, params in wanted.items()]
    return list(wanted)
