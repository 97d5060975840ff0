"""CoinEx socket API v1 (``/coinex/``): one connection's requests, answers and pushes.

A :class:`SimCoinExV1Session` is sans-I/O: :meth:`~SimCoinExV1Session.receive` takes a request
``{"method", "params": [...], "id"}`` and appends text frames to ``outbox``; the hub and the
private feed add their pushes there too. Behaviour (spec B1-B6):

- answers ``{"error": null, "result": ..., "id"}``; errors ``{"error": {"code", "message"},
  "result": null, "id"}``: 1 bad params (or a request that is not JSON), 4 unknown method,
  6 a private method before a successful ``server.sign``, 11 a refused ``server.sign``
  (viabtc's code: wrong key or signature, or a tonce more than 60 s from the clock);
- ``X.subscribe`` **replaces** the connection's earlier subscription of that type (depth,
  deals, kline, state, asset, order); a market list ``[]`` means all markets (state,
  deals, order; asset: all assets); ``depth.subscribe_multi`` subscribes several books;
  ``X.unsubscribe`` takes ``[]`` or any params (the original subscribe's, as CoinEx.Net
  sends) and ends that type;
- the first pushes after a subscribe (sent after its answer): depth a full window
  (``clean`` true), deals the recent deals (newest first), state the markets as they
  stand, kline the open candle; asset and order push only what changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.venues.coinex.credentials import CoinExKeyStore
from spotstream.simulator.venues.coinex.depth_groups import DepthKey
from spotstream.simulator.venues.coinex.orders import CoinExOrders
from spotstream.simulator.venues.coinex.v1 import frames
from spotstream.simulator.venues.coinex.v1 import params as p
from spotstream.simulator.venues.coinex.v1.hub import CoinExV1Hub
from spotstream.simulator.venues.coinex.v1.private import PRIVATE, V1PrivateFeed
from spotstream.simulator.venues.coinex.v1.queries import Queries

PUBLIC = ("state", "depth", "deals", "kline")
TONCE_WINDOW_MS = 60_000
Handler = Callable[[list[Any]], Any]


class _Request(msgspec.Struct):
    method: str
    params: Any = []  # a list, checked once the id is known
    id: int | None = None


_REQUEST = msgspec.json.Decoder(_Request)


class _Refused(Exception):
    def __init__(self, code: tuple[int, str]) -> None:
        super().__init__(code[1])
        self.code = code


class SimCoinExV1Session:
    """One client connection to the CoinEx v1 socket."""

    def __init__(
        self,
        hub: CoinExV1Hub,
        engine: MatchingEngine[BookPublisher],
        keys: CoinExKeyStore,
        orders: CoinExOrders,
        connection_id: int = 0,
        signed: set[int] | None = None,
    ) -> None:
        self.hub = hub
        self.engine = engine
        self.keys = keys
        self.orders = orders
        self.connection_id = connection_id
        self._signed_ids = signed if signed is not None else set()  # shared by the venue
        self.outbox: list[bytes] = []
        self.streams: dict[str, frozenset[str]] = {}  # public type -> its markets
        self.depth: dict[str, tuple[DepthKey, bool]] = {}  # market -> its depth subscription
        self.kline: tuple[str, int] | None = None
        self.account_id: str | None = None
        self.private: V1PrivateFeed | None = None
        self._held: list[bytes] | None = None  # pushes waiting for the answer being made
        queries = Queries(hub, self._signed)
        self._handlers: dict[str, Handler] = {
            "server.ping": lambda _: "pong",
            "server.time": lambda _: hub.clock() // frames.NS_PER_S,
            "server.sign": self._sign,
            "state.query": queries.state,
            "depth.query": queries.depth,
            "deals.query": queries.deals,
            "kline.query": queries.kline,
            "asset.query": queries.asset,
            "order.query": queries.order,
            "depth.subscribe_multi": self._depth_multi,
        }
        for kind in (*PUBLIC, *PRIVATE):
            self._handlers[f"{kind}.subscribe"] = self._subscriber(kind)
            self._handlers[f"{kind}.unsubscribe"] = self._unsubscriber(kind)

    def open(self) -> None:
        """CoinEx sends nothing until asked."""

    def close(self) -> None:
        for kind in list(self.streams):
            self._leave(kind)
        if self.private is not None:
            self.private.close()
        self._signed_ids.discard(self.connection_id)

    def receive(self, payload: bytes | str) -> None:
        """Handle one request."""
        try:
            request = _REQUEST.decode(payload)
        except msgspec.MsgspecError:
            self._send(frames.error(None, frames.INVALID_ARGUMENT))
            return
        handler = self._handlers.get(request.method)
        if handler is None:
            self._send(frames.error(request.id, frames.METHOD_NOT_FOUND))
            return
        held: list[bytes] = []
        self._held = held
        try:
            if not isinstance(request.params, list):
                raise p.ParamsError
            result = handler(request.params)
        except p.ParamsError:
            self._send(frames.error(request.id, frames.INVALID_ARGUMENT))
            return
        except _Refused as refused:
            self._send(frames.error(request.id, refused.code))
            return
        finally:
            self._held = None
        self._send(frames.ok(request.id, result))
        self.outbox.extend(held)  # first pushes follow the answer

    def _send(self, payload: bytes) -> None:
        self.outbox.append(frames.frame(payload))

    def _push(self, payload: bytes) -> None:
        """A push: after the answer of the request being handled, else at once."""
        if self._held is not None:
            self._held.append(frames.frame(payload))
        else:
            self._send(payload)

    # --- server.sign ----------------------------------------------------------------------------

    def _sign(self, params: list[Any]) -> dict[str, str]:
        access_id, authorization, tonce = p.sign(params)
        if abs(tonce - self.hub.clock() // frames.NS_PER_MS) > TONCE_WINDOW_MS:
            raise _Refused(frames.TONCE_EXPIRED)
        account = self.keys.sign_in_v1(access_id, authorization, tonce)
        if account is None or account not in self.engine.accounts:
            raise _Refused(frames.SIGNATURE_INCORRECT)
        if self.private is not None and self.private.account_id != account:
            self.private.close()
            self.private = None
        self.account_id = account
        self._signed_ids.add(self.connection_id)
        return frames.SUCCESS

    def _signed(self) -> V1PrivateFeed:
        if self.account_id is None:
            raise _Refused(frames.REQUIRE_AUTH)
        if self.private is None:
            self.private = V1PrivateFeed(
                self.engine, self.orders, self.hub, self.account_id, self._push
            )
        return self.private

    # --- subscriptions --------------------------------------------------------------------------

    def _subscriber(self, kind: str) -> Handler:
        def subscribe(params: list[Any]) -> dict[str, str]:
            if kind in PRIVATE:
                private = self._signed()
                known = self.hub.currencies if kind == "asset" else self.hub.markets
                private.subscribe(kind, p.names(params, known))
            elif kind == "depth":
                key, full = p.depth(params, self.hub.markets)
                self._set_depth({key[0]: (key, full)})
            elif kind == "kline":
                if len(params) != 2:
                    raise p.ParamsError
                name = p.market(params[0], self.hub.markets)
                self._set_kline(name, p.kline_interval(params[1]))
            else:
                names = p.names(params, self.hub.markets) or frozenset(self.hub.markets)
                self._leave(kind)
                self._join(kind, names)
            return frames.SUCCESS

        return subscribe

    def _unsubscriber(self, kind: str) -> Handler:
        def unsubscribe(_: list[Any]) -> dict[str, str]:
            if kind in PRIVATE:
                self._signed().unsubscribe(kind)
            else:
                self._leave(kind)
            return frames.SUCCESS

        return unsubscribe

    def _depth_multi(self, params: list[Any]) -> dict[str, str]:
        if not params:
            raise p.ParamsError
        wanted = {}
        for entry in params:
            key, full = p.depth(entry, self.hub.markets)
            wanted[key[0]] = (key, full)
        self._set_depth(wanted)
        return frames.SUCCESS

    def _set_depth(self, wanted: dict[str, tuple[DepthKey, bool]]) -> None:
        self._leave("depth")
        self.depth = wanted
        self.streams["depth"] = frozenset(wanted)
        for name in self.hub.markets:  # in market order
            if name in wanted:
                key, full = wanted[name]
                self._push(self.hub.join_depth(key, self, full))

    def _set_kline(self, name: str, interval: int) -> None:
        self._leave("kline")
        self.kline = (name, interval)
        self.streams["kline"] = frozenset((name,))
        self.hub.kline.setdefault(self.kline, {})[self] = None
        self.hub.watch(name, 1)
        self._push(self.hub.kline_push(name, interval))

    def _join(self, kind: str, names: frozenset[str]) -> None:
        hub = self.hub
        self.streams[kind] = names
        ordered = [name for name in hub.markets if name in names]
        for name in ordered:
            hub.watch(name, 1)
            if kind == "deals":
                hub.deals[name][self] = None
                self._push(hub.deals_push(name, hub.recent_deals(name)))
        if kind == "state":
            hub.state[self] = names
            self._push(hub.state_push(ordered))

    def _leave(self, kind: str) -> None:
        names = self.streams.pop(kind, None)
        if names is None:
            return
        hub = self.hub
        if kind == "depth":
            for key, _ in self.depth.values():
                hub.leave_depth(key, self)
            self.depth = {}
            return
        for name in names:
            hub.watch(name, -1)
        if kind == "deals":
            for name in names:
                hub.deals[name].pop(self, None)
        elif kind == "state":
            hub.state.pop(self, None)
        elif kind == "kline" and self.kline is not None:
            group = hub.kline.get(self.kline, {})
            group.pop(self, None)
            if not group:
                hub.kline.pop(self.kline, None)
            self.kline = None
