"""Reading Kraken v1 requests the way Kraken does, with its words for what is wrong (spec §3).

A request is a JSON object with an ``event``. Subscriptions are checked in this order, each
failure answered with Kraken's text (the spec's list; choices where it is silent):

1. ``reqid`` that is not an integer, or a message that is not a JSON object:
   ``Malformed request`` (UNCONFIRMED for the first);
2. ``pair`` that is not an array: ``Pair field must be an array`` (one answer, no pair);
   a public channel without pairs, or with an empty array: ``Pair(s) not found``; a private
   channel with one: ``Pair field unsupported for this subscription type``;
3. the ``subscription`` object: absent or not an object, ``Subscription field must be an
   object``; a key Kraken does not document, ``Subscription object unsupported field``; no
   known ``name``, ``Subscription name invalid``; a channel of the other endpoint,
   ``Private data and trading are unavailable on this endpoint. Try ws-auth.kraken.com``
   (captured) or ``Public channels not available in this endpoint``; ``depth`` /
   ``interval`` where they mean nothing, ``Subscription <name> doesn't require depth``
   (and ``interval``); a depth or interval that is not an integer or not served, Kraken's
   texts for each. These are answered once per pair when pairs were given (the spec's
   example carries the pair), else once;
4. each pair: not ``BASE/QUOTE`` in capitals and digits, ``Currency pair not in ISO 4217-A3
   format <pair>``; not a ``wsname`` of ``AssetPairs``, ``Currency pair not supported
   <pair>``. v2 spellings (``BTC/USD``) are not wsnames, so v1 refuses them as Kraken does.

``ohlc`` without ``interval`` gets 1 minute, ``book`` without ``depth`` 10 (as documented).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import msgspec

from spotstream.protocol.kraken.channels import BOOK_DEPTHS, OHLC_INTERVALS

MALFORMED = "Malformed request"
UNKNOWN_EVENT = "Event(s) not found"
PAIR_NOT_ARRAY = "Pair field must be an array"
PAIRS_NOT_FOUND = "Pair(s) not found"
PAIR_UNSUPPORTED = "Pair field unsupported for this subscription type"
SUBSCRIPTION_NOT_OBJECT = "Subscription field must be an object"
UNSUPPORTED_FIELD = "Subscription object unsupported field"
NAME_INVALID = "Subscription name invalid"
PRIVATE_UNAVAILABLE = (
    "Private data and trading are unavailable on this endpoint. Try ws-auth.kraken.com"
)
PUBLIC_UNAVAILABLE = "Public channels not available in this endpoint"
DEPTH_NOT_INTEGER = "Subscription book depth must be an integer"
DEPTH_NOT_SUPPORTED = "Subscription depth not supported"
INTERVAL_NOT_INTEGER = "Subscription ohlc interval must be an integer"
INTERVAL_NOT_SUPPORTED = "Subscription ohlc interval not supported"
ALREADY_SUBSCRIBED = "Already subscribed"
NOT_FOUND = "Subscription Not Found"

PUBLIC_CHANNELS = frozenset({"book", "ticker", "ohlc", "trade", "spread"})
PRIVATE_CHANNELS = frozenset({"ownTrades", "openOrders"})
SUBSCRIPTION_FIELDS = frozenset(
    {
        "name",
        "depth",
        "interval",
        "snapshot",
        "token",
        "ratecounter",
        "consolidate_taker",
        "rebased",
    }
)
_PAIR = re.compile(r"[A-Z0-9]+/[A-Z0-9]+")
_DECODER = msgspec.json.Decoder(float_hook=Decimal)


class RequestError(Exception):
    """A request Kraken refuses; ``text`` is its ``errorMessage``."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def parse(payload: bytes | str) -> dict[str, Any]:
    """The request as plain JSON values (numbers exact), or :class:`RequestError`."""
    try:
        message = _DECODER.decode(payload)
    except msgspec.DecodeError:
        raise RequestError(MALFORMED) from None
    if not isinstance(message, dict):
        raise RequestError(MALFORMED)
    return message


def reqid_of(message: dict[str, Any]) -> int | None:
    """The request's ``reqid`` (echoed in every answer), or ``None``."""
    reqid = message.get("reqid")
    return reqid if isinstance(reqid, int) and not isinstance(reqid, bool) else None


def check_reqid(message: dict[str, Any]) -> None:
    if "reqid" in message and reqid_of(message) is None:
        raise RequestError(MALFORMED)


@dataclass(frozen=True, slots=True)
class Subscription:
    """A checked ``subscription`` object: what it names and the options that matter."""

    name: str
    echo: dict[str, Any]  # what answers echo: the keying options, keys in Kraken's order
    depth: int | None = None
    interval: int | None = None
    options: dict[str, Any] | None = None  # the object as sent (private channels' options)

    @property
    def channel_name(self) -> str:
        if self.name == "book":
            return f"book-{self.depth}"
        if self.name == "ohlc":
            return f"ohlc-{self.interval}"
        return self.name


def read_pairs(message: dict[str, Any], private: bool) -> list[str] | None:
    """The request's pairs in order, duplicates dropped, anything but a string as its text
    (refused as a pair after); ``None`` for a private channel."""
    if "pair" not in message:
        if private:
            return None
        raise RequestError(PAIRS_NOT_FOUND)
    pairs = message["pair"]
    if not isinstance(pairs, list):
        raise RequestError(PAIR_NOT_ARRAY)
    if private:
        raise RequestError(PAIR_UNSUPPORTED)
    if not pairs:
        raise RequestError(PAIRS_NOT_FOUND)
    return list(dict.fromkeys(pair if isinstance(pair, str) else str(pair) for pair in pairs))


def channel_of(message: dict[str, Any]) -> str | None:
    """The channel a request names, if it names a known one (to tell the endpoints apart)."""
    subscription = message.get("subscription")
    if not isinstance(subscription, dict):
        return None
    name = subscription.get("name")
    return name if name in PUBLIC_CHANNELS | PRIVATE_CHANNELS else None


def read_subscription(message: dict[str, Any], endpoint_private: bool) -> Subscription:
    """The checked subscription of a (un)subscribe request, or :class:`RequestError`."""
    subscription = message.get("subscription")
    if not isinstance(subscription, dict):
        raise RequestError(SUBSCRIPTION_NOT_OBJECT)
    if not subscription.keys() <= SUBSCRIPTION_FIELDS:
        raise RequestError(UNSUPPORTED_FIELD)
    name = subscription.get("name")
    if not isinstance(name, str) or name not in PUBLIC_CHANNELS | PRIVATE_CHANNELS:
        raise RequestError(NAME_INVALID)
    if name in PRIVATE_CHANNELS and not endpoint_private:
        raise RequestError(PRIVATE_UNAVAILABLE)
    if name in PUBLIC_CHANNELS and endpoint_private:
        raise RequestError(PUBLIC_UNAVAILABLE)
    if name != "book" and "depth" in subscription:
        raise RequestError(f"Subscription {name} doesn't require depth")
    if name != "ohlc" and "interval" in subscription:
        raise RequestError(f"Subscription {name} doesn't require interval")
    if name == "book":
        depth = _integer(subscription.get("depth", 10), DEPTH_NOT_INTEGER)
        if depth not in BOOK_DEPTHS:
            raise RequestError(DEPTH_NOT_SUPPORTED)
        return Subscription(name, {"depth": depth, "name": name}, depth=depth)
    if name == "ohlc":
        interval = _integer(subscription.get("interval", 1), INTERVAL_NOT_INTEGER)
        if interval not in OHLC_INTERVALS:
            raise RequestError(INTERVAL_NOT_SUPPORTED)
        return Subscription(name, {"interval": interval, "name": name}, interval=interval)
    return Subscription(name, {"name": name}, options=subscription)


def _integer(value: Any, text: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise RequestError(text)
    return value


def pair_error(pair: str, known: dict[str, str]) -> str | None:
    """Why ``pair`` is refused, if it is (``known``: v1 names -> market symbols)."""
    if not _PAIR.fullmatch(pair):
        return f"Currency pair not in ISO 4217-A3 format {pair}"
    if pair not in known:
        return f"Currency pair not supported {pair}"
    return None
