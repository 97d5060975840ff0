"""spotstream: exact, fast asyncio clients for exchange spot websocket streams."""
