"""The documented CoinEx socket API v2 private pushes (spec A6), as sent."""

from __future__ import annotations

ORDER = b"""{"method":"order.update","data":{"event":"put","order":{"order_id":142934016817,
 "market":"ERGUSDT","margin_market":"","type":"limit","side":"sell","amount":"10","price":"1.5",
 "unfilled_amount":"10","filled_amount":"0","filled_value":"0","taker_fee_rate":"0.003",
 "maker_fee_rate":"0.003","base_ccy_fee":"0","quote_ccy_fee":"0","discount_ccy_fee":"0",
 "last_filled_amount":"0","last_filled_price":"0","created_at":1739954537191,
 "updated_at":1739954537191,"client_id":"123"}},"id":null}"""
STOP = b"""{"method":"stop.update","data":{"event":"put","stop":{"stop_id":98389557871,
 "market":"BTCUSDT","side":"sell","type":"limit","price":"20000.00","amount":"0.0100",
 "trigger_price":"20000.00","trigger_direction":"higher","trigger_price_type":"index_price",
 "taker_fee_rate":"0.00046","maker_fee_rate":"0.00026","client_id":"","created_at":1689146382674,
 "updated_at":1689146382674}},"id":null}"""
DEAL = b"""{"method":"user_deals.update","data":{"deal_id":3514376759,"created_at":1689152421692,
 "market":"BTCUSDT","side":"buy","order_id":8678890,"client_id":"client_id_1",
 "margin_market":"BTCUSDT","price":"30718.42","amount":"0.00000325","role":"taker",
 "fee":"0.0299","fee_ccy":"USDT"},"id":null}"""
BALANCE = b"""{"method":"balance.update","data":{"balance_list":[{"margin_market":"BTCUSDT",
 "ccy":"BTC","available":"44.62207740","frozen":"0.00000000","updated_at":1689152421692}]},
 "id":null}"""
