"""CoinEx socket API v1 (legacy, discontinued by CoinEx) on the simulator: its hub, sessions,
private feed and wire shapes.

:data:`ENDPOINTS` is what the server registers (path -> session factory).
"""

from spotstream.simulator.venues.coinex.v1.endpoints import ENDPOINTS

__all__ = ["ENDPOINTS"]
