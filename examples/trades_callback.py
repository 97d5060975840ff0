"""The callback style: print trades and ticker updates for a few seconds."""

from __future__ import annotations

import asyncio
import sys

from spotstream import KRAKEN_V2_PUBLIC_URL, DataEvent, KrakenSocketClient, Ticker, Trade


def on_trade(event: DataEvent[Trade]) -> None:
    trade = event.data
    print(f"{trade.symbol} {trade.side.value} {trade.qty} @ {trade.price}")


def on_ticker(event: DataEvent[Ticker]) -> None:
    print(f"{event.data.symbol} bid {event.data.bid} ask {event.data.ask}")


async def main(url: str, seconds: float = 3.0) -> None:
    async with KrakenSocketClient(url=url) as client:
        trades = await client.spot.subscribe_to_trade_updates(["BTC/USD", "ETH/USD"], on_trade)
        ticker = await client.spot.subscribe_to_ticker_updates("BTC/USD", on_ticker)
        trades.on_connection_lost(lambda e: print("connection lost:", e.detail))
        trades.on_connection_restored(lambda e: print("restored"))
        await asyncio.sleep(seconds)
        await trades.close()
        await ticker.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else KRAKEN_V2_PUBLIC_URL))
