"""Kraken's error table: every text of the protocol reference's error tables, and every text
captured or sent by the simulator, maps to its typed refusal.

The texts are written out here (this file is the data): the reference's §9 table (private
requests), the subscription errors of its §3.4, the unknown-field error of §8.1 and the
token-request errors of its authentication notes; then the texts captured in tests/data and
those the simulator sends.
"""

from __future__ import annotations

import pickle

import pytest

import spotstream
from spotstream.errors import (
    AuthenticationError,
    ExchangeError,
    InsufficientFundsError,
    InvalidArgumentsError,
    InvalidOrderError,
    MarginError,
    OrderNotFoundError,
    OrdersLimitError,
    PermissionDeniedError,
    RateLimitError,
    RequestError,
    ServiceUnavailableError,
    SubscriptionError,
    SubscriptionNotFoundError,
    UnknownPairError,
    UnknownSymbolError,
    refusal_class,
)
from spotstream.protocol.kraken.errors import (
    CATEGORIES,
    EXACT,
    PREFIXES,
    category,
    kraken_refusal,
    reason,
    refused_what,
)

SPEC_ERROR_TABLE: list[tuple[str, type[ExchangeError]]] = [
    # §9, row by row
    ("EGeneral:Invalid arguments", InvalidArgumentsError),
    ("EGeneral:Invalid arguments:Index unavailable", InvalidArgumentsError),
    ("EGeneral:Permission denied", PermissionDeniedError),
    ("EAPI:Permission denied", PermissionDeniedError),
    ("EGeneral:Temporary lockout", RateLimitError),
    ("EGeneral:Internal error", ServiceUnavailableError),
    ("EGeneral:Internal error:12345", ServiceUnavailableError),  # "[:<code>]"
    ("EService:Unavailable", ServiceUnavailableError),
    ("EService:Market in cancel_only mode", ServiceUnavailableError),
    ("EService:Market in post_only mode", ServiceUnavailableError),
    ("EService:Market in limit_only mode", ServiceUnavailableError),
    ("EService:Deadline elapsed", ServiceUnavailableError),
    ("EService:Throttled: 1700000000", RateLimitError),  # "EService:Throttled: <ts>"
    ("EAPI:Invalid key", AuthenticationError),
    ("EAPI:Invalid signature", AuthenticationError),
    ("EAPI:Invalid nonce", AuthenticationError),
    ("EAPI:Invalid token", AuthenticationError),
    ("ESession:Invalid session", AuthenticationError),
    ("EOrder:Insufficient funds", InsufficientFundsError),
    ("EOrder:Order minimum not met", InvalidOrderError),
    ("EOrder:Cost minimum not met", InvalidOrderError),
    ("EOrder:Tick size check failed", InvalidOrderError),
    ("EOrder:Invalid price", InvalidOrderError),
    ("EOrder:Invalid order", InvalidOrderError),
    ("EOrder:Unknown order", OrderNotFoundError),
    ("EOrder:Unknown position", MarginError),
    ("EOrder:Orders limit exceeded", OrdersLimitError),
    ("EOrder:Rate limit exceeded", RateLimitError),
    ("EOrder:Domain rate limit exceeded", RateLimitError),
    ("EOrder:Cannot open position", MarginError),
    ("EOrder:Cannot open opposing position", MarginError),
    ("EOrder:Margin allowance exceeded", MarginError),
    ("EOrder:Margin level too low", MarginError),
    ("EOrder:Margin position size exceeded", MarginError),
    ("EOrder:Insufficient margin", MarginError),
    ("EOrder:Positions limit exceeded", MarginError),
    ("EOrder:Scheduled orders limit exceeded", OrdersLimitError),
    ("EOrder:Reduce only:Non-PC", MarginError),
    ("EOrder:Reduce only:No position exists", MarginError),
    ("EOrder:Reduce only:Position is closed", MarginError),
    ("EAccount:Invalid permissions", PermissionDeniedError),
    ("EAuth:Account temporary disabled", PermissionDeniedError),
    ("EAuth:Account unconfirmed", PermissionDeniedError),
    ("EAuth:Rate limit exceeded", RateLimitError),
    ("EAuth:Too many requests", RateLimitError),
    ("ETrade:Invalid request", InvalidArgumentsError),
    ("Currency pair not supported XBT/USD", UnknownPairError),  # "... <SYM>"
    ("Subscription Not Found", SubscriptionNotFoundError),
    ("Symbol(s) not found", UnknownPairError),
    # §3.4 and §8.1
    ("Subscription name invalid", InvalidArgumentsError),
    ("Unsupported field: 'leverage' for the given msg type: add_order", InvalidArgumentsError),
    # the token request (REST)
    ("EAPI:Rate limit exceeded", RateLimitError),
]

CAPTURED_OR_SIMULATED: list[tuple[str, type[ExchangeError]]] = [
    ("Currency pair not supported WWW/USD", UnknownPairError),
    ("Token(s) not found", AuthenticationError),
    ("Unsupported event", InvalidArgumentsError),
    ("Unsupported field: 'params' for the given msg type: ping", InvalidArgumentsError),
    ("Cash_order_qty field must be a number_float", InvalidArgumentsError),
    ("Limit_price field must be a number_float", InvalidArgumentsError),
    (
        "EGeneral:Invalid arguments:no_mpp order option is only available when ordertype = market",
        InvalidArgumentsError,
    ),
    ("EGeneral:Invalid arguments:timeinforce", InvalidArgumentsError),
    ("EGeneral:Unknown method", InvalidArgumentsError),
    ("EQuery:Unknown asset pair", UnknownPairError),
    ("EQuery:Unknown asset", UnknownPairError),
    ("EOrder:Post only order", InvalidOrderError),
    ("EOrder:Duplicate cl_ord_id", InvalidOrderError),
]

ALL_TEXTS = SPEC_ERROR_TABLE + CAPTURED_OR_SIMULATED


@pytest.mark.parametrize(("text", "why"), ALL_TEXTS, ids=[t for t, _ in ALL_TEXTS])
def test_every_known_text_has_its_reason(text: str, why: type[ExchangeError]) -> None:
    assert reason(text) is why


@pytest.mark.parametrize(("text", "why"), ALL_TEXTS, ids=[t for t, _ in ALL_TEXTS])
def test_a_refused_trading_request_is_both_what_and_why(
    text: str, why: type[ExchangeError]
) -> None:
    error = kraken_refusal(text, RequestError, method="add_order", req_id=7)
    assert isinstance(error, why)
    assert isinstance(error, RequestError)
    assert type(error).__name__ == why.__name__  # what users and the CLI see
    assert (error.text, error.error, error.method, error.req_id, error.code) == (
        text,
        text,
        "add_order",
        7,
        None,
    )
    assert text in str(error)


def test_category_is_krakens_prefix() -> None:
    assert category("EOrder:Insufficient funds") == "EOrder"
    assert category("EAPI:Invalid key") == "EAPI"
    assert category("EGeneral:Invalid arguments:Index unavailable") == "EGeneral"
    assert category("Currency pair not supported XBT/USD") is None
    assert category("Unsupported field: 'x' for the given msg type: ping") is None
    error = kraken_refusal("ESession:Invalid session", SubscriptionError, method="subscribe")
    assert error.category == "ESession"


def test_prefixes_need_a_boundary() -> None:
    assert reason("EService:Throttled") is RateLimitError
    assert reason("Currency pair not supportedXBT/USD") is None  # not the prefix, no category
    assert reason("EOrder:Reduce onlyness") is InvalidOrderError  # only the category fallback


def test_unknown_texts_fall_back_to_the_category_then_to_what() -> None:
    assert reason("EOrder:Something new") is InvalidOrderError
    assert reason("EService:Busy for a while") is ServiceUnavailableError
    assert reason("ESession:Expired") is AuthenticationError
    assert reason("EFunding:Unknown reference") is None
    error = kraken_refusal("EFunding:Unknown reference", RequestError, method="add_order")
    assert type(error) is RequestError
    assert error.category == "EFunding"
    error = kraken_refusal("Already subscribed", SubscriptionError, method="subscribe")
    assert type(error) is SubscriptionError


def test_a_refused_subscription_stays_a_subscription_error() -> None:
    error = kraken_refusal(
        "Currency pair not supported XBT/USD",
        refused_what("subscribe"),
        method="subscribe",
        req_id=3,
        symbol="XBT/USD",
    )
    assert isinstance(error, SubscriptionError)
    assert isinstance(error, UnknownPairError)
    assert isinstance(error, UnknownSymbolError)  # as the local "no instrument data"
    assert isinstance(error, KeyError)
    assert not isinstance(error, RequestError)
    assert error.symbol == "XBT/USD"
    assert str(error) == (
        "subscribe (req_id=3) rejected by the exchange: Currency pair not supported XBT/USD"
        " [symbol XBT/USD]"
    )
    gone = kraken_refusal("Subscription Not Found", refused_what("unsubscribe"))
    assert type(gone) is SubscriptionNotFoundError
    assert refused_what("add_order") is RequestError


def test_the_token_request_is_an_authentication_error_that_says_why() -> None:
    error = kraken_refusal(
        ["EGeneral:Permission denied"],
        AuthenticationError,
        method="GetWebSocketsToken",
        status=200,
        errors=("EGeneral:Permission denied",),
    )
    assert isinstance(error, AuthenticationError)
    assert isinstance(error, PermissionDeniedError)
    assert (error.status, error.errors) == (200, ("EGeneral:Permission denied",))
    several = kraken_refusal(["EFunding:Other", "EAPI:Rate limit exceeded"], AuthenticationError)
    assert isinstance(several, RateLimitError)  # the first entry the table knows
    assert several.text == "EFunding:Other; EAPI:Rate limit exceeded"
    assert several.category == "EFunding"


def test_local_unknown_symbol_is_not_an_exchange_error() -> None:
    local = UnknownSymbolError("DOGE/USD: no instrument data")
    assert not isinstance(local, ExchangeError)
    assert str(local) == "DOGE/USD: no instrument data"


def test_combined_classes_are_built_once_and_pickle() -> None:
    cls = refusal_class(InsufficientFundsError, RequestError)
    assert cls is refusal_class(InsufficientFundsError, RequestError)
    assert refusal_class(SubscriptionNotFoundError, SubscriptionError) is SubscriptionNotFoundError
    error = kraken_refusal("EOrder:Insufficient funds", RequestError, method="add_order", req_id=9)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert (str(copy), copy.text, copy.req_id, copy.category) == (
        str(error),
        error.text,
        9,
        "EOrder",
    )
    token = kraken_refusal(["EAPI:Invalid key"], AuthenticationError, status=403)
    assert pickle.loads(pickle.dumps(token)).status == 403


def test_empty_text_says_so() -> None:
    error = kraken_refusal("", RequestError, method="cancel_all", req_id=4)
    assert type(error) is RequestError
    assert error.text == ""
    assert str(error) == "cancel_all (req_id=4) rejected by the exchange without an error text"


def test_the_table_uses_only_exported_reason_classes() -> None:
    used = {*EXACT.values(), *PREFIXES.values(), *CATEGORIES.values()}
    for cls in used:
        assert cls.__name__ in spotstream.__all__
        assert getattr(spotstream, cls.__name__) is cls
    reasons = {cls for _, cls in ALL_TEXTS}
    assert used <= reasons  # every class of the table is exercised above
