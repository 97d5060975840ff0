"""Simulator accounts: who may connect (API key and secret) and what they hold.

An :class:`AccountSpec` is configuration; the matching engine keeps the live balances.
The default funded test account's key and secret are fixed so that any client can be
pointed at a simulator without reading its output (``spotstream sim`` prints them too).
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

TRADE_PERMISSIONS = frozenset({"query", "trade", "websocket"})


def _secret(label: str) -> str:
    """A deterministic 64-byte secret, base64 encoded like Kraken's."""
    return base64.b64encode(hashlib.sha512(label.encode()).digest()).decode()


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """One account: ``api_key``/``api_secret`` (base64) sign REST calls; ``balances`` fund it.

    ``permissions`` is a subset of ``{"query", "trade", "websocket"}``: a key without
    ``"websocket"`` gets ``EGeneral:Permission denied`` from GetWebSocketsToken, one without
    ``"trade"`` gets it from every trading method. ``tier`` sets the rate-limit threshold
    (Kraken's starter 60, intermediate 125, pro 180).
    """

    account_id: str
    api_key: str
    api_secret: str
    balances: Mapping[str, Decimal] = field(default_factory=dict)
    permissions: frozenset[str] = TRADE_PERMISSIONS
    tier: str = "intermediate"


TEST_ACCOUNT = AccountSpec(
    account_id="test",
    api_key="SIMTEST-spotstream-funded-test-account-key-0001",
    api_secret=_secret("spotstream simulator test account"),
    balances={
        "USD": Decimal("1000000"),
        "BTC": Decimal("10"),
        "ETH": Decimal("100"),
        "XRP": Decimal("100000"),
        "DOGE": Decimal("1000000"),
    },
)

READ_ONLY_ACCOUNT = AccountSpec(
    account_id="read-only",
    api_key="SIMTEST-spotstream-no-websocket-permission-0002",
    api_secret=_secret("spotstream simulator read-only account"),
    balances={"USD": Decimal("100")},
    permissions=frozenset({"query"}),
)

DEFAULT_ACCOUNTS: tuple[AccountSpec, ...] = (TEST_ACCOUNT, READ_ONLY_ACCOUNT)
