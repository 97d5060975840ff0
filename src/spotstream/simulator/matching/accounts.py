"""Simulator accounts: who may connect (API key and secret) and what they hold.

An :class:`AccountSpec` is configuration; an :class:`Account` is its live state (balances and
the funds held for open orders), kept by the matching engine, which also writes the
:class:`LedgerRecord` of every balance change.
The default funded test account's key and secret are fixed so that any client can be
pointed at a simulator without reading its output (``spotstream sim`` prints them too).
"""

from __future__ import annotations

import base64
import decimal
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

TRADE_PERMISSIONS = frozenset({"query", "trade", "websocket"})


def _secret(label: str) -> str:
    """A deterministic 64-byte secret, base64 encoded like an exchange's API secret."""
    return base64.b64encode(hashlib.sha512(label.encode()).digest()).decode()


@dataclass(frozen=True, slots=True)
class AccountSpec:
    """One account: ``api_key``/``api_secret`` (base64) sign REST calls; ``balances`` fund it.

    ``permissions`` is a subset of ``{"query", "trade", "websocket"}``: a key without
    ``"websocket"`` gets ``EGeneral:Permission denied`` from GetWebSocketsToken, one without
    ``"trade"`` gets it from every trading method. ``tier`` sets the rate-limit threshold
    (starter 60, intermediate 125, pro 180, as spec §10 lists them).
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
        "USDT": Decimal("1000000"),
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


# --- live state -------------------------------------------------------------------------------

ZERO = Decimal(0)
_EXACT = decimal.Context(prec=60, rounding=decimal.ROUND_HALF_EVEN)
DEFAULT_PRECISION = 8  # an asset the market does not list (a configured balance of it)


def quantize(value: Decimal, places: int, rounding: str = decimal.ROUND_HALF_EVEN) -> Decimal:
    """``value`` with exactly ``places`` decimals (half-even unless told otherwise)."""
    return value.quantize(Decimal(1).scaleb(-places), rounding=rounding, context=_EXACT)


def ceil(value: Decimal, places: int) -> Decimal:
    """``value`` rounded up to ``places`` decimals (fees and holds never round in our favour)."""
    return quantize(value, places, decimal.ROUND_CEILING)


def from_units(units: int, precision: int) -> Decimal:
    """The amount that ``units`` scaled integers at ``precision`` stand for."""
    return Decimal(units).scaleb(-precision, context=_EXACT)


@dataclass(frozen=True, slots=True)
class LedgerRecord:
    """One ledger transaction: ``amount`` changed the balance, ``fee`` was taken on top,
    ``balance`` is what is left after both. ``ref_id`` ties the two legs of a trade."""

    ledger_id: str
    ref_id: str
    time_ns: int
    asset: str
    amount: Decimal
    fee: Decimal
    balance: Decimal
    type: str = "trade"
    category: str = "trade"


class Account:
    """The live balances of one account and the funds held for its open orders.

    Every amount is a Decimal with the asset's precision. ``available`` is what a new order
    may reserve: the balance less what open orders hold.
    """

    def __init__(self, spec: AccountSpec, precisions: Mapping[str, int]) -> None:
        self.spec = spec
        self._precisions = precisions
        self.balances: dict[str, Decimal] = {
            asset: quantize(amount, self.precision(asset))
            for asset, amount in spec.balances.items()
        }
        self.holds: dict[str, Decimal] = {}

    @property
    def account_id(self) -> str:
        return self.spec.account_id

    @property
    def can_trade(self) -> bool:
        return "trade" in self.spec.permissions

    def precision(self, asset: str) -> int:
        return self._precisions.get(asset, DEFAULT_PRECISION)

    def balance(self, asset: str) -> Decimal:
        return self.balances.get(asset, ZERO)

    def available(self, asset: str) -> Decimal:
        return self.balance(asset) - self.holds.get(asset, ZERO)

    def hold(self, asset: str, amount: Decimal) -> None:
        """Reserve ``amount`` (may be negative to give some back)."""
        self.holds[asset] = self.holds.get(asset, ZERO) + amount

    def post(self, asset: str, amount: Decimal, fee: Decimal) -> Decimal:
        """Apply a trade leg: ``amount`` in (negative: out), ``fee`` out; the new balance."""
        balance = self.balance(asset) + amount - fee
        self.balances[asset] = balance
        return balance
