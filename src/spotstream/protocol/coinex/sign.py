"""CoinEx signatures, pure (HMAC-SHA256, lowercase hex): what the protocol layer sends in
``server.sign`` and what REST v2 requests carry in ``X-COINEX-SIGN``.

- socket API v2: ``signed_str = hex(HMAC-SHA256(key=secret_key, msg=str(timestamp_ms)))``,
  64 characters (CoinEx compares hex case-insensitively; we send lowercase as its docs do);
- REST v2: the same over ``METHOD + request_path(+query) + body + timestamp_ms``;
- socket API v1 (spec B3): ``MD5("access_id=<id>&tonce=<ms>&secret_key=<secret>")`` as
  uppercase hex, 32 characters.
"""

from __future__ import annotations

import hashlib
import hmac

from spotstream.errors import InvalidCredentialsError


def ws_signature(secret_key: str, timestamp_ms: int) -> str:
    """The ``signed_str`` of a socket API v2 ``server.sign`` at ``timestamp_ms``."""
    _check_timestamp(timestamp_ms)
    message = str(timestamp_ms).encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def v1_signature(access_id: str, secret_key: str, tonce_ms: int) -> str:
    """The ``authorization`` of a socket API v1 ``server.sign`` at ``tonce_ms``."""
    _check_timestamp(tonce_ms)
    text = f"access_id={access_id}&tonce={tonce_ms}&secret_key={secret_key}"
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest().upper()


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
    _check_timestamp(timestamp_ms)
    text = body.decode() if isinstance(body, bytes) else body
    message = f"{method.upper()}{request_path}{text}{timestamp_ms}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()


def _check_timestamp(timestamp_ms: int) -> None:
    if isinstance(timestamp_ms, bool) or not isinstance(timestamp_ms, int) or timestamp_ms < 0:
        raise InvalidCredentialsError("the signing timestamp must be a non-negative integer (ms)")
