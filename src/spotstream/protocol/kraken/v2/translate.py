"""Kraken v2 wire models -> user-facing models: one small function per message type."""

from __future__ import annotations

from spotstream.models.enums import OrderSide, SystemState
from spotstream.models.market import Asset, Instrument, Kline, SystemStatus, Ticker, Trade
from spotstream.protocol.kraken.v2 import wire


def status(w: wire.StatusWire) -> SystemStatus:
    return SystemStatus(
        system=SystemState(w.system),
        api_version=w.api_version,
        version=w.version,
        connection_id=w.connection_id,
    )


def ticker(w: wire.TickerWire) -> Ticker:
    return Ticker(
        symbol=w.symbol,
        bid=w.bid,
        bid_qty=w.bid_qty,
        ask=w.ask,
        ask_qty=w.ask_qty,
        last=w.last,
        volume=w.volume,
        vwap=w.vwap,
        low=w.low,
        high=w.high,
        change=w.change,
        change_pct=w.change_pct,
        timestamp=w.timestamp,
    )


def trade(w: wire.TradeWire) -> Trade:
    return Trade(
        symbol=w.symbol,
        side=OrderSide(w.side),
        price=w.price,
        qty=w.qty,
        ord_type=w.ord_type,
        trade_id=w.trade_id,
        timestamp=w.timestamp,
    )


def kline(w: wire.OhlcWire) -> Kline:
    return Kline(
        symbol=w.symbol,
        open=w.open,
        high=w.high,
        low=w.low,
        close=w.close,
        trades=w.trades,
        volume=w.volume,
        vwap=w.vwap,
        interval_begin=w.interval_begin,
        interval=w.interval,
    )


def instrument(w: wire.PairWire) -> Instrument:
    return Instrument(
        symbol=w.symbol,
        base=w.base,
        quote=w.quote,
        status=w.status,
        price_precision=w.price_precision,
        qty_precision=w.qty_precision,
        price_increment=w.price_increment,
        qty_increment=w.qty_increment,
        qty_min=w.qty_min,
        cost_precision=w.cost_precision,
        cost_min=w.cost_min,
        marginable=bool(w.marginable),
        has_index=bool(w.has_index),
    )


def asset(w: wire.AssetWire) -> Asset:
    return Asset(
        id=w.id,
        status=w.status,
        precision=w.precision,
        precision_display=w.precision_display,
        borrowable=bool(w.borrowable),
        collateral_value=w.collateral_value,
        margin_rate=w.margin_rate,
        multiplier=w.multiplier,
    )
