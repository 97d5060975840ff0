"""Kraken WebSocket v1 private feeds on the wire: ``ownTrades`` and ``openOrders``.

Both are arrays ``[[{id: object}, ...], channelName, {"sequence": N}]``; every amount and
time is a quoted string (``null`` where Kraken has nothing to say, as live frames show). An
``openOrders`` update may carry only what changed (``{"OABC-...": {"status": "closed"}}``),
so every field of :class:`OpenOrder` is optional.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec


class Sequence(msgspec.Struct, gc=False):
    sequence: int


class OwnTrade(msgspec.Struct, gc=False):
    ordertxid: str
    pair: str
    time: Decimal
    type: str  # buy / sell
    ordertype: str
    price: Decimal
    vol: Decimal
    cost: Decimal | None = None
    fee: Decimal | None = None
    margin: Decimal | None = None
    postxid: str | None = None
    margin_borrow: bool | None = None
    userref: int | None = None
    cl_ord_id: str | None = None
    ext_exec_id: str | None = None
    posstatus: str | None = None


class OrderDescription(msgspec.Struct, gc=False):
    pair: str | None = None
    type: str | None = None  # buy / sell
    ordertype: str | None = None
    price: Decimal | None = None
    price2: Decimal | None = None
    leverage: str | None = None
    order: str | None = None
    close: str | None = None
    position: str | None = None
    margin: bool | None = None


class OpenOrder(msgspec.Struct, gc=False):
    status: str | None = None  # pending, open, closed, canceled, expired
    descr: OrderDescription | None = None
    vol: Decimal | None = None
    vol_exec: Decimal | None = None
    cost: Decimal | None = None
    fee: Decimal | None = None
    avg_price: Decimal | None = None
    stopprice: Decimal | None = None
    limitprice: Decimal | None = None
    opentm: Decimal | None = None
    starttm: Decimal | None = None
    expiretm: Decimal | None = None
    lastupdated: Decimal | None = None
    userref: int | None = None
    cl_ord_id: str | None = None
    ext_ord_id: str | None = None
    refid: str | None = None
    misc: str | None = None
    oflags: str | None = None
    timeinforce: str | None = None
    cancel_reason: str | None = None
    amend_reason: str | None = None
    amended: bool | None = None
    display_volume: Decimal | None = None
    display_volume_remain: Decimal | None = None
    sender_sub_id: str | None = None
    ratecount: int | str | None = None
    reason: str | None = None


OwnTradesArray = tuple[list[dict[str, OwnTrade]], str, Sequence]
OpenOrdersArray = tuple[list[dict[str, OpenOrder]], str, Sequence]

OWN_TRADES_DECODER = msgspec.json.Decoder(OwnTradesArray)
OPEN_ORDERS_DECODER = msgspec.json.Decoder(OpenOrdersArray)
