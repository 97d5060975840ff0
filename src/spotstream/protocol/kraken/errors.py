"""Kraken's error texts, mapped to spotstream's typed refusals (sans-I/O).

Kraken sends one text per error: most are ``<category>:<message>[:<detail>]``
(``EOrder:Insufficient funds``), a few subscription errors are plain English
(``Currency pair not supported XBT/USD``). The reason class is found by, in order:

1. the exact text (:data:`EXACT`);
2. the longest known prefix, for texts with a variable tail: a symbol, a timestamp, an
   internal code, a field name (:data:`PREFIXES`);
3. a pattern, for texts with a variable head (:data:`PATTERNS`);
4. the category, Kraken's prefix before the first ``:`` (:data:`CATEGORIES`).

A text none of them knows is raised as the *what* class alone (:class:`RequestError`,
:class:`SubscriptionError` or :class:`AuthenticationError`), with its text and category.
Every place that turns a Kraken answer into an exception goes through :func:`kraken_refusal`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from spotstream.errors import (
    AuthenticationError,
    ExchangeError,
    InsufficientFundsError,
    InvalidArgumentsError,
    InvalidOrderError,
    MarginError,
    OrderNotFoundError,
    OrdersLimitError,
    PermissionDeniedError,
    RateLimitError,
    RequestError,
    ServiceUnavailableError,
    SubscriptionError,
    SubscriptionNotFoundError,
    UnknownPairError,
    refusal_class,
)

Why = type[ExchangeError]


def _each(cls: Why, *texts: str) -> dict[str, Why]:
    return dict.fromkeys(texts, cls)


EXACT: Final[Mapping[str, Why]] = {
    **_each(
        AuthenticationError,
        "EAPI:Invalid key",
        "EAPI:Invalid signature",
        "EAPI:Invalid nonce",
        "EAPI:Invalid token",
        "ESession:Invalid session",
        "Token(s) not found",  # a private request without a token (captured)
    ),
    **_each(
        PermissionDeniedError,
        "EGeneral:Permission denied",
        "EAPI:Permission denied",
        "EAccount:Invalid permissions",
        "EAuth:Account temporary disabled",
        "EAuth:Account unconfirmed",
    ),
    **_each(
        InvalidArgumentsError,
        "ETrade:Invalid request",
        "EGeneral:Unknown method",
        "Subscription name invalid",
        "Unsupported event",
        # Kraken v1's subscription errors (spec v1 §3)
        "Malformed request",
        "Event(s) not found",
        "Public channels not available in this endpoint",
        "Pair field must be an array",
        "Pair field unsupported for this subscription type",
        "Subscription field must be an object",
        "Subscription object unsupported field",
        "Subscription depth not supported",
        "Subscription book depth must be an integer",
        "Subscription book doesn't require interval",
        "Subscription spread doesn't require depth",
        "Subscription ohlc interval must be an integer",
        "Subscription ohlc interval not supported",
        "Subscription ohlc requires interval",
    ),
    **_each(
        RateLimitError,
        "EGeneral:Temporary lockout",
        "EGeneral:Too many requests",
        "EAPI:Rate limit exceeded",
        "EOrder:Rate limit exceeded",
        "EOrder:Domain rate limit exceeded",
        "Exceeded msg rate",  # Kraken v1 (reported by users)
        "EAuth:Rate limit exceeded",
        "EAuth:Too many requests",
    ),
    **_each(
        ServiceUnavailableError,
        "EService:Unavailable",
        "EService:Busy",
        "EService:Market in cancel_only mode",
        "EService:Market in post_only mode",
        "EService:Market in limit_only mode",
        "EService:Deadline elapsed",
    ),
    **_each(
        UnknownPairError,
        "Symbol(s) not found",  # e.g. a subscribe to "status"
        "Pair(s) not found",  # Kraken v1
        "EQuery:Unknown asset pair",
        "EQuery:Unknown asset",
    ),
    "Subscription Not Found": SubscriptionNotFoundError,
    "EOrder:Insufficient funds": InsufficientFundsError,
    "EOrder:Unknown order": OrderNotFoundError,
    **_each(
        OrdersLimitError,
        "EOrder:Orders limit exceeded",
        "EOrder:Scheduled orders limit exceeded",
    ),
    **_each(
        MarginError,
        "EOrder:Cannot open position",
        "EOrder:Cannot open opposing position",
        "EOrder:Margin allowance exceeded",
        "EOrder:Margin level too low",
        "EOrder:Margin position size exceeded",
        "EOrder:Insufficient margin",
        "EOrder:Positions limit exceeded",
        "EOrder:Unknown position",
    ),
    **_each(
        InvalidOrderError,
        "EOrder:Order minimum not met",
        "EOrder:Cost minimum not met",
        "EOrder:Tick size check failed",
        "EOrder:Invalid price",
        "EOrder:Invalid order",  # also sent for some gone ids: OrderNotFoundError is a subclass
        "EOrder:Post only order",
        "EOrder:Duplicate cl_ord_id",
    ),
}
"""Kraken's texts, exactly as sent, to the reason class."""

PREFIXES: Final[Mapping[str, Why]] = {
    "Currency pair not supported": UnknownPairError,  # + " <symbol>"
    "Currency pair not in ISO 4217-A3 format": UnknownPairError,  # + " <pair>" (v1)
    "Unsupported field": InvalidArgumentsError,  # + ": '<name>' for the given msg type: ..."
    "EGeneral:Invalid arguments": InvalidArgumentsError,  # + ":Index unavailable", ...
    "EGeneral:Internal error": ServiceUnavailableError,  # + ":<code>"
    "EService:Throttled": RateLimitError,  # + ": <timestamp>"
    "EOrder:Reduce only": MarginError,  # + ":Non-PC", ":No position exists", ...
}
"""Texts with a variable tail: the part before it (followed by ``:`` or a space, or alone)."""

PATTERNS: Final[tuple[tuple[re.Pattern[str], Why], ...]] = (
    (re.compile(r"\w+ field must be a \w+"), InvalidArgumentsError),  # "Limit_price field ..."
)
"""Texts with a variable head (matched from the start of the text)."""

CATEGORIES: Final[Mapping[str, Why]] = {
    "EOrder": InvalidOrderError,
    "EService": ServiceUnavailableError,
    "ESession": AuthenticationError,
    "EAuth": AuthenticationError,
}
"""The fallback for a text not known above, by its category."""

_CATEGORY = re.compile(r"E[A-Z][A-Za-z]*(?=:)")
_BY_LENGTH = sorted(PREFIXES, key=len, reverse=True)
_SUBSCRIPTION_METHODS = ("subscribe", "unsubscribe")


def category(text: str) -> str | None:
    """Kraken's category of ``text`` (``"EOrder"`` for ``EOrder:Insufficient funds``), if any."""
    match = _CATEGORY.match(text)
    return match.group() if match else None


def reason(text: str) -> Why | None:
    """The reason class for one Kraken text, or None when the table does not know it."""
    known = EXACT.get(text)
    if known is not None:
        return known
    for prefix in _BY_LENGTH:
        if text.startswith(prefix) and text[len(prefix) : len(prefix) + 1] in ("", ":", " "):
            return PREFIXES[prefix]
    for pattern, cls in PATTERNS:
        if pattern.match(text):
            return cls
    found = category(text)
    return CATEGORIES.get(found) if found else None


def refused_what(method: str) -> Why:
    """What was refused, by the websocket method: a subscription or another request."""
    return SubscriptionError if method in _SUBSCRIPTION_METHODS else RequestError


def kraken_refusal(texts: str | Sequence[str], what: Why, **where: Any) -> ExchangeError:
    """The exception for Kraken refusing a request of kind ``what`` with ``texts``.

    ``texts`` is the websocket's one ``error`` string, or the REST envelope's array (joined
    with ``"; "``, classified by its first known entry). ``where`` goes to the exception
    (``method``, ``req_id``, ``symbol``; ``status``/``errors`` for the REST token request).
    """
    each = [texts] if isinstance(texts, str) else list(texts)
    why = next((cls for cls in map(reason, each) if cls is not None), None)
    cls = what if why is None else refusal_class(why, what)
    first = each[0] if each else ""
    return cls("; ".join(each), category=category(first), **where)
