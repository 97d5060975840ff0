"""CoinEx's legacy socket API v1 (``CoinExSocketClient(api_version=1)``)."""
