"""Building the GetWebSocketsToken request and parsing every form of its response."""

from __future__ import annotations

import pytest

from spotstream.auth import (
    AuthenticationError,
    Credentials,
    Token,
    build_token_request,
    parse_token_response,
    sign,
)
from spotstream.errors import DecodeError, ExchangeError

SECRET = "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
TOKEN_FORM_SIGN = (  # spec §4 vector 3
    "+mRDmY9Ks0Moc1zjv/BjfvYa98buO0x1yHChZR5onlfAzAUbfIYlLggUZzdQ0RsmXm4Sh+Q8iAIZdo2wSeHeiA=="
)
KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrSt"
TOKEN = "xeAQ/RCChBYNVh53sTv1yZ5H4wIbwDF20PiHtTF+4UI"
SUCCESS = b'{"error": [], "result": {"token": "' + TOKEN.encode() + b'", "expires": 900}}'


def test_build_token_request_is_exact() -> None:
    creds = Credentials(api_key=KEY, api_secret=SECRET)
    path, headers, body = build_token_request(creds, 1616492376594)
    assert path == "/0/private/GetWebSocketsToken"
    assert body == b"nonce=1616492376594"
    assert headers == {
        "API-Key": KEY,
        "API-Sign": TOKEN_FORM_SIGN,
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
    }


def test_build_token_request_signs_the_body_it_returns() -> None:
    creds = Credentials(api_key=KEY, api_secret=SECRET)
    path, headers, body = build_token_request(creds, 1700000000000)
    assert headers["API-Sign"] == sign(path, "1700000000000", body.decode(), SECRET)


@pytest.mark.parametrize("nonce", [0, -1, 2**64, True])
def test_build_token_request_rejects_bad_nonce(nonce: int) -> None:
    creds = Credentials(api_key=KEY, api_secret=SECRET)
    with pytest.raises(ValueError, match="nonce"):
        build_token_request(creds, nonce)


def test_parse_success() -> None:
    token = parse_token_response(200, SUCCESS)
    assert token == Token(token=TOKEN, expires=900)


def test_parse_success_ignores_unknown_fields() -> None:
    body = b'{"result": {"token": "t0k", "expires": 5, "extra": 1}, "error": [], "x": null}'
    assert parse_token_response(200, body) == Token(token="t0k", expires=5)


def test_token_repr_redacts() -> None:
    token = parse_token_response(200, SUCCESS)
    for text in (repr(token), str(token), repr([token])):
        assert TOKEN not in text
    assert repr(token) == "Token(token=<redacted>, expires=900)"


@pytest.mark.parametrize(
    "error",
    [
        "EAPI:Invalid key",
        "EAPI:Invalid signature",
        "EAPI:Invalid nonce",
        "EGeneral:Permission denied",
        "EGeneral:Temporary lockout",
        "EAPI:Rate limit exceeded",
        "EService:Unavailable",
    ],
)
def test_parse_kraken_error_carries_its_text(error: str) -> None:
    body = b'{"error": ["' + error.encode() + b'"], "result": {}}'
    with pytest.raises(AuthenticationError) as info:
        parse_token_response(200, body)
    exc = info.value
    assert isinstance(exc, ExchangeError)
    assert exc.error == error
    assert exc.errors == (error,)
    assert exc.method == "GetWebSocketsToken"
    assert exc.status == 200
    assert error in str(exc)


def test_parse_several_kraken_errors() -> None:
    body = b'{"error": ["EAPI:Invalid nonce", "EGeneral:Temporary lockout"]}'
    with pytest.raises(AuthenticationError) as info:
        parse_token_response(200, body)
    assert info.value.errors == ("EAPI:Invalid nonce", "EGeneral:Temporary lockout")
    assert info.value.error == "EAPI:Invalid nonce; EGeneral:Temporary lockout"


def test_parse_kraken_error_with_non_200_status() -> None:
    with pytest.raises(AuthenticationError) as info:
        parse_token_response(403, b'{"error":["EAPI:Invalid key"],"result":{}}')
    assert (info.value.error, info.value.status) == ("EAPI:Invalid key", 403)


def test_parse_non_200_gateway_page() -> None:
    page = b"<html>\r\n  <body>502 Bad Gateway</body>\n</html>"
    with pytest.raises(AuthenticationError) as info:
        parse_token_response(502, page)
    assert info.value.status == 502
    assert info.value.error == "HTTP 502: <html> <body>502 Bad Gateway</body> </html>"


def test_parse_non_200_empty_body() -> None:
    with pytest.raises(AuthenticationError, match=r"HTTP 503$"):
        parse_token_response(503, b"")


def test_parse_non_200_with_token_never_shows_it() -> None:
    with pytest.raises(AuthenticationError) as info:
        parse_token_response(500, SUCCESS)
    assert TOKEN not in str(info.value)
    with pytest.raises(AuthenticationError) as info:
        parse_token_response(500, SUCCESS[:-5])  # truncated: not JSON
    assert TOKEN not in str(info.value)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"not json",
        b"<html>oops</html>",
        b"[]",
        b'{"error": "EAPI:Invalid key"}',
        b'{"error": [], "result": {}}',
        b'{"error": []}',
        b'{"error": [], "result": {"token": "' + TOKEN.encode() + b'"}}',
        b'{"error": [], "result": {"token": "' + TOKEN.encode() + b'", "expires": "900"}}',
        b'{"error": [], "result": {"token": "", "expires": 900}}',
        b'{"error": [], "result": {"token": "' + TOKEN.encode() + b'", "expires": -1}}',
        SUCCESS[:-1],
    ],
)
def test_parse_malformed_200_body(body: bytes) -> None:
    with pytest.raises(DecodeError, match="GetWebSocketsToken") as info:
        parse_token_response(200, body)
    assert TOKEN not in str(info.value)
    assert TOKEN.encode() not in info.value.frame
