"""CoinEx authentication, sans-I/O: credentials that never leak, and the socket API v2
``server.sign`` signature.

``signed_str = hex(HMAC-SHA256(key=secret_key, msg=str(timestamp_ms)))``, lowercase, 64
characters (CoinEx compares hex case-insensitively; we send lowercase as its docs do).
REST v2 signs ``METHOD + request_path(+query) + body + timestamp_ms`` the same way
(:func:`rest_headers`).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from spotstream.auth.errors import InvalidCredentialsError

ACCESS_ID_ENV, SECRET_KEY_ENV = "COINEX_ACCESS_ID", "COINEX_SECRET_KEY"


def _printable(value: str) -> bool:
    return bool(value) and value.isascii() and value.isprintable() and value == value.strip()


@dataclass(frozen=True, repr=False)
class CoinExCredentials:
    """A CoinEx access id and its secret key, validated on construction.

    ``repr``/``str`` show at most the access id's first 4 characters and never the secret.
    Raises :class:`InvalidCredentialsError` (a ``ValueError``) when either is malformed.
    """

    access_id: str
    secret_key: str

    def __post_init__(self) -> None:
        if not _printable(self.access_id):
            raise InvalidCredentialsError("CoinEx access id must be non-empty printable ASCII")
        if not _printable(self.secret_key):
            raise InvalidCredentialsError("CoinEx secret key must be non-empty printable ASCII")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> CoinExCredentials:
        """Read ``COINEX_ACCESS_ID`` and ``COINEX_SECRET_KEY`` (default: ``os.environ``)."""
        env = os.environ if environ is None else environ
        missing = [name for name in (ACCESS_ID_ENV, SECRET_KEY_ENV) if not env.get(name)]
        if missing:
            raise InvalidCredentialsError(f"environment variable(s) not set: {', '.join(missing)}")
        return cls(env[ACCESS_ID_ENV], env[SECRET_KEY_ENV])

    def __repr__(self) -> str:
        shown = f"'{self.access_id[:4]}…'" if len(self.access_id) > 8 else "'…'"
        return f"CoinExCredentials(access_id={shown}, secret_key=<redacted>)"

    __str__ = __repr__


def ws_signature(secret_key: str, timestamp_ms: int) -> str:
    """The ``signed_str`` of a socket API v2 ``server.sign`` at ``timestamp_ms``."""
    if isinstance(timestamp_ms, bool) or not isinstance(timestamp_ms, int) or timestamp_ms < 0:
        raise InvalidCredentialsError("the signing timestamp must be a non-negative integer (ms)")
    message = str(timestamp_ms).encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def signature_matches(secret_key: str, timestamp_ms: int, signed: str) -> bool:
    """Whether ``signed`` is the signature of ``timestamp_ms``, hex in either case (what a
    server, such as the simulator, accepts), compared in constant time."""
    return hmac.compare_digest(ws_signature(secret_key, timestamp_ms), signed.lower())


def rest_signature(
    secret_key: str, method: str, request_path: str, body: bytes | str, timestamp_ms: int
) -> str:
    """``X-COINEX-SIGN`` of a REST v2 request: lowercase hex HMAC-SHA256 of ``METHOD`` +
    the path as CoinEx sees it (``/v2/...``, query string included) + the body + the
    timestamp in ms."""
    if isinstance(timestamp_ms, bool) or not isinstance(timestamp_ms, int) or timestamp_ms < 0:
        raise InvalidCredentialsError("the signing timestamp must be a non-negative integer (ms)")
    text = body.decode() if isinstance(body, bytes) else body
    message = f"{method.upper()}{request_path}{text}{timestamp_ms}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def rest_headers(
    credentials: CoinExCredentials,
    method: str,
    request_path: str,
    body: bytes | str,
    timestamp_ms: int,
) -> dict[str, str]:
    """The three headers that sign a REST v2 request (the key, the signature, the time)."""
    signed = rest_signature(credentials.secret_key, method, request_path, body, timestamp_ms)
    return {
        "X-COINEX-KEY": credentials.access_id,
        "X-COINEX-SIGN": signed,
        "X-COINEX-TIMESTAMP": str(timestamp_ms),
    }
