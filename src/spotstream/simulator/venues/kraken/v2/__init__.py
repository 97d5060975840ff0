"""Kraken WebSocket v2 on the simulator: frames, hubs, sessions and the venue's wording.

:data:`ENDPOINTS` is what the server registers (path -> session factory).
"""

from spotstream.simulator.venues.kraken.v2.endpoints import ENDPOINTS

__all__ = ["ENDPOINTS"]
