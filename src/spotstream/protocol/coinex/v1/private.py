"""CoinEx socket API v1 account feeds, sans-I/O: ``server.sign`` (MD5, spec B3), ``asset``
and ``order`` (our ``balances`` and ``orders``), and their queries (``asset.query``,
``order.query``).

Each feed is subscribed for the whole account (``[]``: every asset, every market); a
subscriber that names markets is given theirs by the client. Like v2, v1's private pushes
carry no sequence number: a push of a subscribed feed that cannot be read is a
:class:`SequenceGap` (numbered by the pushes received) and the session reconciles the account
(from ``asset.query`` and ``order.query``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import msgspec

from spotstream.errors import InvalidRequestError
from spotstream.models.enums import EventKind
from spotstream.models.orders import Balance, OrderUpdate
from spotstream.protocol.base import Outgoing
from spotstream.protocol.coinex.gaps import CountedPushes
from spotstream.protocol.coinex.sign import v1_signature
from spotstream.protocol.coinex.v1 import translate, wire
from spotstream.protocol.coinex.v1.core import CoinExV1Core, _Pending
from spotstream.protocol.coinex.v2.core import canonical
from spotstream.protocol.events import ChannelData, Event

if TYPE_CHECKING:  # only its two fields are read: the protocol imports no I/O layer
    from spotstream.auth.coinex import CoinExCredentials

PRIVATE_METHODS = {"orders": "order", "balances": "asset"}
_PUSH_CHANNELS = {"order.update": "orders", "asset.update": "balances"}
_UPDATE = EventKind.UPDATE
_ASSETS = msgspec.json.Decoder(dict[str, wire.AssetV1])
_ORDERS = msgspec.json.Decoder(wire.OrderPage)
MAX_QUERY_LIMIT = 100  # orders per order.query page


class CoinExV1PrivateProtocol(CoinExV1Core, CountedPushes):
    """The state of one signed CoinEx v1 connection, without the connection."""

    _methods = PRIVATE_METHODS

    def __init__(self) -> None:
        super().__init__()
        self._decoder = wire.PRIVATE_DECODER
        self._routes = {
            wire.OrderPush: self._guarded("orders", self._on_order),
            wire.AssetPush: self._guarded("balances", self._on_asset),
        }

    def sign(self, credentials: CoinExCredentials, tonce_ms: int) -> Outgoing:
        """``server.sign [access_id, authorization, tonce]``; a refusal is an
        :class:`~spotstream.errors.AuthenticationError`."""
        access_id = credentials.access_id
        authorization = v1_signature(access_id, credentials.secret_key, tonce_ms)
        return self._request(_Pending("sign", "server.sign"), [access_id, authorization, tonce_ms])

    def resync_book(self, symbol: str) -> list[Outgoing]:
        raise InvalidRequestError("a CoinEx private connection has no books")

    def drop_book(self, symbol: str) -> None:
        return None

    # --- queries ----------------------------------------------------------------------------

    def asset_query(self, assets: Sequence[str] = ()) -> Outgoing:
        """Balances (``asset.query``) of ``assets`` (none: every asset)."""

        def parse(raw: msgspec.Raw) -> list[Balance]:
            return translate.balances(_ASSETS.decode(raw))

        return self.query("asset.query", [a.upper() for a in assets], parse)

    def order_query(
        self, market: str, side: str | None = None, offset: int = 0, limit: int = MAX_QUERY_LIMIT
    ) -> Outgoing:
        """One page of open orders (``order.query [market, side, offset, limit]``, side 0
        either, 1 sell, 2 buy): the answer's result is ``(orders, total)``."""
        if side not in translate.SIDE_NUMBERS:
            raise InvalidRequestError(f"side must be 'buy', 'sell' or None, not {side!r}")
        if not 1 <= limit <= MAX_QUERY_LIMIT or offset < 0:
            raise InvalidRequestError(f"limit must be 1..{MAX_QUERY_LIMIT}, offset at least 0")

        def parse(raw: msgspec.Raw) -> tuple[list[OrderUpdate], int]:
            page = _ORDERS.decode(raw)
            return [translate.open_order(o) for o in page.records], page.total

        params = [canonical(market), translate.SIDE_NUMBERS[side], offset, limit]
        return self.query("order.query", params, parse)

    # --- pushes -----------------------------------------------------------------------------

    def _on_order(self, msg: wire.OrderPush, text: bytes) -> list[Event]:
        update = translate.order_update(*msg.params)
        if not self.fills.fresh(update, _UPDATE):
            return []
        return [ChannelData(("orders", "", None), _UPDATE, [update], text)]

    def _on_asset(self, msg: wire.AssetPush, text: bytes) -> list[Event]:
        balances: list[object] = list(translate.balances(msg.params[0]))
        return [ChannelData(("balances", "", None), _UPDATE, balances, text)]

    def _unreadable_push(self, method: str, why: str, text: bytes) -> list[Event]:
        events = super()._unreadable_push(method, why, text)
        return events + self._unreadable(_PUSH_CHANNELS.get(method))

    def _subscribed(self, channel: str) -> bool:
        return channel in self.held

    def connection_lost(self) -> object:
        super().connection_lost()
        self.received.clear()
        return None
