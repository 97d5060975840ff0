"""CoinEx socket API v2 on the simulator: depth windows, pushes, sessions, private feeds.

:data:`ENDPOINTS` is what the server registers (path -> session factory).
"""

from spotstream.simulator.venues.coinex.v2.endpoints import ENDPOINTS

__all__ = ["ENDPOINTS"]
