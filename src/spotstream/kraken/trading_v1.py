"""Trading over Kraken WebSocket v1: ``addOrder``, ``editOrder``, ``cancelOrder``,
``cancelAll``, ``cancelAllOrdersAfter``.

The user-facing methods are :class:`~spotstream.kraken.trading.KrakenTrading`'s (the same
names, arguments and results on both versions); this part builds v1 requests instead of
v2's. As on v2, every request is validated before anything is sent (the v1 request is
built once with a placeholder token, then again with the session's at send time),
correlated by ``reqid``, answered by a typed result or the exchange's typed rejection, and
never retried; v2-only methods raise :class:`UnsupportedFeatureError`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NoReturn, cast

from spotstream.errors import ExchangeError, OutcomeUnknownError, UnsupportedFeatureError
from spotstream.kraken.trading import KrakenTrading, _one
from spotstream.models.orders import (
    CancelAfter,
    CancelledOrder,
    EditedOrder,
    OrderRequest,
    PlacedOrder,
)
from spotstream.protocol.base import Outgoing
from spotstream.protocol.events import RequestDone
from spotstream.protocol.kraken.symbols import to_v1
from spotstream.protocol.kraken.v1.private import KrakenV1PrivateProtocol

_PLACEHOLDER = "-"  # the token of the dry run that validates a request before it is sent


def _v2_only(method: str) -> NoReturn:
    raise UnsupportedFeatureError(
        f"{method} is not a Kraken WebSocket v1 method (use api_version=2)"
    )


class KrakenV1Trading(KrakenTrading):
    """Trading methods of a v1 :class:`KrakenSocketClient` (private endpoint)."""

    async def submit_order(
        self,
        symbol: str,
        order: OrderRequest,
        *,
        deadline: datetime | None = None,
        validate: bool = False,
        timeout: float | None = None,
        leverage: Decimal | int | str | None = None,
        token: str | None = None,
    ) -> PlacedOrder:
        pair, checked = to_v1(symbol), self._deadline(deadline)
        lever = None if leverage is None else str(leverage)

        def build(protocol: KrakenV1PrivateProtocol, token: str) -> Outgoing:
            return protocol.add_order(
                pair, order, validate=validate, deadline=checked, leverage=lever, token=token
            )

        result: PlacedOrder = _one(await self._send_v1(build, timeout, token))
        return result

    async def edit_order(
        self,
        order_id: str,
        symbol: str,
        *,
        order_qty: Decimal | None = None,
        limit_price: Decimal | None = None,
        trigger_price: Decimal | None = None,
        post_only: bool | None = None,
        order_userref: int | None = None,
        deadline: datetime | None = None,
        validate: bool = False,
        timeout: float | None = None,
        token: str | None = None,
        **v2_only: object,
    ) -> EditedOrder:
        """Cancel and replace an order (v1 ``editOrder``: a new order id). v1 edits the
        quantity, the prices, post-only and the user reference; what only v2 can change
        (``display_qty``, ``reduce_only``, ...) raises :class:`UnsupportedFeatureError`."""
        given = [name for name, value in v2_only.items() if value is not None]
        if given:
            raise UnsupportedFeatureError(
                f"editOrder on Kraken WebSocket v1 cannot change {', '.join(given)}"
            )
        pair, checked = to_v1(symbol), self._deadline(deadline)

        def build(protocol: KrakenV1PrivateProtocol, token: str) -> Outgoing:
            return protocol.edit_order(
                order_id,
                pair,
                quantity=order_qty,
                limit_price=limit_price,
                trigger_price=trigger_price,
                post_only=post_only,
                user_ref=order_userref,
                validate=validate,
                deadline=checked,
                token=token,
            )

        result: EditedOrder = _one(await self._send_v1(build, timeout, token))
        return result

    replace_order = edit_order

    async def cancel_orders(
        self,
        order_ids: Sequence[str] = (),
        *,
        cl_ord_ids: Sequence[str] = (),
        order_userrefs: Sequence[int] = (),
        timeout: float | None = None,
        token: str | None = None,
    ) -> list[CancelledOrder | ExchangeError | OutcomeUnknownError]:
        """Cancel orders by ids, user references (v1 takes them as ``txid``s) or client
        ids; one outcome per identifier, in the order given."""
        if isinstance(order_ids, str):
            order_ids = [order_ids]
        ids = [*order_ids, *(str(ref) for ref in order_userrefs)]

        def build(protocol: KrakenV1PrivateProtocol, token: str) -> Outgoing:
            return protocol.cancel_order(ids, cl_ord_ids, token=token)

        done = await self._send_v1(build, timeout, token)
        outcomes: list[CancelledOrder | ExchangeError | OutcomeUnknownError] = [
            *done.results,  # type: ignore[list-item]
            *done.errors,  # type: ignore[list-item]
        ]
        return outcomes

    async def cancel_all(self, *, timeout: float | None = None, token: str | None = None) -> int:
        count: int = _one(await self._send_v1(lambda p, t: p.cancel_all(token=t), timeout, token))
        return count

    cancel_all_orders = cancel_all

    async def cancel_all_orders_after(
        self,
        timeout: int | Any,
        *,
        request_timeout: float | None = None,
        token: str | None = None,
    ) -> CancelAfter:
        seconds = int(timeout.total_seconds()) if hasattr(timeout, "total_seconds") else timeout

        def build(protocol: KrakenV1PrivateProtocol, token: str) -> Outgoing:
            return protocol.cancel_all_orders_after(seconds, token=token)

        result: CancelAfter = _one(await self._send_v1(build, request_timeout, token))
        return result

    async def batch_add(self, *args: Any, **kwargs: Any) -> NoReturn:
        _v2_only("batch_add")

    place_multiple_orders = batch_add

    async def amend_order(self, *args: Any, **kwargs: Any) -> NoReturn:
        _v2_only("amend_order (on v1: edit_order, which cancels and replaces)")

    async def batch_cancel(self, *args: Any, **kwargs: Any) -> NoReturn:
        _v2_only("batch_cancel (on v1: cancel_orders)")

    # --- internals -----------------------------------------------------------------------

    async def _send_v1(
        self,
        build: Callable[[KrakenV1PrivateProtocol, str], Outgoing],
        timeout: float | None,
        token: str | None,
    ) -> RequestDone:
        """Validate with a dry run (raises before anything is sent), then send the request
        built with ``token`` if given, else the session's."""
        self._client._use_token(token)
        dry = KrakenV1PrivateProtocol()
        build(dry, _PLACEHOLDER)
        session = self._client.private_session
        protocol = cast(KrakenV1PrivateProtocol, session.protocol)  # this part is v1's
        return await session.trade(
            lambda: build(protocol, token or protocol.require_token()), timeout
        )
