"""Kraken WebSocket v1 (1.9.1) on the simulator: frames, hub, sessions, from the same market.

:data:`ENDPOINTS` is what the server registers (path -> session factory).
"""

from spotstream.simulator.venues.kraken.v1.endpoints import ENDPOINTS

__all__ = ["ENDPOINTS"]
