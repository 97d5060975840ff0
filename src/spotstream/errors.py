"""One exception tree for everything spotstream raises.

::

    SpotstreamError
    ├── ProtocolError                    a frame or an answer we could not understand
    │   ├── DecodeError                  malformed JSON / wrong shape (carries the frame)
    │   │   └── FrameTooLargeError       a compressed frame inflates past its bound (CoinEx gzip)
    │   ├── PrecisionError               an amount its pair cannot hold (spotstream.book.units)
    │   ├── L3OrderError                 a level3 event the book cannot apply (spotstream.book.l3)
    │   ├── ChecksumMismatchError        a REST book snapshot whose checksum does not verify
    │   ├── BookFailedError              a local book whose snapshots kept failing: given up
    │   └── NoAcknowledgementError       a subscribe ended with no answer for one of its symbols
    ├── ExchangeError                    the venue said no (text, category, code, method ...)
    │   │   what was refused:
    │   ├── SubscriptionError            a subscribe or unsubscribe
    │   │   └── SubscriptionNotFoundError    an unsubscribe of what is not subscribed
    │   ├── RequestError                 any other websocket request (trading, ping)
    │   ├── AuthenticationError          the REST token request; or why: a token or key was refused
    │   │   why (the venue's table picks one from the venue's text):
    │   ├── PermissionDeniedError        the key or the account may not do this
    │   ├── InvalidArgumentsError        the request's fields or values were refused
    │   ├── UnknownPairError             the venue does not know the symbol (an UnknownSymbolError)
    │   ├── RateLimitError               throttled or locked out: wait before trying again
    │   ├── ServiceUnavailableError      engine unavailable, market restricted, internal error
    │   └── InvalidOrderError            the order breaks a trading rule (minimum, tick, price ...)
    │       ├── InsufficientFundsError   not enough balance for the order
    │       ├── OrderNotFoundError       no such open order (unknown or already closed)
    │       ├── OrdersLimitError         too many open (or scheduled) orders
    │       └── MarginError              a margin or reduce-only rule
    ├── InvalidCredentialsError          API credentials missing or malformed (also ValueError)
    │   └── KrakenAuthenticationError    no credentials for a private call (compat.kraken_sdk)
    ├── InvalidRequestError              rejected locally before anything was sent (also ValueError)
    │   └── UnsupportedFeatureError      the venue or its API version has no such feature
    ├── UnknownSymbolError               unknown symbol: no instrument data here (also KeyError)
    │   └── UnknownPairError             ...or the venue said so (an ExchangeError, above)
    ├── ConnectionClosedError            the socket closed and the operation could not finish
    │   ├── ConnectionRejectedError      the handshake got an HTTP error (401/403/404: final)
    │   └── EndpointRetiredError         a retired API version's endpoint did not answer
    ├── RequestTimeoutError              no usable answer within the deadline (also TimeoutError)
    │   └── OutcomeUnknownError          ...to a request that may have taken effect: reconcile
    │       ├── UnreadableResultError    the venue said success, its result could not be read
    │       └── UnexpectedAnswerError    the answer was of the wrong kind (e.g. a pong)
    │                                    (both also ProtocolError)
    └── ClientClosedError                the client was used after it was closed

A refusal is one class that says both *what* was refused and *why*: an ``add_order``
refused with ``EOrder:Insufficient funds`` raises an exception that is an
:class:`InsufficientFundsError` and a :class:`RequestError`, and whose class is named
``InsufficientFundsError`` (:func:`refusal_class` builds it once). A text the venue's table
does not know raises the *what* class alone. Match on types, never on text: ``text`` is kept
verbatim for logs and reports only.

Outside the tree: ``ValueError``/``TypeError`` for arguments that are wrong by type or range
(before any I/O), and what :mod:`spotstream.compat.kraken_sdk` raises to mimic
python-kraken-sdk (``TimeoutError``, ``ConnectionError``, ``AttributeError``, ``TypeError``).
"""

from __future__ import annotations

from typing import Any, TypeVar

E = TypeVar("E", bound="ExchangeError")


class SpotstreamError(Exception):
    """Base class of every error raised by spotstream."""


class ProtocolError(SpotstreamError):
    """The exchange sent something we could not interpret."""


class DecodeError(ProtocolError):
    """A frame could not be decoded; ``frame`` holds the offending bytes (truncated)."""

    def __init__(self, message: str, frame: bytes | str = b"") -> None:
        raw = frame.encode() if isinstance(frame, str) else frame
        self.frame = raw[:2000]
        super().__init__(message)


class ChecksumMismatchError(ProtocolError):
    """A book snapshot whose levels do not give the checksum the venue sent with them (a
    REST depth answer: a socket book resyncs instead). ``expected`` is the venue's value,
    ``computed`` ours, both unsigned 32-bit."""

    def __init__(self, message: str, *, symbol: str, expected: int, computed: int) -> None:
        self.symbol = symbol
        self.expected = expected
        self.computed = computed
        super().__init__(message)


class BookFailedError(ProtocolError):
    """A local book could not be brought back: ``failures`` snapshots in a row were wrong,
    missing or did not hold. The book's status is ``FAILED`` and its exchange subscription
    was released; open the book again to start afresh."""

    def __init__(self, message: str, *, symbol: str, failures: int) -> None:
        self.symbol = symbol
        self.failures = failures
        super().__init__(message)


class NoAcknowledgementError(ProtocolError):
    """Every answer to a subscribe arrived, and none of them was for this symbol.

    Made up locally (the venue sent no refusal), so it is not an :class:`ExchangeError`.
    """


# --- refusals by the venue -------------------------------------------------------------------


class ExchangeError(SpotstreamError):
    """The venue refused a request.

    ``text`` is exactly what the venue sent (``""`` if it sent none; ``error`` is the same,
    under its older name), ``category`` the venue's class of error where it has one (Kraken's
    prefix: ``"EOrder"``, ``"EGeneral"``, ``"EAPI"``, ``"ESession"`` ...), ``code`` the venue's
    numeric code where it has one (Kraken has none: ``None``). ``method``, ``req_id`` and
    ``symbol`` say which request (and which of its symbols) was refused.
    """

    def __init__(
        self,
        text: str,
        *,
        method: str = "",
        req_id: int | None = None,
        symbol: str | None = None,
        code: int | None = None,
        category: str | None = None,
    ) -> None:
        self.text = text
        self.method = method
        self.req_id = req_id
        self.symbol = symbol
        self.code = code
        self.category = category
        where = (method or "request") + (f" (req_id={req_id})" if req_id is not None else "")
        said = f": {text}" if text else " without an error text"
        message = f"{where} rejected by the exchange{said}"
        super().__init__(f"{message} [symbol {symbol}]" if symbol else message)

    @property
    def error(self) -> str:
        """The venue's text (the older name of :attr:`text`)."""
        return self.text

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments and combined classes: rebuild from the parts, then the state.
        return (_rebuild, (_parts(type(self)), self.args), self.__dict__)


class SubscriptionError(ExchangeError):
    """A subscribe or unsubscribe was refused; ``symbol`` names the symbol, if any."""


class SubscriptionNotFoundError(SubscriptionError):
    """An unsubscribe of a subscription the venue does not have."""


class RequestError(ExchangeError):
    """A websocket request other than a subscription was refused."""


class AuthenticationError(ExchangeError):
    """The REST token request was refused (for any reason: the class then also says why), or
    a request's token or API key was refused.

    ``text`` is the venue's own text (several Kraken errors are joined with ``"; "``),
    ``errors`` the individual strings, ``status`` the HTTP status. Never carries credentials.
    """

    def __init__(
        self,
        text: str,
        *,
        status: int | None = None,
        errors: tuple[str, ...] = (),
        **where: Any,
    ) -> None:
        self.status = status
        self.errors = errors or (text,)
        super().__init__(text, **where)


class PermissionDeniedError(ExchangeError):
    """The API key lacks a permission, or the account may not do this (disabled, unconfirmed)."""


class InvalidArgumentsError(ExchangeError):
    """The venue refused the request's fields or values (unknown field, bad value, bad method)."""


class RateLimitError(ExchangeError):
    """Throttled, over a rate counter or temporarily locked out: wait before trying again."""


class ServiceUnavailableError(ExchangeError):
    """The venue cannot serve the request now: unavailable, market in a restricted mode
    (cancel-only, post-only, limit-only), deadline elapsed, internal error."""


class InvalidOrderError(ExchangeError):
    """The order breaks one of the venue's trading rules (minimum size or cost, tick size,
    price, post-only, duplicate client id ...). Kraken also answers ``EOrder:Invalid order``
    for some orders that are gone: catch this class to cover :class:`OrderNotFoundError` too."""


class InsufficientFundsError(InvalidOrderError):
    """The balance does not cover the order."""


class OrderNotFoundError(InvalidOrderError):
    """No open order has this identifier (unknown, or already closed)."""


class OrdersLimitError(InvalidOrderError):
    """Too many open (or scheduled) orders: cancel some before placing more."""


class MarginError(InvalidOrderError):
    """A margin or reduce-only rule refused the order (positions, margin level, allowance)."""


# --- local errors -----------------------------------------------------------------------------


class InvalidCredentialsError(SpotstreamError, ValueError):
    """API credentials are missing or malformed; the message never echoes the secret."""


class InvalidRequestError(SpotstreamError, ValueError):
    """The request was invalid and was not sent."""


class UnsupportedFeatureError(InvalidRequestError):
    """The venue, or the API version the client speaks, has no such feature (e.g. level 3
    on Kraken WebSocket v1); nothing was sent. The message says where the feature is."""


class UnknownSymbolError(SpotstreamError, KeyError):
    """No instrument data is known for this symbol here; :class:`UnknownPairError` (a
    subclass) when the venue itself refused the symbol."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown symbol"


class UnknownPairError(ExchangeError, UnknownSymbolError):
    """The venue does not know (or does not offer) the symbol."""


class ConnectionClosedError(SpotstreamError):
    """The connection closed before the operation completed; ``close_code`` and
    ``close_reason`` are the server's close frame's, when it sent one."""

    def __init__(
        self, message: str = "", *, close_code: int | None = None, close_reason: str = ""
    ) -> None:
        self.close_code = close_code
        self.close_reason = close_reason
        super().__init__(message)


class EndpointRetiredError(ConnectionClosedError):
    """An endpoint of an API version the venue has retired did not answer: the message names
    the version to use instead. Not a reason to retry."""


class RequestTimeoutError(SpotstreamError, TimeoutError):
    """No usable answer arrived within the deadline."""


class OutcomeUnknownError(RequestTimeoutError):
    """A request that may have taken effect got no usable answer: reconcile before retrying.

    Raised for a timeout or a connection lost after sending, and as its subclasses below.
    """


class UnreadableResultError(OutcomeUnknownError, ProtocolError):
    """The venue answered success but its result could not be read: the order may exist."""


class UnexpectedAnswerError(OutcomeUnknownError, ProtocolError):
    """A request was answered by a message of the wrong kind (a pong, another method's
    answer, neither success nor error): what happened to it is unknown."""


class ClientClosedError(SpotstreamError):
    """The client is closed."""


class ConnectionRejectedError(ConnectionClosedError):
    """The server answered the websocket upgrade with an HTTP error instead of ``101``.

    ``status`` is the HTTP status, ``body`` the first 200 bytes of the answer's body, ``url``
    where it was. 401, 403 and 404 are final (dialling again cannot help): pending and new
    requests fail with this error at once, and the client dials again only when called
    again. Other statuses (5xx, 429, ...) are retried with backoff like network errors.
    """

    def __init__(self, url: str, status: int, body: bytes = b"") -> None:
        self.url = url
        self.status = status
        self.body = bytes(body[:200])
        detail = f": {self.body!r}" if self.body else ""
        super().__init__(f"{url}: the server refused the websocket upgrade: HTTP {status}{detail}")


# --- what x why -------------------------------------------------------------------------------

_COMBINED: dict[tuple[type[ExchangeError], type[ExchangeError]], type[ExchangeError]] = {}
_PARTS: dict[type[ExchangeError], tuple[type[ExchangeError], type[ExchangeError]]] = {}


def refusal_class(why: type[E], what: type[ExchangeError]) -> type[E]:
    """The class of a refusal of ``what`` (e.g. :class:`RequestError`) for reason ``why``
    (e.g. :class:`InsufficientFundsError`): a subclass of both, named like ``why``.

    Built once per pair; ``why`` itself when it already is a ``what``.
    """
    if issubclass(why, what):
        return why
    combined = _COMBINED.get((why, what))
    if combined is None:
        namespace = {"__module__": why.__module__, "__qualname__": why.__qualname__}
        built = type(why.__name__, (why, what), {**namespace, "__doc__": why.__doc__})
        _PARTS[built] = (why, what)
        combined = _COMBINED.setdefault((why, what), built)  # one class even across threads
    return combined  # type: ignore[return-value]  # a subclass of why, built above


def _parts(cls: type[ExchangeError]) -> tuple[type[ExchangeError], ...]:
    return _PARTS.get(cls, (cls,))


def _rebuild(parts: tuple[type[ExchangeError], ...], args: tuple[Any, ...]) -> ExchangeError:
    cls = refusal_class(parts[0], parts[1]) if len(parts) == 2 else parts[0]
    error = cls.__new__(cls)
    error.args = args
    return error
