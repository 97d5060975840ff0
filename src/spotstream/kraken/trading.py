"""The private half of ``client.spot``: account feeds, trading and level 3 (Kraken v2).

Every trading method is awaitable and typed: it validates its input before anything is
sent (:class:`InvalidRequestError`), correlates the answer by ``req_id``, returns a typed
result or raises the exchange's rejection (a :class:`RequestError` typed by reason), and
is never retried. Without a usable answer it raises :class:`OutcomeUnknownError`: reconcile
through :meth:`KrakenTradingStreams.executions` (or :attr:`open_orders`).

Names follow Kraken's methods (``add_order``, ``amend_order``, ``edit_order``, ...) and
Kraken.Net's (``place_order``, ``cancel_orders``, ``cancel_all_orders``, ...). One
difference: Kraken.Net's ``EditOrderAsync`` amends in place; here that is
:meth:`amend_order`, because ``edit_order`` is Kraken's cancel-and-replace (Kraken.Net's
``ReplaceOrderAsync``, also offered as :meth:`replace_order`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Unpack, cast

import msgspec

from spotstream.errors import (
    ExchangeError,
    InvalidRequestError,
    OutcomeUnknownError,
    UnsupportedFeatureError,
)
from spotstream.kraken.dead_man import dead_man_switch
from spotstream.kraken.kraken_net import kraken_net_order
from spotstream.models.enums import (
    FeePreference,
    LimitPriceType,
    OrderSide,
    OrderType,
    TriggerPriceType,
    TriggerReference,
)
from spotstream.models.market import Instrument
from spotstream.models.orders import (
    AmendedOrder,
    Balance,
    CancelAfter,
    CancelledOrder,
    EditedOrder,
    LedgerEntry,
    OrderRequest,
    OrderUpdate,
    PlacedOrder,
    Reconciliation,
)
from spotstream.protocol.base import Outgoing
from spotstream.protocol.events import RequestDone
from spotstream.protocol.kraken.v2 import orders, trading_params
from spotstream.protocol.kraken.v2 import trading_wire as tw
from spotstream.protocol.kraken.v2.orders import AddOrderOptions, PlaceOrderOptions
from spotstream.protocol.kraken.v2.private import KrakenV2PrivateProtocol

if TYPE_CHECKING:
    from spotstream.kraken.client import KrakenSocketClient

log = logging.getLogger("spotstream.kraken")

ExecutionItem = OrderUpdate | Reconciliation
BalanceItem = Balance | LedgerEntry | Reconciliation


def _one(done: RequestDone) -> Any:
    if done.errors:
        raise done.errors[0]
    return done.results[0]


class KrakenTrading:
    """Trading methods of :class:`KrakenSocketClient` (private endpoint)."""

    def __init__(self, client: KrakenSocketClient) -> None:
        self._client = client

    # --- trading -------------------------------------------------------------------------

    async def add_order(
        self,
        symbol: str,
        side: OrderSide | str,
        order_type: OrderType | str,
        order_qty: Decimal,
        *,
        deadline: datetime | None = None,
        validate: bool = False,
        timeout: float | None = None,
        **options: Unpack[AddOrderOptions],
    ) -> PlacedOrder:
        """Place one order (Kraken ``add_order``; every parameter of spec §8.1).

        ``options`` are the :class:`OrderRequest` fields under Kraken's names
        (:class:`~spotstream.protocol.kraken.v2.orders.AddOrderOptions`: ``limit_price``,
        ``trigger_price``, ``time_in_force``, ``cl_ord_id``, ...). Enums take a member or
        exactly its value (``"buy"``); anything else, and a float for a quantity or price,
        raises :class:`InvalidRequestError` before anything is sent.
        """
        order = orders.request_from_options(side, order_type, order_qty, options)
        return await self.submit_order(
            symbol, order, deadline=deadline, validate=validate, timeout=timeout
        )

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
        """Place an :class:`OrderRequest` (the same order model ``batch_add`` takes)."""
        if leverage is not None:
            raise UnsupportedFeatureError(
                "leverage is a Kraken WebSocket v1 parameter: on v2 pass margin=True"
            )
        pair, checked = self._pair(symbol), self._deadline(deadline)
        params = orders.add_order_params(
            order, symbol, "", pair=pair, deadline=checked, validate=validate
        )
        result: PlacedOrder = _one(await self._send("add_order", params, timeout, token=token))
        return result

    async def place_order(
        self,
        symbol: str,
        order_type: OrderType | str,
        side: OrderSide | str,
        quantity: Decimal,
        client_order_id: int | str | None = None,
        price: Decimal | None = None,
        secondary_price: Decimal | None = None,
        leverage: Decimal | int | str | None = None,
        start_time: datetime | None = None,
        expire_time: datetime | None = None,
        validate_only: bool | None = None,
        close_order_type: OrderType | str | None = None,
        close_price: Decimal | None = None,
        secondary_close_price: Decimal | None = None,
        *,
        token: str | None = None,
        deadline: datetime | None = None,
        timeout: float | None = None,
        **options: Unpack[PlaceOrderOptions],
    ) -> PlacedOrder:
        """Kraken.Net's ``PlaceOrderAsync``, its parameters in its order (the type before
        the side; ``price`` and ``secondary_price`` read by type, see
        :mod:`spotstream.kraken.kraken_net`); the other options as in :meth:`add_order`.
        ``leverage`` is a v1 parameter (v2 takes ``margin=True``)."""
        if "limit_price" in options:
            raise TypeError("place_order() takes the limit price as price, not limit_price")
        order = kraken_net_order(
            order_type,
            side,
            quantity,
            client_order_id=client_order_id,
            price=price,
            secondary_price=secondary_price,
            start_time=start_time,
            expire_time=expire_time,
            close_order_type=close_order_type,
            close_price=close_price,
            secondary_close_price=secondary_close_price,
            options=options,
        )
        return await self.submit_order(
            symbol,
            order,
            deadline=deadline,
            validate=bool(validate_only),
            timeout=timeout,
            leverage=leverage,
            token=token,
        )

    async def batch_add(
        self,
        symbol: str,
        batch: Sequence[OrderRequest],
        *,
        deadline: datetime | None = None,
        validate: bool = False,
        timeout: float | None = None,
    ) -> list[PlacedOrder]:
        """Place 2-15 orders on one symbol; all are validated first (all or nothing)."""
        pair, checked = self._pair(symbol), self._deadline(deadline)
        params = orders.batch_add_params(
            batch, symbol, "", pair=pair, deadline=checked, validate=validate
        )
        results: list[PlacedOrder] = _one(await self._send("batch_add", params, timeout))
        return results

    place_multiple_orders = batch_add

    async def amend_order(
        self,
        order_id: str | None = None,
        *,
        cl_ord_id: str | None = None,
        order_qty: Decimal,
        limit_price: Decimal | None = None,
        limit_price_type: LimitPriceType | str | None = None,
        display_qty: Decimal | None = None,
        post_only: bool | None = None,
        trigger_price: Decimal | None = None,
        trigger_price_type: TriggerPriceType | str | None = None,
        deadline: datetime | None = None,
        symbol: str | None = None,
        timeout: float | None = None,
    ) -> AmendedOrder:
        """Change an order in place (ids and, where possible, queue priority kept)."""
        checked = self._deadline(deadline)
        pair = self._pair(symbol) if symbol else None
        fields: dict[str, object] = {
            "order_id": order_id,
            "cl_ord_id": cl_ord_id,
            "order_qty": order_qty,
            "display_qty": display_qty,
            "limit_price": limit_price,
            "limit_price_type": limit_price_type,
            "post_only": post_only,
            "trigger_price": trigger_price,
            "trigger_price_type": trigger_price_type,
            "deadline": checked,
            "symbol": symbol,
        }
        params = trading_params.amend_order_params("", pair=pair, **fields)
        result: AmendedOrder = _one(await self._send("amend_order", params, timeout))
        return result

    async def edit_order(
        self,
        order_id: str,
        symbol: str,
        *,
        order_qty: Decimal | None = None,
        limit_price: Decimal | None = None,
        display_qty: Decimal | None = None,
        post_only: bool | None = None,
        reduce_only: bool | None = None,
        trigger_price: Decimal | None = None,
        trigger_reference: TriggerReference | str | None = None,
        trigger_price_type: TriggerPriceType | str | None = None,
        order_userref: int | None = None,
        fee_preference: FeePreference | str | None = None,
        deadline: datetime | None = None,
        validate: bool = False,
        timeout: float | None = None,
    ) -> EditedOrder:
        """Cancel and replace an order (Kraken ``edit_order``: a new order id)."""
        fields: dict[str, object] = {
            "order_id": order_id,
            "symbol": symbol,
            "order_qty": order_qty,
            "limit_price": limit_price,
            "display_qty": display_qty,
            "post_only": post_only,
            "reduce_only": reduce_only,
            "trigger_price": trigger_price,
            "trigger_reference": trigger_reference,
            "trigger_price_type": trigger_price_type,
            "order_userref": order_userref,
            "fee_preference": fee_preference,
            "deadline": self._deadline(deadline),
            "validate": validate,
        }
        params = trading_params.edit_order_params("", pair=self._pair(symbol), **fields)
        result: EditedOrder = _one(await self._send("edit_order", params, timeout))
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
        """Cancel orders by any identifiers; one outcome per identifier (Kraken answers
        each separately): a :class:`CancelledOrder`, the rejection for that one, or an
        :class:`OutcomeUnknownError` for an answer that could not be read."""
        if isinstance(order_ids, str):
            order_ids = [order_ids]
        params, expected = trading_params.cancel_order_params(
            "", order_ids, cl_ord_ids, order_userrefs
        )
        done = await self._send("cancel_order", params, timeout, expected, token=token)
        outcomes: list[CancelledOrder | ExchangeError | OutcomeUnknownError] = [
            *done.results,  # type: ignore[list-item]
            *done.errors,  # type: ignore[list-item]
        ]
        return outcomes

    async def cancel_order(
        self,
        order_id: str | None = None,
        *,
        cl_ord_id: str | None = None,
        timeout: float | None = None,
        token: str | None = None,
    ) -> CancelledOrder:
        """Cancel one order (by ``order_id`` or ``cl_ord_id``); raises its rejection."""
        ids = [order_id] if order_id is not None else []
        cl_ids = [cl_ord_id] if cl_ord_id is not None else []
        if len(ids) + len(cl_ids) != 1:
            raise InvalidRequestError("cancel_order needs one of order_id and cl_ord_id")
        (outcome,) = await self.cancel_orders(ids, cl_ord_ids=cl_ids, timeout=timeout, token=token)
        if not isinstance(outcome, CancelledOrder):
            raise outcome
        return outcome

    async def cancel_all(self, *, timeout: float | None = None, token: str | None = None) -> int:
        """Cancel every open and untriggered order; returns how many."""
        params = tw.CancelAllParams(token="")
        count: int = _one(await self._send("cancel_all", params, timeout, token=token))
        return count

    cancel_all_orders = cancel_all

    async def cancel_all_orders_after(
        self,
        timeout: int | timedelta,
        *,
        request_timeout: float | None = None,
        token: str | None = None,
    ) -> CancelAfter:
        """Arm (or with 0, disarm) the dead man's switch: every order is cancelled unless
        this is called again within ``timeout`` seconds."""
        seconds = int(timeout.total_seconds()) if isinstance(timeout, timedelta) else timeout
        params = trading_params.cancel_after_params("", seconds)
        result: CancelAfter = _one(
            await self._send("cancel_all_orders_after", params, request_timeout, token=token)
        )
        return result

    def dead_man_switch(
        self, timeout: int = 60, refresh_every: float = 20.0
    ) -> contextlib.AbstractAsyncContextManager[CancelAfter]:
        """Keep the dead man's switch armed while the block runs; disarm on exit
        (:func:`spotstream.kraken.dead_man.dead_man_switch`: refreshes that fail are
        retried and never stop the block; a failed disarm is reported, never raised)."""
        return dead_man_switch(self, timeout, refresh_every)

    async def batch_cancel(
        self,
        order_ids: Sequence[str | int] = (),
        *,
        cl_ord_ids: Sequence[str] = (),
        timeout: float | None = None,
    ) -> int:
        """Cancel 2-50 orders (ids or ``order_userref`` values) in one request."""
        params = trading_params.batch_cancel_params("", order_ids, cl_ord_ids)
        count: int = _one(await self._send("batch_cancel", params, timeout))
        return count

    # --- internals -----------------------------------------------------------------------

    async def _send(
        self,
        method: str,
        params: msgspec.Struct,
        timeout: float | None,
        expected: int = 1,
        token: str | None = None,
    ) -> RequestDone:
        """Send validated ``params`` (built with an empty token) with ``token`` if given, else
        the session's."""
        self._client._use_token(token)
        session = self._client.private_session
        protocol = cast(KrakenV2PrivateProtocol, session.protocol)  # this part is v2's

        def build() -> Outgoing:
            with_token = msgspec.structs.replace(params, token=token or protocol.require_token())
            return protocol.trading(method, with_token, expected)

        return await session.trade(build, timeout)

    def _pair(self, symbol: str) -> Instrument | None:
        """The instrument if known (for precision checks); the exchange checks anyway."""
        public = self._client._session
        return public.protocol.instruments.pairs.get(symbol) if public else None

    def _deadline(self, deadline: datetime | None) -> datetime | None:
        return trading_params.check_deadline(deadline, datetime.now(UTC))
