"""CoinEx socket API v2 private channels, sans-I/O: ``server.sign`` and the account feeds.

:class:`CoinExV2PrivateProtocol` is the state of one authenticated connection: the core's
requests, answers and channel sets (replace semantics, one answer per request) for our
channels ``orders``, ``stop_orders``, ``user_trades`` and ``balances`` (CoinEx's ``order``,
``stop``, ``user_deals``, ``balance``; each subscribed for every market or currency), and
:meth:`sign` (refused with 21002 as an :class:`~spotstream.errors.AuthenticationError`).

Each push becomes one :class:`ChannelData` update on its account-wide stream (symbol
``""``), translated by :mod:`private_translate`. CoinEx's private feeds carry no snapshot
and no sequence number, so nothing on the wire can say that a push was missed; what the
protocol can tell is that a push of a subscribed feed could not be read: what it said is
lost, so it emits a :class:`SequenceGap` for the channel (numbered by the pushes received)
and the session reconciles the account from elsewhere (REST). Balances of margin accounts
(``margin_market`` set) are not the spot account's: they are counted as ``Unhandled``
(``balance:margin``), never applied.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, get_args

from spotstream.errors import InvalidRequestError
from spotstream.models.enums import EventKind
from spotstream.protocol.base import Outgoing
from spotstream.protocol.coinex.framing import DEFAULT_LIMIT
from spotstream.protocol.coinex.gaps import CountedPushes
from spotstream.protocol.coinex.sign import ws_signature
from spotstream.protocol.coinex.v2 import private_translate as translate
from spotstream.protocol.coinex.v2 import private_wire as pw
from spotstream.protocol.coinex.v2 import wire
from spotstream.protocol.coinex.v2.channels import BY_NAME, Channel
from spotstream.protocol.coinex.v2.core import CoinExV2Core, _Pending
from spotstream.protocol.events import ChannelData, Event

if TYPE_CHECKING:  # only its two fields are read: the protocol imports no I/O layer
    from spotstream.auth.coinex import CoinExCredentials

_UPDATE = EventKind.UPDATE
_PUBLIC: tuple[type, ...] = get_args(wire.PublicPush)


class CoinExV2PrivateProtocol(CoinExV2Core, CountedPushes):
    """The state of one authenticated CoinEx v2 connection, without the connection."""

    def __init__(self, frame_limit: int = DEFAULT_LIMIT) -> None:
        super().__init__(frame_limit)
        self._decoder = pw.PUSH_DECODER
        self._routes = {
            pw.OrderPush: self._guarded("orders", self._on_order),
            pw.StopPush: self._guarded("stop_orders", self._on_stop),
            pw.UserDealPush: self._guarded("user_trades", self._on_deal),
            pw.BalancePush: self._guarded("balances", self._on_balance),
            **{push: self._on_public for push in _PUBLIC},
        }

    def sign(self, credentials: CoinExCredentials, timestamp_ms: int) -> Outgoing:
        """``server.sign`` at ``timestamp_ms`` (our method name ``sign``). The answer is a
        :class:`RequestDone` with the answer as its result, or an
        :class:`~spotstream.errors.AuthenticationError` (21002: signature refused)."""
        params = {
            "access_id": credentials.access_id,
            "signed_str": ws_signature(credentials.secret_key, timestamp_ms),
            "timestamp": timestamp_ms,
        }
        return self._request(_Pending("sign", "server.sign"), params)

    def resync_book(self, symbol: str) -> list[Outgoing]:
        raise InvalidRequestError("a CoinEx private connection has no books")

    def drop_book(self, symbol: str) -> None:
        return None

    def _channel(self, name: str) -> Channel:
        spec = BY_NAME.get(name)
        if spec is None or not spec.private:
            raise InvalidRequestError(f"unknown private channel {name!r}")
        return spec

    # --- pushes -----------------------------------------------------------------------------

    def _on_order(self, msg: pw.OrderPush, text: bytes | str) -> list[Event]:
        update = translate.order_update(msg.data)
        if not self.fills.fresh(update, _UPDATE):
            return []
        return [ChannelData(("orders", "", None), _UPDATE, [update], text)]

    def _on_stop(self, msg: pw.StopPush, text: bytes | str) -> list[Event]:
        update = translate.stop_update(msg.data)
        return [ChannelData(("stop_orders", "", None), _UPDATE, [update], text)]

    def _on_deal(self, msg: pw.UserDealPush, text: bytes | str) -> list[Event]:
        fill = translate.user_deal(msg.data)
        if not self.fills.fresh(fill, _UPDATE):
            return []
        return [ChannelData(("user_trades", "", None), _UPDATE, [fill], text)]

    def _on_balance(self, msg: pw.BalancePush, text: bytes | str) -> list[Event]:
        entries = msg.data.balance_list
        spot: list[object] = [translate.balance_entry(e) for e in entries if not e.margin_market]
        events: list[Event] = []
        if len(spot) < len(entries):
            events.append(self._unhandled("balance:margin", "a margin account's balance", text))
        if spot:
            events.append(ChannelData(("balances", "", None), _UPDATE, spot, text))
        return events

    def _on_public(self, msg: Any, text: bytes | str) -> list[Event]:
        method = msg.__struct_config__.tag
        return [self._unhandled(f"{method}:public", "a public push on a private connection", text)]

    def _unreadable_push(self, method: str, why: str, text: bytes | str) -> list[Event]:
        events = super()._unreadable_push(method, why, text)
        return events + self._unreadable(pw.PRIVATE_METHODS.get(method))

    def _subscribed(self, channel: str) -> bool:
        return bool(self.wanted.get(channel))

    def connection_lost(self) -> object:
        super().connection_lost()
        self.received.clear()
        return None
