"""Kraken REST authentication, sans-I/O (see Kraken's REST authentication reference).

Signs requests (``API-Sign``), holds credentials without leaking them, issues strictly
increasing nonces and builds/parses the ``GetWebSocketsToken`` exchange. No sockets here:
:mod:`spotstream.auth.kraken_rest` performs the request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlencode

import msgspec

from spotstream.auth.errors import AuthenticationError, InvalidCredentialsError
from spotstream.errors import DecodeError
from spotstream.protocol.kraken.errors import kraken_refusal

TOKEN_PATH = "/0/private/GetWebSocketsToken"
"""URI path of the token endpoint; it is also the path that is signed."""

TOKEN_METHOD = "GetWebSocketsToken"
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded; charset=utf-8"
_MAX_NONCE = 2**64 - 1


def sign(uri_path: str, nonce: str, post_data: str, secret_b64: str) -> str:
    """Return Kraken's ``API-Sign`` for one request.

    ``base64(HMAC-SHA512(key=b64decode(secret), msg=path + SHA256(nonce + post_data)))``.

    ``post_data`` must be exactly the body sent (form or JSON text); ``nonce`` the same
    decimal value it contains. Raises :class:`InvalidCredentialsError` for a bad secret.
    """
    digest = hashlib.sha256((nonce + post_data).encode()).digest()
    mac = hmac.new(_decode_secret(secret_b64), uri_path.encode() + digest, hashlib.sha512)
    return base64.b64encode(mac.digest()).decode("ascii")


def _decode_secret(secret_b64: str) -> bytes:
    """Strictly decode a base64 secret; the error message never contains the secret."""
    try:
        key = base64.b64decode(secret_b64, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidCredentialsError("API secret is not valid base64") from None
    if not key:
        raise InvalidCredentialsError("API secret is empty")
    return key


@dataclass(frozen=True, repr=False)
class Credentials:
    """A Kraken API key and its base64 secret, validated on construction.

    ``repr``/``str`` show at most the key's first 4 characters and never the secret.
    Raises :class:`InvalidCredentialsError` (a ``ValueError``) when either is malformed.
    """

    api_key: str
    api_secret: str

    def __post_init__(self) -> None:
        key = self.api_key
        if not key or not key.isascii() or not key.isprintable() or key != key.strip():
            raise InvalidCredentialsError("API key must be non-empty printable ASCII")
        _decode_secret(self.api_secret)

    @classmethod
    def from_env(
        cls, prefix: str = "KRAKEN", environ: Mapping[str, str] | None = None
    ) -> Credentials:
        """Read ``{prefix}_API_KEY`` and ``{prefix}_API_SECRET`` (default: ``os.environ``)."""
        env = os.environ if environ is None else environ
        names = (f"{prefix}_API_KEY", f"{prefix}_API_SECRET")
        missing = [name for name in names if not env.get(name)]
        if missing:
            raise InvalidCredentialsError(f"environment variable(s) not set: {', '.join(missing)}")
        return cls(api_key=env[names[0]], api_secret=env[names[1]])

    def __repr__(self) -> str:
        shown = f"'{self.api_key[:4]}…'" if len(self.api_key) > 8 else "'…'"
        return f"Credentials(api_key={shown}, api_secret=<redacted>)"


class NonceSource:
    """Strictly increasing nonces based on Unix milliseconds; safe to share between threads.

    Each nonce is ``max(clock(), previous + 1)``, so it never repeats, even for two calls in
    the same millisecond or when the clock steps back. ``clock`` returns Unix time in ms.
    Use one source per API key (Kraken checks nonces per key).
    """

    def __init__(self, clock: Callable[[], int] | None = None) -> None:
        self._clock = clock or _unix_ms
        self._last = 0
        self._lock = threading.Lock()

    def next(self) -> int:
        """Return a nonce greater than every nonce returned before."""
        with self._lock:
            self._last = max(self._clock(), self._last + 1)
            return self._last


def _unix_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True, repr=False)
class Token:
    """A WebSocket session token; ``expires`` is seconds until it lapses if unused.

    ``repr``/``str`` never show the token.
    """

    token: str
    expires: int

    def __repr__(self) -> str:
        return f"Token(token=<redacted>, expires={self.expires})"


def build_token_request(credentials: Credentials, nonce: int) -> tuple[str, dict[str, str], bytes]:
    """Return ``(path, headers, body)`` for a signed form-encoded ``GetWebSocketsToken`` POST.

    ``headers`` holds ``API-Key``, ``API-Sign`` and ``Content-Type``; the transport adds
    ``Host``, ``Content-Length`` and ``Connection``. ``nonce`` must be a positive uint64.
    """
    if isinstance(nonce, bool) or not isinstance(nonce, int) or not 0 < nonce <= _MAX_NONCE:
        raise ValueError("nonce must be an integer in 1..2**64-1")
    body = urlencode({"nonce": nonce})
    headers = {
        "API-Key": credentials.api_key,
        "API-Sign": sign(TOKEN_PATH, str(nonce), body, credentials.api_secret),
        "Content-Type": FORM_CONTENT_TYPE,
    }
    return TOKEN_PATH, headers, body.encode("ascii")


class _Envelope(msgspec.Struct):
    error: list[str] = []
    result: msgspec.Raw = msgspec.Raw(b"null")


class _TokenResult(msgspec.Struct):
    token: str
    expires: int


_decode_envelope = msgspec.json.Decoder(_Envelope).decode
_decode_result = msgspec.json.Decoder(_TokenResult).decode


def parse_token_response(status: int, body: bytes) -> Token:
    """Turn a ``GetWebSocketsToken`` HTTP response into a :class:`Token`.

    Raises :class:`AuthenticationError` with Kraken's own text when ``error`` is non-empty
    (any status; its class also says why, from :mod:`spotstream.protocol.kraken.errors`:
    ``EAPI:Rate limit exceeded`` is also a :class:`~spotstream.errors.RateLimitError`) or when
    the status is not 200, and :class:`DecodeError` when a 200 body is not the expected JSON.
    Error messages never include the token.
    """
    try:
        envelope = _decode_envelope(body)
    except msgspec.DecodeError:
        if status != 200:
            raise _http_error(status, body) from None
        raise DecodeError(f"{TOKEN_METHOD}: response is not the expected JSON") from None
    if envelope.error:
        raise kraken_refusal(
            envelope.error,
            AuthenticationError,
            method=TOKEN_METHOD,
            status=status,
            errors=tuple(envelope.error),
        )
    if status != 200:
        raise _http_error(status, b"")
    return _token_from(envelope.result)


def _token_from(raw: msgspec.Raw) -> Token:
    try:
        result = _decode_result(raw)
    except msgspec.DecodeError as exc:  # msgspec messages name the field, never its value
        raise DecodeError(f"{TOKEN_METHOD}: unexpected result ({exc})") from None
    if not result.token or result.expires < 0:
        raise DecodeError(f"{TOKEN_METHOD}: empty token or negative expiry")
    return Token(token=result.token, expires=result.expires)


def _http_error(status: int, body: bytes) -> AuthenticationError:
    """An error for a non-200 response without Kraken errors, quoting a gateway page's start."""
    shown = b"" if b"token" in body else body[:200]
    excerpt = " ".join(shown.decode("utf-8", "replace").split())
    text = f"HTTP {status}" + (f": {excerpt}" if excerpt else "")
    return AuthenticationError(text, method=TOKEN_METHOD, status=status)
