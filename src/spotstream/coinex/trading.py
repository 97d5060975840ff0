"""``client.spot.trading``: CoinEx spot trading over REST v2 (the socket API v2 has no
trading calls), signed with the client's credentials.

Input is checked before anything is sent; CoinEx's refusals are typed by their code
(``InsufficientFundsError`` for 3109, ``OrderNotFoundError`` for 3600 ...); a request that
got no answer raises :class:`~spotstream.errors.OutcomeUnknownError` and is never retried
(the order feed, or :meth:`CoinExTrading.get_order`, tells what happened).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from spotstream.auth import coinex_rest
from spotstream.auth.coinex import CoinExCredentials
from spotstream.errors import InvalidCredentialsError, InvalidRequestError
from spotstream.models.orders import Balance, OrderUpdate

if TYPE_CHECKING:
    from spotstream.coinex.client import CoinExSocketClient


class CoinExTrading:
    """Place, cancel and query spot orders; read balances (REST v2)."""

    def __init__(self, client: CoinExSocketClient) -> None:
        self._client = client

    async def place_order(
        self,
        symbol: str,
        side: str,
        order_type: str,
        quantity: Decimal,
        price: Decimal | None = None,
        client_order_id: str | None = None,
    ) -> OrderUpdate:
        """A spot order: ``order_type`` is ``limit``, ``market``, ``maker_only``, ``ioc`` or
        ``fok``; a market buy's ``quantity`` is in the quote currency (CoinEx's rule).
        Returns the order as CoinEx accepted it (``exec_type`` ``new``)."""
        client = self._client
        return await coinex_rest.place_order(
            self._credentials(), client.rest_url, symbol, side, order_type, quantity, price,
            client_order_id, timeout=client._request_timeout, clock=client._clock_ms,
        )  # fmt: skip

    async def cancel_order(self, symbol: str, order_id: int | str) -> OrderUpdate:
        """Cancel one order; returns it as cancelled (3600 ``OrderNotFoundError`` when it is
        not open)."""
        client = self._client
        return await coinex_rest.cancel_order(
            self._credentials(), client.rest_url, symbol, order_id,
            timeout=client._request_timeout, clock=client._clock_ms,
        )  # fmt: skip

    async def get_order(self, symbol: str, order_id: int | str) -> OrderUpdate:
        client = self._client
        return await coinex_rest.get_order(
            self._credentials(), client.rest_url, symbol, order_id,
            timeout=client._request_timeout, clock=client._clock_ms,
        )  # fmt: skip

    async def get_open_orders(
        self,
        symbol: str | None = None,
        side: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[OrderUpdate]:
        """The open spot orders (of ``symbol``, or of every market; of ``side``, or both),
        newest first: every page, or ``limit`` of them after the first ``offset`` (the seed's
        ``GetOpenOrdersAsync(symbol, side, offset, limit)``)."""
        if offset < 0 or (limit is not None and limit < 1):
            raise InvalidRequestError("offset must be at least 0 and limit at least 1")
        client = self._client
        orders = await coinex_rest.get_pending_orders(
            self._credentials(), client.rest_url, symbol, side=side,
            timeout=client._request_timeout, clock=client._clock_ms,
        )  # fmt: skip
        return orders[offset:] if limit is None else orders[offset : offset + limit]

    async def cancel_all_orders(self, symbol: str, side: str | None = None) -> None:
        """Cancel every open order of ``symbol`` (of ``side`` only, if given). CoinEx names
        none of them in its answer: the order feed shows each cancel."""
        client = self._client
        await coinex_rest.cancel_all_orders(
            self._credentials(), client.rest_url, symbol, side,
            timeout=client._request_timeout, clock=client._clock_ms,
        )  # fmt: skip

    async def get_closed_orders(
        self,
        symbol: str | None = None,
        side: str | None = None,
        *,
        max_pages: int = coinex_rest.MAX_FINISHED_PAGES,
    ) -> list[OrderUpdate]:
        """The finished spot orders (filled or cancelled), newest first: at most
        ``max_pages`` pages of 100."""
        client = self._client
        return await coinex_rest.get_finished_orders(
            self._credentials(), client.rest_url, symbol, side=side, max_pages=max_pages,
            timeout=client._request_timeout, clock=client._clock_ms,
        )  # fmt: skip

    async def get_balances(self, assets: Sequence[str] | None = None) -> list[Balance]:
        """The spot balances (available + frozen, both as wallets), of ``assets`` only if
        given."""
        client = self._client
        balances = await coinex_rest.get_balances(
            self._credentials(), client.rest_url,
            timeout=client._request_timeout, clock=client._clock_ms,
        )  # fmt: skip
        if not assets:
            return balances
        wanted = {a.upper() for a in assets}
        return [b for b in balances if b.asset.upper() in wanted]

    def _credentials(self) -> CoinExCredentials:
        credentials = self._client._credentials
        if credentials is None:
            raise InvalidCredentialsError(
                "CoinEx trading needs credentials (access_id, secret_key)"
            )
        return credentials
