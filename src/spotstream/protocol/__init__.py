"""Sans-I/O protocol layer: frames in, events out; requests in, frames out.

Nothing here imports asyncio, a websocket library or reads a clock: time is passed in.
"""
