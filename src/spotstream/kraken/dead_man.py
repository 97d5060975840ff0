"""The dead man's switch kept armed while a block runs (Kraken's ``cancel_all_orders_after``).

If a refresh fails (connection down, rejection, no answer) the switch stays armed at the
exchange and fires on time: that is its purpose. It is retried every period (each attempt
waits at most ``refresh_every`` seconds, for the connection too), and never stops the block.
Leaving the block always attempts the disarm; if that fails it is logged and reported as a
``DISARM_FAILED`` lifecycle event, never raised: an exception of the block propagates
unchanged. It works through any trading part with ``cancel_all_orders_after`` (every Kraken
WebSocket version has it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from spotstream.errors import InvalidRequestError, SpotstreamError
from spotstream.models.enums import LifecycleKind
from spotstream.models.orders import CancelAfter

if TYPE_CHECKING:
    from spotstream.kraken.trading import KrakenTrading

log = logging.getLogger("spotstream.kraken")


@contextlib.asynccontextmanager
async def dead_man_switch(
    trading: KrakenTrading, timeout: int, refresh_every: float
) -> AsyncIterator[CancelAfter]:
    """Arm the switch for ``timeout`` seconds, refresh it every ``refresh_every`` while the
    block runs, disarm it on exit."""
    if not 0 < refresh_every < timeout:
        raise InvalidRequestError("refresh_every must be between 0 and timeout")
    first = await trading.cancel_all_orders_after(timeout)
    task = trading._client._spawn(_refresh(trading, timeout, refresh_every))
    try:
        yield first
    finally:
        task.cancel()
        await asyncio.wait([task])
        await _disarm(trading)


async def _refresh(trading: KrakenTrading, timeout: int, every: float) -> None:
    loop = asyncio.get_running_loop()
    due = loop.time()
    while True:
        due += every
        await asyncio.sleep(max(0.0, due - loop.time()))
        try:
            async with asyncio.timeout_at(due + every):
                await trading.cancel_all_orders_after(timeout)
        except (SpotstreamError, TimeoutError) as exc:
            log.warning(
                "dead man's switch refresh failed (%s); it stays armed at the exchange; "
                "retrying every %.1fs",
                exc or type(exc).__name__,
                every,
            )


async def _disarm(trading: KrakenTrading) -> None:
    try:
        await trading.cancel_all_orders_after(0)
    except Exception as exc:  # never raised: the block's own outcome must come through
        log.warning(
            "dead man's switch: the disarm failed (%s); the switch fires at the exchange "
            "unless armed again",
            exc or type(exc).__name__,
        )
        trading._client._report(LifecycleKind.DISARM_FAILED, repr(exc), exc)
