"""Kraken WebSocket v2 private side exactly as on the wire (Kraken's WebSocket v2 reference §6.5-8).

Sans-I/O models only, in the style of :mod:`~spotstream.protocol.kraken.v2.wire`: channel messages
are Structs tagged on ``channel`` (they join any tagged union with the public ones) and subscribe
params. Trading requests and results are in :mod:`~spotstream.protocol.kraken.v2.trading_wire`.

Decisions (the spec leaves these open):

- **Server enumerations are open.** ``exec_type``, ``order_status`` and the ledger, wallet
  and trigger enumerations are plain ``str``: Kraken has grown these sets (``amended``,
  ``restated``, ``status``, ``iceberg_refill`` came later) and rejecting an unknown value
  would drop the whole frame, fills included. The known values are the ``Literal`` aliases
  and ``EXEC_TYPES`` / ``ORDER_STATUSES`` for the consumer to check. Closed sets stay
  ``Literal`` and reject: ``side``, ``liquidity_ind``, ``type`` and the level3 ``event``.
  Requests use ``Literal`` everywhere (we write them; mypy catches typos).
- **balances: two entry Structs, ``data`` kept raw.** A snapshot entry is a balance with
  ``wallets``; an update entry is a ledger transaction. Merging them would make every ledger
  field optional; entries carry no tag msgspec could dispatch on, and one tagged union
  cannot hold two Structs for the same channel. So ``BalancesMessage.data`` is decoded by
  ``BALANCES_DATA_DECODERS[message.type]`` into ``BalanceWire`` or ``LedgerWire`` lists.
- ``ratecount`` on execution reports: field name unconfirmed (v1's), mapped optionally.
- Timestamps decode to ``datetime`` (microseconds: level3 nanoseconds are rounded). Request
  times encode as RFC3339; Kraken wants whole seconds for ``expire_time`` /
  ``effective_time`` and milliseconds for ``deadline``: pass values already truncated.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, get_args

import msgspec

from spotstream.protocol.kraken.v2.wire import MessageType
from spotstream.protocol.redact import redact_module

Side = Literal["buy", "sell"]
ExecType = Literal[
    "pending_new",
    "new",
    "trade",
    "filled",
    "iceberg_refill",
    "canceled",
    "expired",
    "amended",
    "restated",
    "status",
]
OrderStatus = Literal["pending_new", "new", "partially_filled", "filled", "canceled", "expired"]
EXEC_TYPES: frozenset[str] = frozenset(get_args(ExecType))
ORDER_STATUSES: frozenset[str] = frozenset(get_args(OrderStatus))


class _Channel(msgspec.Struct, tag_field="channel", omit_defaults=True):
    pass


class _Wire(msgspec.Struct, omit_defaults=True):
    pass


# --- level3 (§6.5) ------------------------------------------------------------------------


class L3OrderWire(_Wire):
    """One resting order; ``event`` only on updates (``modify`` = qty change)."""

    order_id: str
    limit_price: Decimal
    order_qty: Decimal
    timestamp: datetime
    event: Literal["add", "modify", "delete"] | None = None


class L3BookWire(_Wire):
    symbol: str
    checksum: int
    bids: list[L3OrderWire]
    asks: list[L3OrderWire]
    timestamp: datetime | None = None


class Level3Message(_Channel, tag="level3"):
    type: MessageType
    data: list[L3BookWire]


# --- executions (§7.1) --------------------------------------------------------------------


class FeeWire(_Wire):
    asset: str
    qty: Decimal


class TriggersWire(_Wire):
    """Trigger state: reference ``index``/``last``, price_type ``static``/``pct``/``quote``,
    status ``triggered``/``untriggered``."""

    reference: str | None = None
    price: Decimal | None = None
    price_type: str | None = None
    actual_price: Decimal | None = None
    peak_price: Decimal | None = None
    last_price: Decimal | None = None
    status: str | None = None
    timestamp: datetime | None = None


class ContingentWire(_Wire):
    """The OTO secondary-order template of an order."""

    order_type: str | None = None
    trigger_price: Decimal | None = None
    trigger_price_type: str | None = None
    limit_price: Decimal | None = None
    limit_price_type: str | None = None


class ExecutionReport(_Wire):
    """One order event; which fields are present depends on ``exec_type``."""

    order_id: str
    exec_type: str  # an ExecType; open set, see the module docstring
    order_status: str | None = None  # an OrderStatus; open set
    cl_ord_id: str | None = None
    order_userref: int | None = None
    symbol: str | None = None
    side: Side | None = None
    order_type: str | None = None
    order_qty: Decimal | None = None
    cash_order_qty: Decimal | None = None
    display_qty: Decimal | None = None
    display_qty_remain: Decimal | None = None
    limit_price: Decimal | None = None
    limit_price_type: str | None = None
    time_in_force: str | None = None  # uppercase here: GTC, GTD, IOC
    effective_time: datetime | None = None
    expire_time: datetime | None = None
    timestamp: datetime | None = None
    cum_qty: Decimal | None = None
    cum_cost: Decimal | None = None
    avg_price: Decimal | None = None
    # fills
    exec_id: str | None = None
    trade_id: int | None = None
    last_qty: Decimal | None = None
    last_price: Decimal | None = None
    cost: Decimal | None = None
    liquidity_ind: Literal["m", "t"] | None = None
    fees: list[FeeWire] | None = None
    margin_borrow: bool | None = None
    fee_usd_equiv: Decimal | None = None
    fee_ccy_pref: str | None = None  # fcib / fciq
    # flags
    post_only: bool | None = None
    reduce_only: bool | None = None
    margin: bool | None = None
    no_mpp: bool | None = None
    liquidated: bool | None = None
    amended: bool | None = None
    position_status: str | None = None  # opened / closing / closed
    triggers: TriggersWire | None = None
    contingent: ContingentWire | None = None
    reason: str | None = None
    sender_sub_id: str | None = None
    ext_ord_id: str | None = None
    ext_exec_id: str | None = None
    ord_ref_id: str | None = None
    user: str | None = None
    ratecount: int | None = None  # UNCONFIRMED name (v1's), with ratecounter=true
    # deprecated by Kraken (still sent)
    stop_price: Decimal | None = None  # use triggers.price
    trigger: str | None = None  # use triggers.reference
    triggered_price: Decimal | None = None  # use triggers.last_price
    cancel_reason: str | None = None  # use reason


class ExecutionsMessage(_Channel, tag="executions"):
    type: MessageType
    data: list[ExecutionReport]
    sequence: int


# --- balances (§7.2) ----------------------------------------------------------------------


class WalletWire(_Wire):
    type: str  # spot / earn
    id: str  # main / flex / bonded / flexible / liquid / locked / closed
    balance: Decimal


class BalanceWire(_Wire):
    """A snapshot entry: an asset's total and its wallets."""

    asset: str
    balance: Decimal
    asset_class: str | None = None
    wallets: list[WalletWire] = []


class LedgerWire(_Wire):
    """An update entry: one ledger transaction and the resulting balance."""

    ledger_id: str
    ref_id: str
    timestamp: datetime
    type: str  # deposit, withdrawal, trade, ... (§7.2)
    asset: str
    amount: Decimal
    fee: Decimal
    balance: Decimal
    asset_class: str | None = None
    category: str | None = None
    subtype: str | None = None
    wallet_type: str | None = None
    wallet_id: str | None = None


class BalancesMessage(_Channel, tag="balances"):
    """``data`` is decoded by ``BALANCES_DATA_DECODERS[type]`` (see the module docstring)."""

    type: MessageType
    data: msgspec.Raw
    sequence: int


PrivateChannelMessage = ExecutionsMessage | BalancesMessage | Level3Message

# --- subscribe params (§6.5, §7) ----------------------------------------------------------


class _SubscribeParams(msgspec.Struct, tag_field="channel", omit_defaults=True, kw_only=True):
    token: str


class ExecutionsSubscribeParams(_SubscribeParams, tag="executions"):
    snap_orders: bool | None = None
    snap_trades: bool | None = None
    order_status: bool | None = None
    ratecounter: bool | None = None
    rebased: bool | None = None
    users: Literal["all"] | None = None
    snapshot: bool | None = None  # deprecated
    snapshot_trades: bool | None = None  # deprecated


class BalancesSubscribeParams(_SubscribeParams, tag="balances"):
    snapshot: bool | None = None
    rebased: bool | None = None
    users: Literal["all"] | None = None


class Level3SubscribeParams(_SubscribeParams, tag="level3"):
    symbol: list[str]
    depth: Literal[10, 100, 1000] | None = None
    snapshot: bool | None = None


# --- decoders -----------------------------------------------------------------------------

PRIVATE_CHANNEL_DECODER = msgspec.json.Decoder(PrivateChannelMessage)
"""executions, balances and level3 messages (join ``wire.ChannelMessage`` freely)."""
BALANCES_DATA_DECODERS: dict[str, msgspec.json.Decoder[Any]] = {
    "snapshot": msgspec.json.Decoder(list[BalanceWire]),
    "update": msgspec.json.Decoder(list[LedgerWire]),
}
"""``BalancesMessage.data`` by the message's ``type``."""


redact_module(globals())
