"""The CoinEx v1 deals capture (CoinEx.Net's TradeUpdate.txt) decodes, every field mapped."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from spotstream.errors import DecodeError
from spotstream.models.enums import OrderSide
from spotstream.protocol.coinex.v1.deals import read_deals, trade


def test_the_captured_deal_list_decodes_exactly(captures: Path) -> None:
    deals = read_deals((captures / "coinex-net" / "TradeUpdate.txt").read_bytes())
    assert len(deals) == 101
    first = deals[0]
    assert (first.id, first.type) == (2677391975, "sell")
    assert first.time == Decimal("1642755727.8401761")  # exact, not a float
    assert (first.price, first.amount) == (Decimal("39121.21"), Decimal("0.00079812"))
    t = trade("BTCUSDT", first)
    assert (t.symbol, t.side, t.trade_id) == ("BTCUSDT", OrderSide.SELL, 2677391975)
    assert t.timestamp.isoformat() == "2022-01-21T09:02:07.840176+00:00"
    assert {d.type for d in deals} <= {"buy", "sell"}
    assert all(trade("BTCUSDT", d).price == d.price for d in deals)


@pytest.mark.parametrize("text", [b"", b"{}", b'[{"id": "x"}]', b"[1, 2]"])
def test_what_is_no_deal_list_is_a_decode_error(text: bytes) -> None:
    with pytest.raises(DecodeError):
        read_deals(text)
