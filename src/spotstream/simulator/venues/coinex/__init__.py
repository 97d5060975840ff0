"""CoinEx on the simulator: the socket API v2 (``/coinex/v2/spot``) and REST v2
(``/coinex/v2/...``), over the one market and matching engine every venue shares."""
