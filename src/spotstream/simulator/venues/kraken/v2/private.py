"""Kraken WebSocket v2, private endpoint (``wss://ws-auth.kraken.com/v2``): one connection.

A :class:`SimKrakenV2PrivateSession` is sans-I/O like the public
:class:`~spotstream.simulator.venues.kraken.v2.public.SimKrakenV2PublicSession`:
:meth:`~SimKrakenV2PrivateSession.receive` takes a request frame and appends complete websocket
frames to ``outbox``; executions and
balances of its account arrive there too (from the matching engine), also from timers, after
which the engine's ``flush`` writes them. Behaviour: spec §3, §7-§11. Every request but
``ping`` needs ``params.token``. Decisions where Kraken's text is not known:

- no token: ``Token(s) not found`` (captured from a request without one); an unknown or
  expired token: ``EAPI:Invalid token``; a key without the ``trade`` permission gets
  ``EGeneral:Permission denied`` (captured) from every trading method;
- a public channel here: ``Public channels not available in this endpoint`` (v1's words);
  ``level3`` (served on its own endpoint since 2025-12) and unknown channels:
  ``Subscription name invalid``;
- a trading response comes before the executions its request caused (so the client knows
  the order id first); with ``delay_next_response`` the executions go out at once and the
  response later;
- ``deadline`` in the past: ``EService:Deadline elapsed``; more than 60 s ahead:
  ``EGeneral:Invalid arguments:deadline``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from spotstream.protocol.kraken.v2 import private_wire as pw
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.protocol.kraken.v2 import wire
from spotstream.simulator.framing import ws_frame
from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.matching.order_checks import epoch_ns
from spotstream.simulator.matching.order_flow import Cancellable
from spotstream.simulator.matching.orders import Order, OrderError
from spotstream.simulator.matching.rejections import Rejection
from spotstream.simulator.venues.kraken.v2 import frames as public_frames
from spotstream.simulator.venues.kraken.v2 import private_frames as frames
from spotstream.simulator.venues.kraken.v2.hub import KrakenV2Hub
from spotstream.simulator.venues.kraken.v2.private_frames import ReportWriter
from spotstream.simulator.venues.kraken.v2.private_params import (
    ParamsError,
    amendment,
    convert,
    order_entry,
    parse,
    replacement,
)
from spotstream.simulator.venues.kraken.v2.private_streams import (
    BalancesStream,
    ExecutionsStream,
    PrivateStream,
)
from spotstream.simulator.venues.kraken.v2.rejections import error_text, words

TOKEN_MISSING = "Token(s) not found"
TOKEN_INVALID = "EAPI:Invalid token"
PERMISSION_DENIED = "EGeneral:Permission denied"
PUBLIC_CHANNEL = "Public channels not available in this endpoint"
NAME_INVALID = "Subscription name invalid"
ALREADY_SUBSCRIBED = "Already subscribed"
NOT_FOUND = "Subscription Not Found"
UNSUPPORTED_EVENT = "Unsupported event"
UNKNOWN_ORDER = words(Rejection.UNKNOWN_ORDER)
PUBLIC_CHANNELS = frozenset({"book", "ticker", "trade", "ohlc", "instrument", "status"})
MAX_DEADLINE_NS = 60_000_000_000


class _Envelope(msgspec.Struct):
    method: str
    params: msgspec.Raw = msgspec.Raw(b"")
    req_id: int | None = None


_ENVELOPE = msgspec.json.Decoder(_Envelope)
MethodHandler = Callable[[str, Any, "_Envelope", int], list[bytes]]


class SimKrakenV2PrivateSession:
    """One client connection to the private endpoint."""

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        hub: KrakenV2Hub,
        connection_id: int,
        authorize: Callable[[str], str | None],
    ) -> None:
        self.engine = engine
        self.faults = hub.faults
        self.connection_id = connection_id
        self.authorize = authorize
        self.outbox: list[bytes] = []
        self.streams: dict[str, PrivateStream] = {}
        self.writer = ReportWriter(engine.instruments, hub.numbers, hub.style, engine.usd_value)
        self._held: list[bytes] | None = None  # channel frames caused by the current request
        self._timers: list[Cancellable] = []
        self._closed = False
        self._trading: dict[str, MethodHandler] = {
            "add_order": self._add_order,
            "batch_add": self._batch_add,
            "amend_order": self._amend_order,
            "edit_order": self._edit_order,
            "cancel_order": self._cancel_order,
            "cancel_all": self._cancel_all,
            "cancel_all_orders_after": self._cancel_after,
            "batch_cancel": self._batch_cancel,
        }

    def open(self) -> None:
        """Greet a new connection with the status update."""
        self._send(public_frames.status(self.connection_id))

    def close(self) -> None:
        """The connection is gone: leave every stream, drop delayed responses."""
        self._closed = True
        for stream in self.streams.values():
            stream.leave()
        self.streams.clear()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    def receive(self, payload: bytes | str) -> None:
        """Handle one request frame."""
        time_in = self.engine.clock()
        try:
            request = _ENVELOPE.decode(payload)
        except msgspec.MsgspecError:
            clock = self.engine.clock()
            self._send(public_frames.error(None, None, UNSUPPORTED_EVENT, time_in, clock))
            return
        method = request.method
        if method == "ping":
            self._ping(request, time_in)
        elif method in ("subscribe", "unsubscribe"):
            self._guarded(request, time_in, self._subscription)
        elif method in self._trading:
            self._trade(request, time_in)
        else:
            self._send(self._error(request, time_in, UNSUPPORTED_EVENT))

    # --- plumbing -------------------------------------------------------------------------------

    def _send(self, payload: bytes) -> None:
        self.outbox.append(ws_frame(payload))

    def _push(self, payload: bytes) -> None:
        """A channel message: held back while a request is answered, else sent."""
        if self._held is not None:
            self._held.append(ws_frame(payload))
        else:
            self._send(payload)

    def _error(
        self, request: _Envelope, time_in: int, text: str, method: str | None = None
    ) -> bytes:
        clock = self.engine.clock()
        return public_frames.error(method or request.method, request.req_id, text, time_in, clock)

    def _ok(self, request: _Envelope, time_in: int, result: object) -> bytes:
        clock = self.engine.clock()
        return frames.response(request.method, request.req_id, result, time_in, clock)

    def _guarded(
        self, request: _Envelope, time_in: int, handler: Callable[[_Envelope, int], None]
    ) -> None:
        try:
            handler(request, time_in)
        except (ParamsError, OrderError) as exc:
            self._send(self._error(request, time_in, _text(exc)))

    def _account(self, tree: dict[str, Any]) -> str:
        """The account of the request's token (or the refusal)."""
        token = tree.get("token")
        if not isinstance(token, str) or not token:
            raise ParamsError(TOKEN_MISSING)
        account_id = self.authorize(token)
        if account_id is None or account_id not in self.engine.accounts:
            raise ParamsError(TOKEN_INVALID)
        return account_id

    def _ping(self, request: _Envelope, time_in: int) -> None:
        if request.params:
            text = "Unsupported field: 'params' for the given msg type: ping"
            self._send(self._error(request, time_in, text))
        else:
            self._send(public_frames.pong(request.req_id, time_in, self.engine.clock()))

    # --- subscriptions --------------------------------------------------------------------------

    def _subscription(self, request: _Envelope, time_in: int) -> None:
        tree = parse(request.params)
        channel = tree.get("channel")
        if channel not in ("executions", "balances"):
            text = PUBLIC_CHANNEL if channel in PUBLIC_CHANNELS else NAME_INVALID
            raise ParamsError(text)
        account_id = self._account(tree)
        if request.method == "unsubscribe":
            self._unsubscribe(request, time_in, channel)
            return
        if channel in self.streams:
            raise ParamsError(ALREADY_SUBSCRIBED)
        stream: PrivateStream
        if channel == "executions":
            params = convert("subscribe", tree, pw.ExecutionsSubscribeParams, tag="channel")
            stream = ExecutionsStream(
                self.engine, self.writer, self.faults, account_id, self._push, params
            )
        else:
            balances = convert("subscribe", tree, pw.BalancesSubscribeParams, tag="channel")
            stream = BalancesStream(
                self.engine, self.writer, self.faults, account_id, self._push, balances
            )
        clock = self.engine.clock()
        self._send(public_frames.ack("subscribe", request.req_id, stream.ack(), time_in, clock))
        stream.start()
        self.streams[channel] = stream

    def _unsubscribe(self, request: _Envelope, time_in: int, channel: str) -> None:
        stream = self.streams.pop(channel, None)
        if stream is None:  # Kraken answers with method "subscribe" here (captured live)
            self._send(self._error(request, time_in, NOT_FOUND, "subscribe"))
            return
        stream.leave()
        result = wire.SubscribeResult(channel)
        clock = self.engine.clock()
        self._send(public_frames.ack("unsubscribe", request.req_id, result, time_in, clock))

    # --- trading --------------------------------------------------------------------------------

    def _trade(self, request: _Envelope, time_in: int) -> None:
        self._held = []
        try:
            answers = self.faults.shape_response(self._trade_answers(request, time_in))
        finally:
            held, self._held = self._held, None
        delay = self.faults.take_response_delay()
        if delay is None:
            self.outbox.extend(ws_frame(a) for a in answers)
            self.outbox.extend(held)
            return
        self.outbox.extend(held)
        self._timers.append(self.engine.call_later(delay, lambda: self._late(answers)))

    def _late(self, answers: list[bytes]) -> None:
        if not self._closed:
            self.outbox.extend(ws_frame(a) for a in answers)
            self.engine.flush()

    def _trade_answers(self, request: _Envelope, time_in: int) -> list[bytes]:
        method = request.method
        try:
            tree = parse(request.params)
            account_id = self._account(tree)
            if not self.engine.accounts[account_id].can_trade:
                raise ParamsError(PERMISSION_DENIED)
            params = convert(method, tree, tw.METHOD_PARAMS[method])
            self._check_deadline(params)
            return self._trading[method](account_id, params, request, time_in)
        except (ParamsError, OrderError) as exc:
            return [self._error(request, time_in, _text(exc))]

    def _check_deadline(self, params: msgspec.Struct) -> None:
        deadline = getattr(params, "deadline", None)
        if deadline is None:
            return
        left = epoch_ns(deadline) - self.engine.clock()
        if left <= 0:
            raise OrderError(Rejection.DEADLINE_ELAPSED)
        if left > MAX_DEADLINE_NS:
            raise OrderError(Rejection.INVALID_ARGUMENTS, "deadline")

    def _add_order(
        self, account_id: str, params: tw.AddOrderParams, request: _Envelope, time_in: int
    ) -> list[bytes]:
        validate = bool(params.validate)
        entry, warnings = order_entry(params)
        order = self.engine.add_order(account_id, params.symbol, entry, validate=validate)
        order.warnings += warnings
        return [self._ok(request, time_in, _added(order))]

    def _batch_add(
        self, account_id: str, params: tw.BatchAddParams, request: _Envelope, time_in: int
    ) -> list[bytes]:
        if not 2 <= len(params.orders) <= 15:
            raise OrderError(Rejection.INVALID_ARGUMENTS, "orders")
        validate = bool(params.validate)
        entries = [order_entry(order) for order in params.orders]
        requests = [entry for entry, _ in entries]
        orders = self.engine.batch_add(account_id, params.symbol, requests, validate=validate)
        for order, (_, warnings) in zip(orders, entries, strict=True):
            order.warnings += warnings
        return [self._ok(request, time_in, [_added(order) for order in orders])]

    def _amend_order(
        self, account_id: str, params: tw.AmendOrderParams, request: _Envelope, time_in: int
    ) -> list[bytes]:
        amend_id, _ = self.engine.amend_order(account_id, amendment(params))
        result = tw.AmendOrderResult(amend_id, params.order_id, params.cl_ord_id)
        return [self._ok(request, time_in, result)]

    def _edit_order(
        self, account_id: str, params: tw.EditOrderParams, request: _Envelope, time_in: int
    ) -> list[bytes]:
        validate = bool(params.validate)
        new, old = self.engine.edit_order(account_id, replacement(params), validate=validate)
        warnings = list(new.warnings) or None
        result = tw.EditOrderResult(new.order_id, old.order_id, warnings)
        return [self._ok(request, time_in, result)]

    def _cancel_order(
        self, account_id: str, params: tw.CancelOrderParams, request: _Envelope, time_in: int
    ) -> list[bytes]:
        """One response per cancelled order; an id that matches nothing gets an error."""
        references: list[tuple[str, str | int]] = [
            *(("order_id", v) for v in params.order_id or ()),
            *(("cl_ord_id", v) for v in params.cl_ord_id or ()),
            *(("order_userref", v) for v in params.order_userref or ()),
        ]
        if not references:
            raise OrderError(Rejection.INVALID_ARGUMENTS, "order_id")
        answers = []
        for field, value in references:
            orders = self.engine.lookup(account_id, field, value)
            if not orders:
                answers.append(self._error(request, time_in, UNKNOWN_ORDER))
                continue
            self.engine.cancel_orders(account_id, orders)
            for order in orders:
                result = (
                    tw.CancelOrderResult(cl_ord_id=order.cl_ord_id)
                    if field == "cl_ord_id"
                    else tw.CancelOrderResult(order_id=order.order_id)
                )
                answers.append(self._ok(request, time_in, result))
        return answers

    def _cancel_all(
        self, account_id: str, params: tw.CancelAllParams, request: _Envelope, time_in: int
    ) -> list[bytes]:
        count = self.engine.cancel_all(account_id)
        return [self._ok(request, time_in, tw.CountResult(count))]

    def _cancel_after(
        self,
        account_id: str,
        params: tw.CancelAllOrdersAfterParams,
        request: _Envelope,
        time_in: int,
    ) -> list[bytes]:
        current, trigger = self.engine.cancel_all_after(account_id, params.timeout)
        return [self._ok(request, time_in, frames.cancel_after_result(current, trigger))]

    def _batch_cancel(
        self, account_id: str, params: tw.BatchCancelParams, request: _Envelope, time_in: int
    ) -> list[bytes]:
        """Cancels what the 2-50 references match; the count as captured (no ``result``)."""
        references = [*(params.orders or ()), *(params.cl_ord_id or ())]
        if not 2 <= len(references) <= 50:
            raise OrderError(Rejection.INVALID_ARGUMENTS, "orders")
        found: dict[str, Order] = {}
        for reference in params.orders or ():
            matches = self.engine.lookup(account_id, "order_id", reference)
            if not matches and reference.lstrip("-").isdigit():
                matches = self.engine.lookup(account_id, "order_userref", int(reference))
            found.update((o.order_id, o) for o in matches)
        for reference in params.cl_ord_id or ():
            found.update(
                (o.order_id, o) for o in self.engine.lookup(account_id, "cl_ord_id", reference)
            )
        self.engine.cancel_orders(account_id, list(found.values()))
        clock = self.engine.clock()
        answer = frames.response(
            request.method, request.req_id, None, time_in, clock, orders_cancelled=len(found)
        )
        return [answer]


def _text(error: ParamsError | OrderError) -> str:
    """The ``error`` of the answer: the params' own text, or the rejection in Kraken's words."""
    return error.text if isinstance(error, ParamsError) else error_text(error)


def _added(order: Order) -> tw.AddOrderResult:
    warnings = list(order.warnings) or None
    return tw.AddOrderResult(order.order_id, order.cl_ord_id, order.order_userref, warnings)
