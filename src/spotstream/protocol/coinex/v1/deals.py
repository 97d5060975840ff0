"""CoinEx socket API v1 deals (``deals.update``'s ``params[1]``), sans-I/O: the list of
trades as the legacy API sends them, and their translation to :class:`Trade`.

Each deal is ``{"id", "time", "type", "price", "amount"}``: ``time`` is epoch seconds as a
JSON number with up to 7 decimals (read exactly, never as a float), ``type`` the taker's
side, prices and amounts strings. The rest of v1 comes with its protocol.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

import msgspec

from spotstream.errors import DecodeError
from spotstream.models.enums import OrderSide
from spotstream.models.market import Trade

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SIDES = {"buy": OrderSide.BUY, "sell": OrderSide.SELL}


class DealV1(msgspec.Struct, frozen=True, gc=False):
    id: int
    time: Decimal  # epoch seconds
    type: str  # the taker's side
    price: Decimal
    amount: Decimal


DEALS_DECODER = msgspec.json.Decoder(list[DealV1])


def read_deals(data: bytes | str) -> list[DealV1]:
    """A v1 deal list (a UTF-8 BOM is allowed); :class:`DecodeError` if it is none."""
    raw = data.encode() if isinstance(data, str) else data
    try:
        return DEALS_DECODER.decode(raw.removeprefix(b"\xef\xbb\xbf"))
    except msgspec.MsgspecError as exc:
        raise DecodeError(f"not a CoinEx v1 deal list: {exc}") from None


def seconds(value: Decimal) -> datetime:
    """Epoch seconds as an exact UTC datetime (rounded to the microsecond, half even)."""
    try:
        micros = int((value * 1_000_000).to_integral_value())
        return _EPOCH + timedelta(microseconds=micros)
    except (InvalidOperation, OverflowError, ValueError):
        raise DecodeError(f"not a timestamp: {value}") from None


def trade(market: str, deal: DealV1) -> Trade:
    side = _SIDES.get(deal.type)
    if side is None:
        raise DecodeError(f"not a side: {deal.type!r}")
    return Trade(market, side, deal.price, deal.amount, "", deal.id, seconds(deal.time))
