"""CoinEx's error codes, mapped to spotstream's typed refusals (sans-I/O).

CoinEx answers every request with a numeric ``code`` (0 is success) and a ``message`` whose
wording differs between sources ("invalid parameters" / "invalid argument"): the class is
chosen by the code alone (:data:`CODES`), never by the text, and the error keeps both.

Socket API v2 codes (spec A2): 20001 invalid argument, 20002 method not found, 21001 a
private request before ``server.sign``, 21002 authentication failed, 23001 request timeout,
23002 too many requests, 24001 internal error, 24002 service unavailable; the futures
endpoint's 3xxxx twins map the same. Codes HTTP-style servers add (3008 busy, 4001
unavailable) are retryable. REST v2's trading codes: 3109 balance not enough, 3127 below the
minimum, 3600 order not found, 3621 / 3622 a FOK or maker-only order cancelled, 4004
parameter error, 4005 / 4006 bad key or signature, 4213 too frequent. A code no entry knows
is raised as the *what* class alone. Socket API v1 (spec B2, viabtc's access server): 1 invalid
argument, 2 internal error, 3 service unavailable, 4 method not found, 5 service timeout,
6 require authentication, 11 a refused ``server.sign``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from spotstream.errors import (
    AuthenticationError,
    ExchangeError,
    InsufficientFundsError,
    InvalidArgumentsError,
    InvalidOrderError,
    OrderNotFoundError,
    RateLimitError,
    RequestError,
    ServiceUnavailableError,
    SubscriptionError,
    refusal_class,
)

Why = type[ExchangeError]

CODES: Final[Mapping[int, Why]] = {
    20001: InvalidArgumentsError,
    20002: InvalidArgumentsError,  # method not found
    21001: AuthenticationError,  # "require auth": sign first
    21002: AuthenticationError,  # signature incorrect
    23001: ServiceUnavailableError,  # request timeout (the server's)
    23002: RateLimitError,
    24001: ServiceUnavailableError,  # internal error
    24002: ServiceUnavailableError,
    30001: InvalidArgumentsError,
    30002: InvalidArgumentsError,
    31001: AuthenticationError,
    31002: AuthenticationError,
    33001: ServiceUnavailableError,
    33002: RateLimitError,
    34001: ServiceUnavailableError,
    34002: ServiceUnavailableError,
    3008: ServiceUnavailableError,  # service too busy
    4001: ServiceUnavailableError,
    # socket API v1
    1: InvalidArgumentsError,
    2: ServiceUnavailableError,  # internal error
    3: ServiceUnavailableError,
    4: InvalidArgumentsError,  # method not found
    5: ServiceUnavailableError,  # service timeout
    6: AuthenticationError,  # require authentication (sign first)
    11: AuthenticationError,  # a refused server.sign (viabtc's aw_sign; the simulator's too)
    # REST v2 (trading)
    3109: InsufficientFundsError,  # balance not enough
    3127: InvalidOrderError,  # below the minimum amount
    3600: OrderNotFoundError,
    3621: InvalidOrderError,  # a FOK order that cannot be filled whole (cancelled)
    3622: InvalidOrderError,  # a maker-only order that would take (cancelled)
    4004: InvalidArgumentsError,  # parameter error
    4005: AuthenticationError,  # abnormal access_id
    4006: AuthenticationError,  # signature verification failed
    4213: RateLimitError,  # too frequent
}
"""CoinEx code -> the reason class of the refusal."""


def coinex_refusal(
    code: int,
    message: str,
    what: Why = RequestError,
    *,
    method: str = "",
    req_id: int | None = None,
    symbol: str | None = None,
) -> ExchangeError:
    """The typed error of a refusal with ``code`` and ``message`` (kept as ``text``): a
    subclass of ``what`` (e.g. :class:`SubscriptionError`) and of the code's reason class."""
    why = CODES.get(code)
    cls = refusal_class(why, what) if why is not None else what
    return cls(message, method=method, req_id=req_id, symbol=symbol, code=code)


def refused_what(method: str) -> Why:
    """The *what* class of a refusal of ``method`` (``depth.subscribe`` ...)."""
    if method.endswith((".subscribe", ".unsubscribe")):
        return SubscriptionError
    if method == "server.sign":
        return AuthenticationError
    return RequestError
