"""Signing vectors (Kraken REST auth reference §4), credentials redaction, nonce ordering."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest

from spotstream.auth import Credentials, InvalidCredentialsError, NonceSource, sign
from spotstream.errors import SpotstreamError

OFFICIAL_SECRET = (
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
)
SDK_SECRET = "cHl0aG9uLWtyYWtlbi1zZGsgdW5pdC10ZXN0IHNlY3JldCB2YWx1ZQ=="
NONCE = "1616492376594"
KEY = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789AbCdEfGhIjKlMnOpQrSt"


@pytest.mark.parametrize(
    ("path", "body", "secret", "expected"),
    [
        pytest.param(
            "/0/private/AddOrder",
            "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25",
            OFFICIAL_SECRET,
            "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==",
            id="official-docs",
        ),
        pytest.param(
            "/0/private/AddOrder",
            "nonce=1616492376594&ordertype=limit&pair=XBTUSD",
            SDK_SECRET,
            "Fo+0Uhanvs3F1byZFCjVBMLsCcRE2xLQMDpoA3Q9hawoZ0ZL35AmbknAQBlOIs4baRx9UGhzQH+/CTl9qnyp1w==",
            id="python-kraken-sdk",
        ),
        pytest.param(
            "/0/private/GetWebSocketsToken",
            "nonce=1616492376594",
            OFFICIAL_SECRET,
            "+mRDmY9Ks0Moc1zjv/BjfvYa98buO0x1yHChZR5onlfAzAUbfIYlLggUZzdQ0RsmXm4Sh+Q8iAIZdo2wSeHeiA==",
            id="token-form",
        ),
        pytest.param(
            "/0/private/GetWebSocketsToken",
            '{"nonce": 1616492376594}',
            OFFICIAL_SECRET,
            "Gmmjy+n4n8Qdf2t74cy2l/gOqSsfyu0pnTKZIo3BaklrCquCph0zBp5QHAoHwiwEkcp24pLgeRqpJhTL/2Dxgg==",
            id="token-json",
        ),
    ],
)
def test_sign_matches_spec_vectors(path: str, body: str, secret: str, expected: str) -> None:
    assert sign(path, NONCE, body, secret) == expected
    assert len(expected) == 88


def test_sign_secret_decodes_as_spec_says() -> None:
    assert base64.b64decode(SDK_SECRET) == b"python-kraken-sdk unit-test secret value"


@pytest.mark.parametrize("bad", ["not base64!", "abc", "", "a b=", OFFICIAL_SECRET[:-1]])
def test_sign_rejects_bad_secret_without_echoing_it(bad: str) -> None:
    with pytest.raises(InvalidCredentialsError) as info:
        sign("/0/private/GetWebSocketsToken", NONCE, "nonce=1", bad)
    if bad:
        assert bad not in str(info.value)


def test_credentials_repr_and_str_redact() -> None:
    creds = Credentials(api_key=KEY, api_secret=OFFICIAL_SECRET)
    expected = "Credentials(api_key='AbCd…', api_secret=<redacted>)"
    assert repr(creds) == expected
    assert str(creds) == expected
    for text in (repr(creds), str(creds), f"{creds}", repr([creds])):
        assert OFFICIAL_SECRET not in text
        assert KEY not in text


def test_credentials_short_key_shows_nothing() -> None:
    creds = Credentials(api_key="short", api_secret=SDK_SECRET)
    assert "short" not in repr(creds)


def test_credentials_are_frozen() -> None:
    creds = Credentials(api_key=KEY, api_secret=SDK_SECRET)
    with pytest.raises(AttributeError):
        creds.api_secret = OFFICIAL_SECRET  # type: ignore[misc]


@pytest.mark.parametrize("secret", ["%%%%", "abcde", "", "kQH5HW/8p1uG OVjbg=="])
def test_credentials_reject_invalid_secret(secret: str) -> None:
    with pytest.raises(InvalidCredentialsError) as info:
        Credentials(api_key=KEY, api_secret=secret)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, SpotstreamError)
    if secret:
        assert secret not in str(info.value)


@pytest.mark.parametrize("key", ["", " lead", "trail ", "new\r\nline", "tab\tkey", "ünï"])
def test_credentials_reject_invalid_key(key: str) -> None:
    with pytest.raises(InvalidCredentialsError):
        Credentials(api_key=key, api_secret=SDK_SECRET)


def test_from_env_default_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KRAKEN_API_KEY", KEY)
    monkeypatch.setenv("KRAKEN_API_SECRET", SDK_SECRET)
    assert Credentials.from_env() == Credentials(api_key=KEY, api_secret=SDK_SECRET)


def test_from_env_custom_prefix_and_mapping() -> None:
    env = {"SUB_API_KEY": KEY, "SUB_API_SECRET": OFFICIAL_SECRET}
    creds = Credentials.from_env("SUB", environ=env)
    assert (creds.api_key, creds.api_secret) == (KEY, OFFICIAL_SECRET)


def test_from_env_names_missing_variables() -> None:
    with pytest.raises(InvalidCredentialsError, match="KRAKEN_API_SECRET") as info:
        Credentials.from_env(environ={"KRAKEN_API_KEY": KEY})
    assert "KRAKEN_API_KEY" not in str(info.value)
    assert KEY not in str(info.value)


def test_from_env_invalid_secret_is_not_echoed() -> None:
    env = {"KRAKEN_API_KEY": KEY, "KRAKEN_API_SECRET": "s3cr3t-not-base64!"}
    with pytest.raises(InvalidCredentialsError) as info:
        Credentials.from_env(environ=env)
    assert "s3cr3t" not in str(info.value)


def _clock(values: list[int]) -> Iterator[int]:
    yield from values


def test_nonce_follows_clock_when_it_advances() -> None:
    ticks = _clock([1000, 1005, 2000])
    source = NonceSource(clock=lambda: next(ticks))
    assert [source.next() for _ in range(3)] == [1000, 1005, 2000]


def test_nonce_never_repeats_within_one_millisecond() -> None:
    source = NonceSource(clock=lambda: 1616492376594)
    assert [source.next() for _ in range(3)] == [1616492376594, 1616492376595, 1616492376596]


def test_nonce_keeps_increasing_when_clock_goes_back() -> None:
    ticks = _clock([5000, 4000, 4001, 5000, 5001, 9000])
    source = NonceSource(clock=lambda: next(ticks))
    assert [source.next() for _ in range(6)] == [5000, 5001, 5002, 5003, 5004, 9000]


def test_default_clock_is_unix_milliseconds() -> None:
    nonces = [NonceSource().next(), NonceSource().next()]
    assert all(1_600_000_000_000 < n < 10_000_000_000_000 for n in nonces)
    source = NonceSource()
    drawn = [source.next() for _ in range(1000)]
    assert drawn == sorted(set(drawn))
