"""Kraken v1 trading events on the private endpoint (spec §9-§12), through the matching engine.

Each event is answered with its ``*Status`` event (``addOrderStatus``, ``editOrderStatus``,
``cancelOrderStatus``, ``cancelAllStatus``, ``cancelAllOrdersAfterStatus``), keys in Kraken's
alphabetical order, ``status`` ``ok`` or ``error`` with ``errorMessage``. The token is a
top-level field; a key without the ``trade`` permission gets ``EGeneral:Permission denied``.
The engine's refusals are worded as for Kraken v2
(:mod:`spotstream.simulator.venues.kraken.v2.rejections`: the same engine, the same words).

- ``addOrder``: ``txid`` and ``descr`` (``buy 0.01770000 XBTUSD @ limit 4000``: the volume with
  8 decimals, the pair's REST altname, the price as sent), ``cl_ord_id`` echoed; with
  ``validate`` no ``txid``;
- ``editOrder``: the new ``txid``, ``originaltxid``, ``descr`` of the new order;
- ``cancelOrder``: one ``ok`` per cancelled order, one ``EOrder:Unknown order`` per ``txid``
  (an order id, or a ``userref`` as digits) or ``cl_ord_id`` that matches none;
- ``cancelAll``: ``count``; ``cancelAllOrdersAfter``: ``currentTime`` and ``triggerTime``
  (RFC 3339 to the second, ``"0"`` when disarmed);
- ``deadline`` in the past: ``EService:Deadline elapsed``; more than 60 s ahead:
  ``EGeneral:Invalid arguments:deadline``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from spotstream.protocol.kraken.v1 import trading_wire as tw
from spotstream.simulator.framing import rfc3339
from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.matching.order_checks import epoch_ns
from spotstream.simulator.matching.orders import Order, OrderError
from spotstream.simulator.matching.rejections import Rejection
from spotstream.simulator.venues.kraken.rest import pair_names
from spotstream.simulator.venues.kraken.v1.frames import encode, sorted_object
from spotstream.simulator.venues.kraken.v1.hub import KrakenV1Hub
from spotstream.simulator.venues.kraken.v1.order_params import (
    invalid,
    new_order,
    read,
    replacement,
    validate_only,
)
from spotstream.simulator.venues.kraken.v1.requests import RequestError, reqid_of
from spotstream.simulator.venues.kraken.v2.rejections import error_text, words

TRADING_EVENTS = ("addOrder", "editOrder", "cancelOrder", "cancelAll", "cancelAllOrdersAfter")
PERMISSION_DENIED = "EGeneral:Permission denied"
UNKNOWN_ORDER = words(Rejection.UNKNOWN_ORDER)
MAX_DEADLINE_NS = 60_000_000_000

Answer = dict[str, Any]


class Trading:
    """The trading events of one private connection; ``account_of(token)`` authorizes."""

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        hub: KrakenV1Hub,
        account_of: Callable[[Any], str],
    ) -> None:
        self.engine = engine
        self.hub = hub
        self.account_of = account_of
        self._altnames = {s: pair_names(spec)[1] for s, spec in engine.instruments.items()}
        self._handlers: dict[str, Callable[[str, dict[str, Any]], list[Answer]]] = {
            "addOrder": self._add,
            "editOrder": self._edit,
            "cancelOrder": self._cancel,
            "cancelAll": self._cancel_all,
            "cancelAllOrdersAfter": self._cancel_after,
        }

    def answers(self, message: dict[str, Any]) -> list[bytes]:
        """The encoded answers to one trading event."""
        event = message["event"]
        try:
            account_id = self.account_of(message.get("token"))
            if not self.engine.accounts[account_id].can_trade:
                raise RequestError(PERMISSION_DENIED)
            self._check_deadline(message)
            answers = self._handlers[event](account_id, message)
        except RequestError as error:
            answers = [_error(error.text, message)]
        except OrderError as error:
            answers = [_error(error_text(error))]
        return [_encode(event, message, answer) for answer in answers]

    def _check_deadline(self, message: dict[str, Any]) -> None:
        deadline = message.get("deadline")
        if deadline is None:
            return
        try:
            at = datetime.fromisoformat(str(deadline).replace("Z", "+00:00"))
        except ValueError:
            raise invalid("deadline") from None
        if at.tzinfo is None:
            raise invalid("deadline")
        left = epoch_ns(at) - self.engine.clock()
        if left <= 0:
            raise OrderError(Rejection.DEADLINE_ELAPSED)
        if left > MAX_DEADLINE_NS:
            raise invalid("deadline")

    def _symbol(self, pair: str) -> str:
        symbol = self.hub.symbols.get(pair)
        if symbol is None:
            raise OrderError(Rejection.UNKNOWN_SYMBOL)
        return symbol

    # --- events -------------------------------------------------------------------------------

    def _add(self, account_id: str, message: dict[str, Any]) -> list[Answer]:
        new = new_order(message, self.engine.clock())
        symbol = self._symbol(new.request.pair)
        validate = new.validate
        order = self.engine.add_order(account_id, symbol, new.order, validate=validate)
        answer: Answer = {"descr": self._description(order, new.request.price), "status": "ok"}
        if not validate:
            answer["txid"] = order.order_id
        if order.cl_ord_id is not None:
            answer["cl_ord_id"] = order.cl_ord_id
        return [answer]

    def _edit(self, account_id: str, message: dict[str, Any]) -> list[Answer]:
        request = read(message, tw.EditOrderRequest)
        symbol = self._symbol(request.pair)
        validate = validate_only(request)
        edited = self.engine.lookup(account_id, "order_id", request.orderid)
        order_type = edited[0].order_type if edited else "limit"  # unknown: the engine says so
        change = replacement(request, symbol, order_type)
        new, old = self.engine.edit_order(account_id, change, validate=validate)
        answer: Answer = {
            "descr": self._description(new, request.price),
            "originaltxid": old.order_id,
            "status": "ok",
        }
        if not validate:
            answer["txid"] = new.order_id
        return [answer]

    def _cancel(self, account_id: str, message: dict[str, Any]) -> list[Answer]:
        request = read(message, tw.CancelOrderRequest)
        references = [("txid", value) for value in request.txid or ()]
        references += [("cl_ord_id", value) for value in request.cl_ord_id or ()]
        if not references:
            raise invalid("txid")
        answers: list[Answer] = []
        for field, value in references:
            orders = self._lookup(account_id, field, value)
            if not orders:
                answers.append(_error(UNKNOWN_ORDER))
                continue
            self.engine.cancel_orders(account_id, orders)
            answers.extend({"status": "ok"} for _ in orders)
        return answers

    def _lookup(self, account_id: str, field: str, value: str) -> list[Order]:
        if field == "cl_ord_id":
            return self.engine.lookup(account_id, "cl_ord_id", value)
        orders = self.engine.lookup(account_id, "order_id", value)
        if not orders and value.lstrip("-").isdigit():
            orders = self.engine.lookup(account_id, "order_userref", int(value))
        return orders

    def _cancel_all(self, account_id: str, message: dict[str, Any]) -> list[Answer]:
        read(message, tw.CancelAllRequest)
        return [{"count": self.engine.cancel_all(account_id), "status": "ok"}]

    def _cancel_after(self, account_id: str, message: dict[str, Any]) -> list[Answer]:
        request = read(message, tw.CancelAllOrdersAfterRequest)
        current, trigger = self.engine.cancel_all_after(account_id, request.timeout)
        return [
            {
                "currentTime": _whole_second(current),
                "status": "ok",
                "triggerTime": _whole_second(trigger) if trigger is not None else "0",
            }
        ]

    def _description(self, order: Order, price: Any) -> str:
        """``descr``: side, volume, the pair's altname, the order type and price as sent."""
        volume = self.hub.numbers[order.symbol].volume(order.qty)
        head = f"{order.side} {volume} {self._altnames[order.symbol]} @ {order.order_type}"
        return head if price is None else f"{head} {price}"


def _error(text: str, message: dict[str, Any] | None = None) -> Answer:
    answer: Answer = {"errorMessage": text, "status": "error"}
    pair = message.get("pair") if message is not None else None
    if text.startswith("Unsupported field") and isinstance(pair, str):
        answer["pair"] = pair  # as captured
    return answer


def _encode(event: str, message: dict[str, Any], answer: Answer) -> bytes:
    answer = {**answer, "event": f"{event}Status"}
    reqid = reqid_of(message)
    if reqid is not None:
        answer["reqid"] = reqid
    return encode(sorted_object(answer))


def _whole_second(ns: int) -> str:
    return rfc3339(ns)[:19] + "Z"
