"""CoinEx socket API v2 (``/coinex/v2/spot``): one connection's requests, answers and pushes.

A :class:`SimCoinExV2Session` is sans-I/O: :meth:`~SimCoinExV2Session.receive` takes a request
(JSON text) and appends gzip binary frames to ``outbox``; the hub and the private feed add
their pushes there too. Behaviour (spec A2-A8):

- ``server.ping`` -> ``data {"result": "pong"}``; ``server.time`` -> ``data {"timestamp": ms}``;
- ``server.sign`` (``access_id``, ``signed_str``, ``timestamp``): 21002 when wrong; private
  subscriptions before a successful sign: 21001;
- every ``X.subscribe`` **replaces** the connection's earlier list for ``X`` (spec A5.0);
  an empty ``market_list`` (``ccy_list``) means all; ``X.unsubscribe`` takes market names
  (for depth too), ``[]`` meaning all;
- the first push after a subscribe: depth a full book, deals the recent deals (newest
  first), state / bbo / index the market as it stands;
- ``balance.subscribe`` takes ``ccy_list`` only (``market_list`` is 20001); a
  ``depth.subscribe`` must list its tuples (an empty list is 20001: there is no "all" depth);
- a malformed request or bad params: 20001; an unknown method: 20002.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec

from spotstream.simulator.market.feed import BookPublisher
from spotstream.simulator.matching.engine import MatchingEngine
from spotstream.simulator.venues.coinex.credentials import CoinExKeyStore
from spotstream.simulator.venues.coinex.orders import CoinExOrders
from spotstream.simulator.venues.coinex.v2 import frames
from spotstream.simulator.venues.coinex.v2.depth import INTERVALS, LIMITS
from spotstream.simulator.venues.coinex.v2.hub import CoinExV2Hub, DepthKey
from spotstream.simulator.venues.coinex.v2.private_streams import PRIVATE, PrivateFeed

PUBLIC = ("state", "depth", "deals", "bbo", "index")


class _Request(msgspec.Struct):
    method: str
    params: Any = {}  # an object, checked once the id is known
    id: int | None = None


_REQUEST = msgspec.json.Decoder(_Request)


class ParamsError(Exception):
    """The request's params are not valid (20001)."""


class SimCoinExV2Session:
    """One client connection to the CoinEx v2 spot socket."""

    def __init__(
        self,
        hub: CoinExV2Hub,
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
        self.streams: dict[str, frozenset[str]] = {}  # public method -> markets
        self.depth: dict[str, tuple[DepthKey, bool]] = {}  # market -> its depth subscription
        self.account_id: str | None = None
        self.private: PrivateFeed | None = None
        self._held: list[bytes] | None = None  # pushes waiting for the answer being made
        self._handlers: dict[str, Callable[[str, dict[str, Any]], Any]] = {
            "server.ping": lambda _, p: {"result": "pong"},
            "server.time": lambda _, p: {"timestamp": frames.ms(self.hub.clock())},
            "server.sign": self._sign,
            "notice.subscribe": self._notice,
            "notice.unsubscribe": self._notice,
        }
        for method in (*PUBLIC, *PRIVATE):
            self._handlers[f"{method}.subscribe"] = self._subscribe
            self._handlers[f"{method}.unsubscribe"] = self._unsubscribe

    def open(self) -> None:
        """CoinEx sends nothing until asked."""

    def close(self) -> None:
        for method, names in list(self.streams.items()):
            self._leave(method, names)
        self.streams.clear()
        self.hub.notice.pop(self, None)
        self.hub.forget(self)
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
            if not isinstance(request.params, dict):
                raise ParamsError
            data = handler(request.method, request.params)
        except ParamsError:
            self._send(frames.error(request.id, frames.INVALID_ARGUMENT))
            return
        except _AuthError as error:
            self._send(frames.error(request.id, error.code))
            return
        finally:
            self._held = None
        self._send(frames.ok(request.id, data))
        self.outbox.extend(held)  # first pushes follow the answer

    def _send(self, payload: bytes) -> None:
        self.outbox.append(frames.frame(payload))

    def _push(self, payload: bytes) -> None:
        """A push: after the answer of the request being handled, else at once."""
        if self._held is not None:
            self._held.append(frames.frame(payload))
        else:
            self._send(payload)

    # --- server.* -------------------------------------------------------------------------------

    def _sign(self, _: str, params: dict[str, Any]) -> None:
        account = self.keys.sign_in(
            params.get("access_id"), params.get("signed_str"), params.get("timestamp")
        )
        if account is None or account not in self.engine.accounts:
            raise _AuthError(frames.SIGNATURE_INCORRECT)
        if self.private is not None and self.private.account_id != account:
            self.private.close()
            self.private = None
        self.account_id = account
        self._signed_ids.add(self.connection_id)

    def _notice(self, method: str, params: dict[str, Any]) -> None:
        channels = params.get("channels")
        if not isinstance(channels, list) or not all(_is_int(c) for c in channels):
            raise ParamsError
        if method == "notice.subscribe":
            self.hub.notice[self] = None
        else:
            self.hub.notice.pop(self, None)

    # --- subscriptions --------------------------------------------------------------------------

    def _subscribe(self, method: str, params: dict[str, Any]) -> None:
        kind = method.removesuffix(".subscribe")
        if kind in PRIVATE:
            self._subscribe_private(kind, params)
            return
        if kind == "depth":
            self._subscribe_depth(params)
            return
        names = self._markets(params)
        old = self.streams.get(kind, frozenset())
        self._leave(kind, old)
        self.streams[kind] = names
        self._join(kind, names)

    def _unsubscribe(self, method: str, params: dict[str, Any]) -> None:
        kind = method.removesuffix(".unsubscribe")
        if kind in PRIVATE:
            private = self._signed()
            key = "ccy_list" if kind == "balance" else "market_list"
            private.unsubscribe(kind, frozenset(_names(params, key)))
            return
        names = frozenset(_names(params, "market_list")) or self.streams.get(kind, frozenset())
        current = self.streams.get(kind)
        if current is None:
            return
        gone = names & current
        self._leave(kind, gone)
        if current - gone:
            self.streams[kind] = current - gone
        else:
            del self.streams[kind]

    def _subscribe_depth(self, params: dict[str, Any]) -> None:
        entries = params.get("market_list")
        if not isinstance(entries, list) or not entries:
            raise ParamsError
        wanted: dict[str, tuple[DepthKey, bool]] = {}
        for entry in entries:
            if not isinstance(entry, list) or len(entry) != 4:
                raise ParamsError
            market, limit, interval, if_full = entry
            valid = (
                market in self.hub.markets
                and _is_int(limit)
                and limit in LIMITS
                and interval in INTERVALS
                and isinstance(if_full, bool)
            )
            if not valid:
                raise ParamsError
            wanted[market] = ((market, limit, interval), if_full)
        self._leave("depth", self.streams.get("depth", frozenset()))
        self.streams["depth"] = frozenset(wanted)
        self.depth = wanted
        self._join("depth", frozenset(wanted))

    def _join(self, kind: str, names: frozenset[str]) -> None:
        hub = self.hub
        for name in hub.markets:  # in market order
            if name not in names:
                continue
            if kind == "depth":
                key, if_full = self.depth[name]
                self._push(hub.join_depth(key, self, if_full))
                continue
            hub.watch(name, 1)
            if kind == "deals":
                hub.deals[name][self] = None
                self._push(hub.deals_snapshot(name))
            elif kind == "bbo":
                hub.bbo[name][self] = None
                self._push(hub.bbo_push(name))
            elif kind == "index":
                hub.index[name][self] = None
                self._push(hub.index_push(self, name))
        if kind == "state":
            hub.state[self] = names
            self._push(hub.state_push([n for n in hub.markets if n in names]))

    def _leave(self, kind: str, names: frozenset[str]) -> None:
        hub = self.hub
        for name in names:
            if kind == "depth":
                key, _ = self.depth.pop(name)
                hub.leave_depth(key, self)
                continue
            hub.watch(name, -1)
            if kind in ("deals", "bbo", "index"):
                getattr(hub, kind)[name].pop(self, None)
        if kind == "state":
            left = self.streams.get("state", frozenset()) - names
            if left:
                hub.state[self] = left
            else:
                hub.state.pop(self, None)

    def _markets(self, params: dict[str, Any]) -> frozenset[str]:
        names = _names(params, "market_list")
        if any(name not in self.hub.markets for name in names):
            raise ParamsError
        return frozenset(names or self.hub.markets)

    # --- private --------------------------------------------------------------------------------

    def _signed(self) -> PrivateFeed:
        if self.account_id is None:
            raise _AuthError(frames.REQUIRE_AUTH)
        if self.private is None:
            self.private = PrivateFeed(
                self.engine, self.orders, self.hub, self.account_id, self._push
            )
        return self.private

    def _subscribe_private(self, kind: str, params: dict[str, Any]) -> None:
        private = self._signed()
        if kind == "balance":
            if "market_list" in params:
                raise ParamsError
            names = _names(params, "ccy_list")
        else:
            names = _names(params, "market_list")
            if any(name not in self.hub.markets for name in names):
                raise ParamsError
        private.subscribe(kind, frozenset(names))


class _AuthError(Exception):
    def __init__(self, code: tuple[int, str]) -> None:
        super().__init__(code[1])
        self.code = code


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _names(params: dict[str, Any], key: str) -> list[str]:
    """The list of names under ``key`` (absent: none); anything else is 20001."""
    names = params.get(key, [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ParamsError
    return list(dict.fromkeys(names))
