"""CoinEx's server.sign signature (the spec's derived vector) and credentials that never leak."""

from __future__ import annotations

import pytest

from spotstream.auth.coinex import CoinExCredentials, signature_matches, ws_signature
from spotstream.errors import InvalidCredentialsError

SECRET = "B51068CF10B34E7789C374AB932696A05E0A629BE7BFC62F"
TIMESTAMP = 1700490703564
SIGNED = "75c7f4bf13c7fa5165821691a52ed0026d6bd959727ee296caec76578d056c2e"


def test_the_spec_vector() -> None:
    assert ws_signature(SECRET, TIMESTAMP) == SIGNED


def test_a_server_accepts_either_hex_case_and_nothing_else() -> None:
    assert signature_matches(SECRET, TIMESTAMP, SIGNED)
    assert signature_matches(SECRET, TIMESTAMP, SIGNED.upper())
    assert not signature_matches(SECRET, TIMESTAMP + 1, SIGNED)
    assert not signature_matches("other", TIMESTAMP, SIGNED)


@pytest.mark.parametrize("timestamp", [-1, True, 1.5, "1700490703564"])
def test_a_bad_timestamp_is_refused(timestamp: object) -> None:
    with pytest.raises(InvalidCredentialsError):
        ws_signature(SECRET, timestamp)  # type: ignore[arg-type]


def test_credentials_never_show_the_secret() -> None:
    credentials = CoinExCredentials("ACCESS-ID-123456", SECRET)
    assert SECRET not in repr(credentials)
    assert SECRET not in str(credentials)
    assert "ACCE" in repr(credentials)
    env = {"COINEX_ACCESS_ID": "ACCESS-ID-123456", "COINEX_SECRET_KEY": SECRET}
    assert CoinExCredentials.from_env(env) == credentials
    with pytest.raises(InvalidCredentialsError, match="COINEX_SECRET_KEY"):
        CoinExCredentials.from_env({"COINEX_ACCESS_ID": "x"})
    with pytest.raises(InvalidCredentialsError):
        CoinExCredentials("", SECRET)
    with pytest.raises(InvalidCredentialsError):
        CoinExCredentials("id", " padded ")
