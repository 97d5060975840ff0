"""CoinEx authentication, sans-I/O: credentials that never leak, and the signatures
(computed in :mod:`spotstream.protocol.coinex.sign`, re-exported here): socket API v2
``server.sign`` and the REST v2 headers (:func:`rest_headers`).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from spotstream.auth.errors import InvalidCredentialsError
from spotstream.protocol.coinex.sign import rest_signature, signature_matches, ws_signature

__all__ = [
    "CoinExCredentials",
    "rest_headers",
    "rest_signature",
    "signature_matches",
    "ws_signature",
]

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
