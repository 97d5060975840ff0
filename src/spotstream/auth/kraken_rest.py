"""Kraken's REST calls a websocket client needs, over HTTP/1.1 with the standard library only:
the WebSocket token (``POST /0/private/GetWebSocketsToken``) and the pairs' precisions
(``GET /0/public/AssetPairs``, which WebSocket v1 books need: v1 has no instrument channel).

One request per connection over :mod:`spotstream.auth.http` (http:// for tests and the
simulator, https://); both calls share its round trip and typed failures.
Credentials never reach logs or exception messages.
"""

from __future__ import annotations

import logging

from spotstream.auth.http import Origin, encode_request, exchange, parse_base_url
from spotstream.auth.kraken import (
    TOKEN_METHOD,
    Credentials,
    NonceSource,
    Token,
    build_token_request,
    parse_token_response,
)
from spotstream.models.market import Instrument
from spotstream.protocol.kraken import asset_pairs

logger = logging.getLogger(__name__)

_DEFAULT_NONCES = NonceSource()
"""Shared by every call without an explicit source, so back-to-back calls never reuse a nonce."""

_MAX_BODY = 1 << 20
_MAX_PAIRS_BODY = 1 << 24  # every pair's entry with its fee tables: a few MB


async def get_websockets_token(
    credentials: Credentials,
    *,
    base_url: str = "https://api.kraken.com",
    nonce_source: NonceSource | None = None,
    timeout: float = 10.0,
) -> Token:
    """POST ``/0/private/GetWebSocketsToken`` and return the token.

    Raises :class:`~spotstream.auth.errors.AuthenticationError` when Kraken refuses (its
    class also says why, e.g. :class:`~spotstream.errors.PermissionDeniedError` for a key
    without the WebSocket permission),
    :class:`ConnectionClosedError` when the connection fails or drops, :class:`ProtocolError`
    for a malformed HTTP response, :class:`RequestTimeoutError` after ``timeout`` seconds
    (covering connect, send and receive) and :class:`InvalidRequestError` for a bad ``base_url``.
    """
    origin = _parse_base_url(base_url)
    nonce = (nonce_source or _DEFAULT_NONCES).next()
    path, headers, body = build_token_request(credentials, nonce)
    logger.debug("requesting a WebSocket token from %s", origin.authority)
    request = encode_request(origin, "POST", path, headers, body)
    status, response = await exchange(origin, request, timeout, TOKEN_METHOD, _MAX_BODY)
    return parse_token_response(status, response)


async def get_asset_pairs(
    *, base_url: str = "https://api.kraken.com", timeout: float = 10.0
) -> list[Instrument]:
    """GET ``/0/public/AssetPairs``: every pair on the websockets, as instruments
    (:func:`~spotstream.protocol.kraken.asset_pairs.parse_asset_pairs` says how).

    Raises Kraken's typed refusal (a :class:`~spotstream.errors.RequestError`) when it
    answers with errors or another HTTP status than 200, :class:`~spotstream.errors.DecodeError`
    for a body that is not the expected JSON, and the token call's transport errors:
    :class:`ConnectionClosedError`, :class:`ProtocolError`, :class:`RequestTimeoutError`
    after ``timeout`` seconds, :class:`InvalidRequestError` for a bad ``base_url``.
    """
    origin = _parse_base_url(base_url)
    logger.debug("requesting AssetPairs from %s", origin.authority)
    request = encode_request(origin, "GET", asset_pairs.PATH, {}, b"")
    status, response = await exchange(origin, request, timeout, asset_pairs.METHOD, _MAX_PAIRS_BODY)
    return asset_pairs.parse_asset_pairs(response, status)


def _parse_base_url(base_url: str) -> Origin:
    """Kraken's REST is served at the root: ``http(s)://host[:port]``, no path."""
    return parse_base_url(base_url)
