"""The level3 schema with each number kept as its JSON text: the client's hot path.

As for L2 books (``wire.BookTextMessage``), the L3 book turns the text straight
into scaled integers, exactly and without building a ``Decimal`` per number; order
timestamps are not parsed (the book does not use them). ``Level3Message`` in
:mod:`~spotstream.protocol.kraken.v2.private_wire` is the typed reference model; the tests check
both agree.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

import msgspec

from spotstream.protocol.kraken.v2.wire import MessageType


class L3OrderText(msgspec.Struct, gc=False):
    order_id: str
    limit_price: msgspec.Raw
    order_qty: msgspec.Raw
    event: Literal["add", "modify", "delete"] | None = None


class L3BookText(msgspec.Struct):
    symbol: str
    checksum: int
    bids: list[L3OrderText]
    asks: list[L3OrderText]
    timestamp: datetime | None = None


class Level3TextMessage(msgspec.Struct, tag_field="channel", tag="level3"):
    type: MessageType
    data: list[L3BookText]
