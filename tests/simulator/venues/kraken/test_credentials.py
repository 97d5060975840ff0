"""API keys, signatures, nonces and tokens of the simulator (spec kraken-auth.md §3-7)."""

from __future__ import annotations

import base64
import json

import pytest

from spotstream.auth.kraken import Credentials, build_token_request
from spotstream.auth.kraken import sign as client_sign
from spotstream.simulator.matching.accounts import READ_ONLY_ACCOUNT, TEST_ACCOUNT, AccountSpec
from spotstream.simulator.server import ManualClock
from spotstream.simulator.venues.kraken.credentials import (
    INVALID_ARGUMENTS,
    INVALID_KEY,
    INVALID_NONCE,
    INVALID_SIGNATURE,
    PERMISSION_DENIED,
    CredentialError,
    CredentialStore,
    parse_body,
    sign,
)

PATH = "/0/private/GetWebSocketsToken"
OFFICIAL_SECRET = (
    "kQH5HW/8p1uGOVjbgWA7FunAmGO8lsSUXNsu3eow76sz84Q18fWxnyRzBHCd3pd5nE9qa99HAZtuZuj6F1huXg=="
)
FORM = "application/x-www-form-urlencoded; charset=utf-8"


@pytest.mark.parametrize(
    ("secret", "path", "body", "expected"),
    [
        (  # the official Kraken docs vector
            OFFICIAL_SECRET,
            "/0/private/AddOrder",
            "nonce=1616492376594&ordertype=limit&pair=XBTUSD&price=37500&type=buy&volume=1.25",
            "4/dpxb3iT4tp/ZCVEwSnEsLxx0bqyhLpdfOpc6fn7OR8+UClSV5n9E6aSS8MPtnRfp32bAb0nmbRn6H8ndwLUQ==",
        ),
        (  # python-kraken-sdk's golden value
            "cHl0aG9uLWtyYWtlbi1zZGsgdW5pdC10ZXN0IHNlY3JldCB2YWx1ZQ==",
            "/0/private/AddOrder",
            "nonce=1616492376594&ordertype=limit&pair=XBTUSD",
            "Fo+0Uhanvs3F1byZFCjVBMLsCcRE2xLQMDpoA3Q9hawoZ0ZL35AmbknAQBlOIs4baRx9UGhzQH+/CTl9qnyp1w==",
        ),
        (
            OFFICIAL_SECRET,
            PATH,
            "nonce=1616492376594",
            "+mRDmY9Ks0Moc1zjv/BjfvYa98buO0x1yHChZR5onlfAzAUbfIYlLggUZzdQ0RsmXm4Sh+Q8iAIZdo2wSeHeiA==",
        ),
        (
            OFFICIAL_SECRET,
            PATH,
            '{"nonce": 1616492376594}',
            "Gmmjy+n4n8Qdf2t74cy2l/gOqSsfyu0pnTKZIo3BaklrCquCph0zBp5QHAoHwiwEkcp24pLgeRqpJhTL/2Dxgg==",
        ),
    ],
)
def test_signature_matches_the_spec_vectors(
    secret: str, path: str, body: str, expected: str
) -> None:
    assert sign(path, "1616492376594", body.encode(), secret) == expected


def _store(clock: ManualClock | None = None, seed: int = 1) -> CredentialStore:
    return CredentialStore((TEST_ACCOUNT, READ_ONLY_ACCOUNT), clock or ManualClock(), seed)


def _headers(
    account: AccountSpec, body: bytes, nonce: str, content_type: str = FORM
) -> dict[str, str]:
    return {
        "api-key": account.api_key,
        "api-sign": client_sign(PATH, nonce, body.decode(), account.api_secret),
        "content-type": content_type,
    }


def _verify(store: CredentialStore, headers: dict[str, str], body: bytes) -> str:
    """The account id, or the error text."""
    try:
        account, _ = store.verify(PATH, headers, body, permission="websocket")
    except CredentialError as error:
        return str(error)
    return account.account_id


def test_the_clients_token_request_is_accepted() -> None:
    credentials = Credentials(TEST_ACCOUNT.api_key, TEST_ACCOUNT.api_secret)
    path, headers, body = build_token_request(credentials, 1_700_000_000_000)
    lower = {name.lower(): value for name, value in headers.items()}
    account, params = _store().verify(path, lower, body, permission="websocket")
    assert account is TEST_ACCOUNT
    assert params == {"nonce": "1700000000000"}


@pytest.mark.parametrize("nonce", [1616492376594, "1616492376594"])
def test_json_bodies_are_accepted(nonce: int | str) -> None:
    body = json.dumps({"nonce": nonce}).encode()
    headers = _headers(TEST_ACCOUNT, body, "1616492376594", "application/json")
    assert _verify(_store(), headers, body) == "test"


def test_replayed_or_older_nonce_is_refused() -> None:
    store = _store()
    body = b"nonce=1000"
    headers = _headers(TEST_ACCOUNT, body, "1000")
    assert _verify(store, headers, body) == "test"
    assert _verify(store, headers, body) == INVALID_NONCE
    older = b"nonce=999"
    assert _verify(store, _headers(TEST_ACCOUNT, older, "999"), older) == INVALID_NONCE
    newer = b"nonce=1001"
    assert _verify(store, _headers(TEST_ACCOUNT, newer, "1001"), newer) == "test"


def test_nonces_are_per_key() -> None:
    store = _store()
    body = b"nonce=5000"
    assert _verify(store, _headers(TEST_ACCOUNT, body, "5000"), body) == "test"
    other = AccountSpec("other", "OTHER-KEY", base64.b64encode(b"x" * 64).decode())
    store = CredentialStore((TEST_ACCOUNT, other), ManualClock())
    assert _verify(store, _headers(TEST_ACCOUNT, body, "5000"), body) == "test"
    assert _verify(store, _headers(other, body, "5000"), body) == "other"


def test_a_refused_signature_does_not_use_up_the_nonce() -> None:
    store = _store()
    body = b"nonce=42"
    forged = {
        **_headers(TEST_ACCOUNT, body, "42"),
        "api-sign": base64.b64encode(b"0" * 64).decode(),
    }
    assert _verify(store, forged, body) == INVALID_SIGNATURE
    assert _verify(store, _headers(TEST_ACCOUNT, body, "42"), body) == "test"


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"api-key": "unknown"}, INVALID_KEY),
        ({"api-key": ""}, INVALID_KEY),
        ({"api-sign": ""}, INVALID_SIGNATURE),
        ({"api-sign": "not base64 at all ✓"}, INVALID_SIGNATURE),
    ],
)
def test_bad_key_or_signature(change: dict[str, str], error: str) -> None:
    body = b"nonce=77"
    headers = {**_headers(TEST_ACCOUNT, body, "77"), **change}
    assert _verify(_store(), headers, body) == error


def test_signature_over_another_body_or_path_is_refused() -> None:
    body = b"nonce=78"
    headers = _headers(TEST_ACCOUNT, body, "78")
    assert _verify(_store(), headers, b"nonce=78&otp=1") == INVALID_SIGNATURE
    with pytest.raises(CredentialError, match="Invalid signature"):
        _store().verify("/0/private/Balance", headers, body)


@pytest.mark.parametrize(
    ("body", "content_type", "error"),
    [
        (b"", FORM, INVALID_NONCE),
        (b"otp=123", FORM, INVALID_NONCE),
        (b"nonce=0", FORM, INVALID_NONCE),
        (b"nonce=-5", FORM, INVALID_NONCE),
        (b"nonce=12a", FORM, INVALID_NONCE),
        (b"nonce=18446744073709551616", FORM, INVALID_NONCE),  # 2**64
        (b'{"nonce": true}', "application/json", INVALID_NONCE),
        (b'{"nonce": 1.5}', "application/json", INVALID_NONCE),
        (b"nonce=1&nonce=2", FORM, INVALID_ARGUMENTS),
        (b"nonce", FORM, INVALID_ARGUMENTS),
        (b"\xff\xfe", FORM, INVALID_ARGUMENTS),
        (b"{not json", "application/json", INVALID_ARGUMENTS),
        (b"[1, 2]", "application/json", INVALID_ARGUMENTS),
    ],
)
def test_malformed_bodies(body: bytes, content_type: str, error: str) -> None:
    headers = {"api-key": TEST_ACCOUNT.api_key, "api-sign": "x", "content-type": content_type}
    assert _verify(_store(), headers, body) == error


def test_a_key_without_websocket_permission_is_denied() -> None:
    store = _store()
    body = b"nonce=9"
    assert _verify(store, _headers(READ_ONLY_ACCOUNT, body, "9"), body) == PERMISSION_DENIED
    account, _ = store.verify(PATH, _headers(READ_ONLY_ACCOUNT, body, "9"), body)
    assert account is READ_ONLY_ACCOUNT  # other methods need no such permission


def test_parse_body_reads_form_and_json() -> None:
    assert parse_body(b"nonce=1&otp=2", FORM) == {"nonce": "1", "otp": "2"}
    assert parse_body(b'{"nonce": 3}', "Application/JSON; charset=utf-8") == {"nonce": 3}
    assert parse_body(b"", "") == {}


# --- tokens -----------------------------------------------------------------------------------


def test_tokens_look_like_krakens_and_are_seeded() -> None:
    assert _store(seed=4).issue_token(TEST_ACCOUNT) == _store(seed=4).issue_token(TEST_ACCOUNT)
    assert _store(seed=4).issue_token(TEST_ACCOUNT) != _store(seed=5).issue_token(TEST_ACCOUNT)
    store = _store(seed=4)
    tokens = {store.issue_token(TEST_ACCOUNT) for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == 43
        base64.b64decode(token + "=", validate=True)


def test_a_token_authorizes_its_account_until_it_expires() -> None:
    clock = ManualClock()
    store = _store(clock)
    token = store.issue_token(READ_ONLY_ACCOUNT)
    assert store.authorize(token) == "read-only"
    assert store.authorize("nonsense") is None
    clock.advance(900)
    assert store.authorize(token) == "read-only"
    clock.advance(0.001)
    assert store.authorize(token) is None


def test_a_used_token_stays_valid_on_its_connection() -> None:
    clock = ManualClock()
    store = _store(clock)
    token = store.issue_token(TEST_ACCOUNT)
    on_first = store.authorizer(1)
    assert on_first(token) == "test"
    clock.advance(3600)
    assert on_first(token) == "test"  # kept alive by the connection that used it
    assert store.authorizer(2)(token) is None  # not on a new one
    store.release(1)
    assert on_first(token) is None


def test_expired_unused_tokens_are_forgotten() -> None:
    clock = ManualClock()
    store = _store(clock)
    stale = store.issue_token(TEST_ACCOUNT)
    held = store.issue_token(TEST_ACCOUNT)
    assert store.authorize(held, 9) == "test"
    clock.advance(1000)
    store.issue_token(TEST_ACCOUNT)  # issuing sweeps the table
    assert stale not in store._tokens
    assert store.authorize(held, 9) == "test"
