"""Kraken WebSocket v1, public endpoint (``wss://ws.kraken.com``): one connection.

Subscribe and unsubscribe are answered with one ``subscriptionStatus`` per pair (``channelID``,
``channelName``, ``pair``, the ``reqid`` and the subscription's keying options echoed), refused
with Kraken's texts (:mod:`.requests`). After a ``subscribed`` come the channel's first
messages: the book snapshot (``as``/``bs``), the current ticker, spread and candle; ``trade``
has none (spec §4). The trading events on this endpoint are refused with Kraken's text for
private data here (UNCONFIRMED for events other than subscriptions), in their ``*Status``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spotstream.simulator.venues.kraken.v1 import frames
from spotstream.simulator.venues.kraken.v1.hub import Group, KrakenV1Hub, V1BookGroup
from spotstream.simulator.venues.kraken.v1.requests import (
    ALREADY_SUBSCRIBED,
    NOT_FOUND,
    PRIVATE_CHANNELS,
    PRIVATE_UNAVAILABLE,
    RequestError,
    Subscription,
    channel_of,
    pair_error,
    read_pairs,
    read_subscription,
    reqid_of,
)
from spotstream.simulator.venues.kraken.v1.session import V1Session

TRADING_EVENTS = ("addOrder", "editOrder", "cancelOrder", "cancelAll", "cancelAllOrdersAfter")

Key = tuple[str, str]  # (channel name, market symbol)


@dataclass(slots=True)
class _Stream:
    symbol: str
    group: Group | V1BookGroup


class SimKrakenV1PublicSession(V1Session):
    """One client connection to the public endpoint."""

    def __init__(self, hub: KrakenV1Hub, connection_id: int) -> None:
        super().__init__(connection_id)
        self.hub = hub
        self.streams: dict[Key, _Stream] = {}
        self.handlers["subscribe"] = self._subscribe
        self.handlers["unsubscribe"] = self._unsubscribe
        for event in TRADING_EVENTS:
            self.handlers[event] = self._trading

    def close(self) -> None:
        """Leave every stream (the connection is gone)."""
        for stream in self.streams.values():
            self.hub.leave(stream.symbol, stream.group, self)
        self.streams.clear()

    def _trading(self, message: dict[str, Any]) -> None:
        answer: dict[str, object] = {
            "errorMessage": PRIVATE_UNAVAILABLE,
            "event": f"{message['event']}Status",
        }
        reqid = reqid_of(message)
        if reqid is not None:
            answer["reqid"] = reqid
        answer["status"] = "error"
        self.send(frames.encode(answer))

    # --- subscriptions ------------------------------------------------------------------------

    def _checked(self, message: dict[str, Any]) -> tuple[Subscription, list[str]] | None:
        """The request's subscription and pairs, or ``None`` once the refusals are sent."""
        try:
            pairs = read_pairs(message, channel_of(message) in PRIVATE_CHANNELS)
        except RequestError as error:
            self.refuse(message, error.text)
            return None
        try:
            subscription = read_subscription(message, endpoint_private=False)
        except RequestError as error:
            for pair in pairs or (None,):
                self.refuse(message, error.text, pair)  # per pair when pairs were given
            return None
        assert pairs is not None  # a public channel always has pairs
        return subscription, pairs

    def _subscribe(self, message: dict[str, Any]) -> None:
        checked = self._checked(message)
        if checked is None:
            return
        subscription, pairs = checked
        rejection = self.hub.faults.take_subscribe_rejection()
        for pair in pairs:
            error = rejection or pair_error(pair, self.hub.symbols)
            key = (subscription.channel_name, self.hub.symbols.get(pair, ""))
            if error is None and key in self.streams:
                error = ALREADY_SUBSCRIBED
            if error is not None:
                self.refuse(message, error, pair)
            else:
                self._add(message, subscription, pair, key)

    def _add(
        self, message: dict[str, Any], subscription: Subscription, pair: str, key: Key
    ) -> None:
        hub, symbol = self.hub, key[1]
        group: Group | V1BookGroup
        if subscription.name == "book":
            assert subscription.depth is not None
            group = hub.book_group(symbol, subscription.depth)
        elif subscription.name == "ticker":
            group = hub.tickers.setdefault(symbol, {})
        elif subscription.name == "trade":
            group = hub.trades.setdefault(symbol, {})
        elif subscription.name == "spread":
            group = hub.spreads.setdefault(symbol, {})
        else:
            assert subscription.interval is not None
            group = hub.ohlc.setdefault((symbol, subscription.interval), {})
        self._ack(message, subscription, pair, symbol, "subscribed")
        first = self._first_message(subscription, symbol, group)
        if first is not None:
            self.send(first)
        hub.join(symbol, group, self)
        self.streams[key] = _Stream(symbol, group)

    def _first_message(
        self, subscription: Subscription, symbol: str, group: Group | V1BookGroup
    ) -> bytes | None:
        hub, now = self.hub, self.hub.clock()
        if isinstance(group, V1BookGroup):
            return hub.book_snapshot(group, now)
        if subscription.name == "ticker":
            return hub.ticker_frame(symbol)
        if subscription.name == "spread":
            return hub.spread_frame(symbol, now)
        if subscription.name == "ohlc":
            assert subscription.interval is not None
            return hub.ohlc_frame(symbol, subscription.interval)
        return None  # trade: no snapshot

    def _unsubscribe(self, message: dict[str, Any]) -> None:
        checked = self._checked(message)
        if checked is None:
            return
        subscription, pairs = checked
        for pair in pairs:
            error = pair_error(pair, self.hub.symbols)
            key = (subscription.channel_name, self.hub.symbols.get(pair, ""))
            stream = self.streams.pop(key, None) if error is None else None
            if stream is None:
                self.refuse(message, error or NOT_FOUND, pair)
                continue
            self.hub.leave(stream.symbol, stream.group, self)
            self._ack(message, subscription, pair, stream.symbol, "unsubscribed")

    def _ack(
        self,
        message: dict[str, Any],
        subscription: Subscription,
        pair: str,
        symbol: str,
        status: str,
    ) -> None:
        name = subscription.channel_name
        self.status(
            message,
            status,
            channel_id=self.hub.channel_id(name, symbol),
            channel_name=name,
            pair=pair,
            subscription=subscription.echo,
        )
