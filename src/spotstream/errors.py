"""One exception tree for everything spotstream raises.

::

    SpotstreamError
    ├── ProtocolError                 a frame we could not understand
    │   └── DecodeError               malformed JSON / wrong shape (carries the frame)
    ├── ExchangeError                 the exchange said no (carries its own text)
    │   ├── SubscriptionError         a subscribe/unsubscribe was rejected
    │   ├── RequestError              any other method was rejected
    │   └── AuthenticationError       an authenticated REST request was refused
    ├── InvalidCredentialsError       API credentials missing or malformed (also ValueError)
    ├── InvalidRequestError           rejected locally before anything was sent
    ├── UnknownSymbolError            no instrument data for a symbol (precision unknown)
    ├── ConnectionClosedError         the socket closed and the operation could not finish
    ├── RequestTimeoutError           no response within the deadline
    │   └── OutcomeUnknownError       ...for a request that may have taken effect
    └── ClientClosedError             the client was used after it was closed
"""

from __future__ import annotations


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


class ExchangeError(SpotstreamError):
    """The exchange rejected a request; ``error`` is its own text, verbatim."""

    def __init__(self, error: str, *, method: str = "", req_id: int | None = None) -> None:
        self.error = error
        self.method = method
        self.req_id = req_id
        where = f"{method} (req_id={req_id})" if method else "request"
        super().__init__(f"{where} rejected by the exchange: {error}")


class SubscriptionError(ExchangeError):
    """A subscribe or unsubscribe was rejected; ``symbol`` names the symbol, if any."""

    def __init__(
        self, error: str, *, method: str = "", req_id: int | None = None, symbol: str | None = None
    ) -> None:
        self.symbol = symbol
        super().__init__(error, method=method, req_id=req_id)
        if symbol:
            self.args = (f"{self.args[0]} [symbol {symbol}]",)


class RequestError(ExchangeError):
    """A non-subscription request was rejected."""


class AuthenticationError(ExchangeError):
    """An authenticated REST request was refused.

    ``error`` is the exchange's own text (several Kraken errors are joined with ``"; "``),
    ``errors`` the individual strings, ``status`` the HTTP status. Never carries credentials.
    """

    def __init__(
        self,
        error: str,
        *,
        method: str = "",
        req_id: int | None = None,
        status: int | None = None,
        errors: tuple[str, ...] = (),
    ) -> None:
        self.status = status
        self.errors = errors or (error,)
        super().__init__(error, method=method, req_id=req_id)


class InvalidCredentialsError(SpotstreamError, ValueError):
    """API credentials are missing or malformed; the message never echoes the secret."""


class InvalidRequestError(SpotstreamError, ValueError):
    """The request was invalid and was not sent."""


class UnknownSymbolError(SpotstreamError, KeyError):
    """No instrument data is known for this symbol."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown symbol"


class ConnectionClosedError(SpotstreamError):
    """The connection closed before the operation completed."""


class RequestTimeoutError(SpotstreamError, TimeoutError):
    """No response arrived within the deadline."""


class OutcomeUnknownError(RequestTimeoutError):
    """A request that may have taken effect timed out: reconcile before retrying."""


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
