"""Kraken WebSocket v1, private endpoint (``wss://ws-auth.kraken.com``): one connection.

Subscriptions to ``ownTrades`` and ``openOrders`` carry the token inside ``subscription``
(spec §2); trading events carry it at the top level and are answered with their ``*Status``
event (:mod:`.trading`). Both go to the same matching engine as Kraken v2, so one account
(one API key) sees its orders over either version. Decisions where Kraken's text is not known
(UNCONFIRMED): no token is ``Token(s) not found`` and an unknown or expired one
``EAPI:Invalid token`` (Kraken v2's words, captured there); an option that is not a boolean
``Malformed request``. Public channels here are refused with ``Public channels not available
in this endpoint`` (spec §3), once per pair.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.matching.order_flow import Cancellable
from spotstream.simulator.venues.kraken.v1.hub import KrakenV1Hub
from spotstream.simulator.venues.kraken.v1.private_frames import V1ReportWriter
from spotstream.simulator.venues.kraken.v1.private_streams import (
    OpenOrdersStream,
    OwnTradesStream,
    PrivateStream,
)
from spotstream.simulator.venues.kraken.v1.requests import (
    ALREADY_SUBSCRIBED,
    MALFORMED,
    NOT_FOUND,
    PUBLIC_CHANNELS,
    RequestError,
    Subscription,
    channel_of,
    read_pairs,
    read_subscription,
)
from spotstream.simulator.venues.kraken.v1.session import V1Session
from spotstream.simulator.venues.kraken.v1.trading import TRADING_EVENTS, Trading

TOKEN_MISSING = "Token(s) not found"
TOKEN_INVALID = "EAPI:Invalid token"


class SimKrakenV1PrivateSession(V1Session):
    """One client connection to the private endpoint.

    ``authorize(token)`` returns the token's account id, or ``None`` (unknown or expired).
    """

    def __init__(
        self,
        engine: MatchingEngine[BookPublisher],
        hub: KrakenV1Hub,
        connection_id: int,
        authorize: Callable[[str], str | None],
    ) -> None:
        super().__init__(connection_id)
        self.engine = engine
        self.faults = hub.faults
        self.authorize = authorize
        self.writer = V1ReportWriter(engine.instruments, hub.numbers, hub.names)
        self.streams: dict[str, PrivateStream] = {}
        self.trading = Trading(engine, hub, self.account_of)
        self.handlers["subscribe"] = self._subscribe
        self.handlers["unsubscribe"] = self._unsubscribe
        for event in TRADING_EVENTS:
            self.handlers[event] = self._trade
        self._held: list[bytes] | None = None  # channel frames caused by the current request
        self._timers: list[Cancellable] = []
        self.closed = False

    def close(self) -> None:
        """The connection is gone: leave every stream, drop delayed answers."""
        self.closed = True
        for stream in self.streams.values():
            stream.leave()
        self.streams.clear()
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()

    def account_of(self, token: Any) -> str:
        """The account ``token`` belongs to, or :class:`RequestError` with Kraken's text."""
        if not isinstance(token, str) or not token:
            raise RequestError(TOKEN_MISSING)
        account_id = self.authorize(token)
        if account_id is None or account_id not in self.engine.accounts:
            raise RequestError(TOKEN_INVALID)
        return account_id

    # --- channel frames around requests -----------------------------------------------------

    def _trade(self, message: dict[str, Any]) -> None:
        self.answer(lambda: self.trading.answers(message))

    def push(self, payload: bytes) -> None:
        """A channel message: held back while a request is answered, else sent."""
        if self._held is not None:
            self._held.append(payload)
        else:
            self.send(payload)

    def answer(self, build: Callable[[], list[bytes]]) -> None:
        """Send a request's answers first, then the channel messages it caused; with
        ``delay_next_response`` the messages at once and the answers later."""
        self._held = []
        try:
            answers = self.faults.shape_response(build())
        finally:
            held, self._held = self._held, None
        delay = self.faults.take_response_delay()
        if delay is None:
            for payload in (*answers, *held):
                self.send(payload)
            return
        for payload in held:
            self.send(payload)
        self._timers.append(self.engine.call_later(delay, lambda: self._late(answers)))

    def _late(self, answers: list[bytes]) -> None:
        if not self.closed:
            for payload in answers:
                self.send(payload)
            self.engine.flush()

    # --- subscriptions ------------------------------------------------------------------------

    def _checked(self, message: dict[str, Any]) -> tuple[Subscription, str] | None:
        """The subscription and its account, or ``None`` once the refusal is sent."""
        try:
            pairs = read_pairs(message, channel_of(message) not in PUBLIC_CHANNELS)
        except RequestError as error:
            self.refuse(message, error.text)
            return None
        try:
            subscription = read_subscription(message, endpoint_private=True)
        except RequestError as error:
            for pair in pairs or (None,):
                self.refuse(message, error.text, pair)
            return None
        try:
            options = subscription.options or {}
            account_id = self.account_of(options.get("token"))
            for name in ("snapshot", "consolidate_taker", "ratecounter", "rebased"):
                if not isinstance(options.get(name, False), bool):
                    raise RequestError(MALFORMED)
        except RequestError as error:
            self.refuse(message, error.text)
            return None
        return subscription, account_id

    def _subscribe(self, message: dict[str, Any]) -> None:
        checked = self._checked(message)
        if checked is None:
            return
        subscription, account_id = checked
        name, options = subscription.name, subscription.options or {}
        rejection = self.faults.take_subscribe_rejection()
        if rejection is not None or name in self.streams:
            self.refuse(message, rejection or ALREADY_SUBSCRIBED)
            return
        args = (self.engine, self.writer, self.faults, account_id, self.push)
        stream: PrivateStream
        echo = dict(subscription.echo)
        if name == "openOrders":
            ratecounter = options.get("ratecounter", False)
            stream = OpenOrdersStream(*args, ratecounter=ratecounter)
            if ratecounter:
                echo = {"maxratecount": self.engine.max_rate_count(account_id), **echo}
        else:
            stream = OwnTradesStream(
                *args,
                snapshot=options.get("snapshot", True),
                consolidate_taker=options.get("consolidate_taker", True),
            )
        self.status(message, "subscribed", channel_name=name, subscription=echo)
        stream.start()
        self.streams[name] = stream

    def _unsubscribe(self, message: dict[str, Any]) -> None:
        checked = self._checked(message)
        if checked is None:
            return
        subscription, _ = checked
        stream = self.streams.pop(subscription.name, None)
        if stream is None:
            self.refuse(message, NOT_FOUND)
            return
        stream.leave()
        self.status(
            message, "unsubscribed", channel_name=subscription.name, subscription=subscription.echo
        )
