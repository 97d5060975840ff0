"""CoinEx REST v2 spot order object (``POST /v2/spot/order``, ``cancel-order``,
``order-status``, ``pending-order``), as a msgspec Struct.

REST names some fields differently from the socket's ``order.update``
(:class:`~spotstream.protocol.coinex.v2.private_wire.Order`): ``base_fee`` / ``quote_fee`` /
``discount_fee`` instead of ``*_ccy_fee``, ``last_fill_*`` instead of ``last_filled_*``, and
it adds ``market_type`` and ``ccy`` (the shapes ccxt's ``coinex`` documents from live
answers). Amounts are exact ``Decimal`` here and strings on the wire.
"""

from __future__ import annotations

from decimal import Decimal

import msgspec


class SpotOrder(msgspec.Struct, kw_only=True, gc=False):
    order_id: int
    market: str
    market_type: str = "SPOT"
    side: str
    type: str
    ccy: str  # the currency ``amount`` is in
    amount: Decimal
    price: Decimal
    client_id: str = ""
    created_at: int
    updated_at: int
    unfilled_amount: Decimal
    filled_amount: Decimal
    filled_value: Decimal
    base_fee: Decimal
    quote_fee: Decimal
    discount_fee: Decimal
    maker_fee_rate: Decimal
    taker_fee_rate: Decimal
    last_fill_amount: Decimal
    last_fill_price: Decimal
