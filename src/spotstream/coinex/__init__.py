"""The CoinEx client: :class:`~spotstream.coinex.client.CoinExSocketClient` (socket API v2)."""
