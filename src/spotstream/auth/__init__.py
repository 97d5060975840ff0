"""Request signing and session tokens for private WebSocket channels (Kraken GetWebSocketsToken),
and Kraken's public pair table (``AssetPairs``)."""

from spotstream.auth.errors import AuthenticationError, InvalidCredentialsError
from spotstream.auth.kraken import (
    Credentials,
    NonceSource,
    Token,
    build_token_request,
    parse_token_response,
    sign,
)
from spotstream.auth.kraken_rest import get_asset_pairs, get_websockets_token

__all__ = [
    "AuthenticationError",
    "Credentials",
    "InvalidCredentialsError",
    "NonceSource",
    "Token",
    "build_token_request",
    "get_asset_pairs",
    "get_websockets_token",
    "parse_token_response",
    "sign",
]
