"""The matching engine: accounts, orders and fills over the simulated market (sans-I/O).

:class:`MatchingEngine` takes neutral trading requests (new orders as an ``OrderRequest``,
changes as an ``Amendment`` or a ``Replacement``; each venue reads its own wire into these)
and either does them or raises
:class:`~spotstream.simulator.matching.orders.OrderError` with a neutral
:class:`~spotstream.simulator.matching.rejections.Rejection` (each venue words it); what
happens to orders is told to listeners as
:class:`~spotstream.simulator.matching.orders.ExecutionEvent` and
:class:`~spotstream.simulator.matching.accounts.LedgerRecord`. No asyncio: timers (``gtd`` expiry,
``effective_time``, ``cancel_all_orders_after``) go through ``call_later`` and every time
comes from ``clock`` (epoch ns). How orders match:
:mod:`spotstream.simulator.matching.book_matching`. The engine publishes through any
:class:`~spotstream.simulator.market.feed.BookPublisher` (the fan-out of every venue).

Decisions where the exchange's behaviour is not documented:

- rate limits (§10) refuse order placement, amends and edits over the threshold; cancels are
  counted but never refused (a client must always be able to get out);
- a ``cl_ord_id`` already used by an open order of the account is
  ``DUPLICATE_CLIENT_ORDER_ID``; an unknown symbol ``UNKNOWN_SYMBOL``;
- ``batch_add`` checks funds for the whole batch before placing anything (all or nothing);
  what happens after placement (post-only cancels, IOC rests) shows on ``executions``;
- ``edit_order`` with ``order_qty`` Q opens the new order for ``Q - filled`` (fills stay on
  the old order, which is cancelled with reason ``Order replaced``);
- amending ``order_qty`` to the filled quantity or less cancels the rest of the order;
- an OTO secondary that cannot be opened (below the minimum size, or not funded) is skipped.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal

import msgspec

from spotstream.models.enums import TRIGGERED_ORDER_TYPES, LimitPriceType, OrderSide
from spotstream.models.orders import OrderRequest
from spotstream.simulator.market.instruments import InstrumentSpec
from spotstream.simulator.market.state import Market
from spotstream.simulator.matching.accounts import Account, AccountSpec
from spotstream.simulator.matching.book_matching import Matcher
from spotstream.simulator.matching.order_checks import (
    build_order,
    invalid,
    price_units,
    qty_units,
)
from spotstream.simulator.matching.order_flow import CallLater, Hub, opposite
from spotstream.simulator.matching.orders import (
    Amendment,
    Order,
    OrderError,
    OrderFill,
    Replacement,
)
from spotstream.simulator.matching.ratelimit import (
    ADD_COST,
    BATCH_ADD_COST,
    amend_cost,
    cancel_cost,
    edit_cost,
)
from spotstream.simulator.matching.rejections import Rejection
from spotstream.simulator.matching.triggers import make_trigger, offset_price

NS_PER_S = 1_000_000_000
MAX_CANCEL_AFTER = 86_400
USER_REQUESTED = "User requested"


class MatchingEngine(Matcher[Hub]):
    """Every account's orders on one market; see the module docstring for the rules."""

    def __init__(
        self,
        market: Market,
        hub: Hub,
        clock: Callable[[], int],
        accounts: tuple[AccountSpec, ...],
        call_later: CallLater,
        flush: Callable[[], None],
        *,
        seed: object = 1,
    ) -> None:
        super().__init__(market, hub, clock, accounts, call_later, flush, seed)
        self.placed: Counter[str] = Counter()  # account -> orders placed (validate-only not)

    # --- accounts -------------------------------------------------------------------------------

    def account(self, account_id: str) -> Account:
        account = self.accounts.get(account_id)
        if account is None:
            raise OrderError(Rejection.UNKNOWN_ACCOUNT)
        return account

    def max_rate_count(self, account_id: str) -> int:
        return self.rates[account_id].tier.threshold

    def rate_count(self, account_id: str, symbol: str) -> int:
        return self.rates[account_id].count(symbol, self.clock())

    def _spec(self, symbol: str) -> InstrumentSpec:
        spec = self.instruments.get(symbol)
        if spec is None:
            raise OrderError(Rejection.UNKNOWN_SYMBOL)
        return spec

    def _charge(self, account_id: str, symbol: str, cost: int, *, refusable: bool) -> None:
        counter, now = self.rates[account_id], self.clock()
        if refusable and not counter.allows(symbol, cost, now):
            raise OrderError(Rejection.RATE_LIMITED)
        counter.charge(symbol, cost, now)

    # --- new orders -----------------------------------------------------------------------------

    def add_order(
        self, account_id: str, symbol: str, params: OrderRequest, *, validate: bool = False
    ) -> Order:
        """Check and place one order (``validate``: check only; the order keeps ``""`` as id)."""
        return self.batch_add(account_id, symbol, [params], validate=validate, cost=ADD_COST)[0]

    def batch_add(
        self,
        account_id: str,
        symbol: str,
        orders: Sequence[OrderRequest],
        *,
        validate: bool = False,
        cost: int | None = None,
    ) -> list[Order]:
        """Check every order, then place them all in request order (or none)."""
        account, spec, now = self.account(account_id), self._spec(symbol), self.clock()
        built = [self._build(account, spec, params, now) for params in orders]
        self._check_ids(account_id, built)
        self._check_open_limit(account_id, symbol, len(built))
        self._check_funds(account, built)
        charge = cost if cost is not None else BATCH_ADD_COST * len(built)
        if not self.rates[account_id].allows(symbol, charge, now):
            raise OrderError(Rejection.RATE_LIMITED)
        if validate:
            return built
        self._charge(account_id, symbol, charge, refusable=False)
        self.placed[account_id] += len(built)
        with self.operation():
            for order in built:
                self.submit(order)
        return built

    def _build(
        self,
        account: Account,
        spec: InstrumentSpec,
        params: OrderRequest,
        now: int,
    ) -> Order:
        symbol = spec.symbol
        last, mid = self.last_price(symbol), self.mid_price(symbol)
        order = build_order(
            params, spec, account_id=account.account_id, now_ns=now, last=last, mid=mid
        )
        order.request = params
        return order

    def _check_ids(self, account_id: str, orders: list[Order]) -> None:
        used = {o.cl_ord_id for o in self.open_orders(account_id) if o.cl_ord_id is not None}
        for order in orders:
            if order.cl_ord_id is not None:
                if order.cl_ord_id in used:
                    raise OrderError(Rejection.DUPLICATE_CLIENT_ORDER_ID)
                used.add(order.cl_ord_id)

    def _check_open_limit(self, account_id: str, symbol: str, adding: int) -> None:
        open_on_pair = sum(1 for o in self.open_orders(account_id) if o.symbol == symbol)
        if open_on_pair + adding > self.rates[account_id].tier.max_open:
            raise OrderError(Rejection.TOO_MANY_OPEN_ORDERS)

    def _check_funds(
        self, account: Account, orders: list[Order], freed: tuple[str, Decimal] | None = None
    ) -> None:
        """Whether ``account`` can hold all of ``orders`` at once (``freed``: an asset and
        amount a replaced order gives back)."""
        needed: dict[str, Decimal] = {}
        for order in orders:
            order.hold_price = self.reckoning_price(order)
            asset = self.funds.hold_asset(order)
            hold = self.funds.hold_for(account, order, order.remaining, order.hold_price)
            needed[asset] = needed.get(asset, Decimal(0)) + hold
        for asset, amount in needed.items():
            back = freed[1] if freed is not None and freed[0] == asset else Decimal(0)
            if amount > account.available(asset) + back:
                raise OrderError(Rejection.INSUFFICIENT_FUNDS)

    # --- amend and edit -------------------------------------------------------------------------

    def _own_open(self, account_id: str, order_id: str | None, cl_ord_id: str | None) -> Order:
        for order in self.orders.values():
            if order.account_id == account_id and (
                (order_id is not None and order.order_id == order_id)
                or (cl_ord_id is not None and order.cl_ord_id == cl_ord_id)
            ):
                return order
        raise OrderError(Rejection.UNKNOWN_ORDER)

    def amend_order(self, account_id: str, params: Amendment) -> tuple[str, Order]:
        """Change an open order in place; returns the amend id and the order."""
        self.account(account_id)
        if (params.order_id is None) == (params.client_order_id is None):
            raise invalid("order_id")
        order = self._own_open(account_id, params.order_id, params.client_order_id)
        spec, now = self.instruments[order.symbol], self.clock()
        cost = amend_cost(now - order.created_ns)
        if not self.rates[account_id].allows(order.symbol, cost, now):
            raise OrderError(Rejection.RATE_LIMITED)
        changed = self._amended_copy(order, params, spec)
        if params.post_only and changed.limit_price != order.limit_price and self._crosses(changed):
            raise OrderError(Rejection.POST_ONLY_WOULD_TAKE)
        account = self.accounts[account_id]
        new_hold = self.funds.hold_for(account, changed, changed.remaining, changed.hold_price)
        if new_hold - order.hold > account.available(self.funds.hold_asset(order)):
            raise OrderError(Rejection.INSUFFICIENT_FUNDS)
        self._charge(account_id, order.symbol, cost, refusable=False)
        with self.operation():
            self._apply_amend(order, changed, now)
        return self.ids.amend_id(), order

    def _amended_copy(self, order: Order, params: Amendment, spec: InstrumentSpec) -> Order:
        """``order`` as the amend would leave it (checked; the original is untouched)."""
        changed = replace(order, qty=qty_units(params.quantity, spec))
        if params.display_quantity is not None:
            display = qty_units(params.display_quantity, spec, "display_qty")
            if order.order_type != "iceberg" or display * 15 < changed.remaining:
                raise invalid("display_qty")
            changed.display_qty = display
        if params.limit_price is not None:
            if order.limit_offset is not None and order.untriggered:
                changed.limit_offset = params.limit_price
                changed.limit_price_type = params.limit_price_type or order.limit_price_type
            elif order.limit_price is None:
                raise invalid("limit_price")
            else:
                changed.limit_price = price_units(params.limit_price, spec)
        if params.trigger_price is not None:
            trigger = order.trigger
            if trigger is None or not order.untriggered:
                raise invalid("trigger_price")
            symbol = spec.symbol
            last = trigger.reference == "last"
            base = self.last_price(symbol) if last else self.mid_price(symbol)
            kind = params.trigger_price_type or trigger.price_type
            changed.trigger = make_trigger(
                order.order_type,
                order.side,
                trigger.reference,
                kind,
                params.trigger_price,
                base,
                spec,
            )
        if changed.limit_price is not None or changed.untriggered:
            changed.hold_price = self.reckoning_price(changed)
        return changed

    def _apply_amend(self, order: Order, changed: Order, now: int) -> None:
        if changed.qty <= order.filled:
            self.close_order(order, "canceled", USER_REQUESTED)
            return
        reprice = changed.limit_price != order.limit_price
        requeue = reprice or changed.qty > order.qty or changed.display_qty != order.display_qty
        for name in ("qty", "display_qty", "limit_price", "limit_offset", "limit_price_type"):
            setattr(order, name, getattr(changed, name))
        order.trigger, order.hold_price = changed.trigger, changed.hold_price
        self.funds.rehold(self.accounts[order.account_id], order)
        self.emit("amended", order, reason=USER_REQUESTED)
        if order.resting and requeue:
            self.unrest(order)
            order.queue_ns = now
            self._execute(order)
        elif order.resting:
            order.visible = min(order.visible, order.remaining)
            self._changed_books.add(order.symbol)
        elif order.untriggered and order.active:
            self._traded.add(order.symbol)  # the new trigger may be reached already

    def edit_order(
        self, account_id: str, params: Replacement, *, validate: bool = False
    ) -> tuple[Order, Order]:
        """Cancel an order and open its replacement; returns (new, old)."""
        account = self.account(account_id)
        old = self._own_open(account_id, params.order_id, None)
        if params.symbol != old.symbol:
            raise invalid("symbol")
        if old.conditional is not None or (old.trigger is not None and not old.untriggered):
            raise OrderError(Rejection.NOT_EDITABLE)
        spec, now = self.instruments[old.symbol], self.clock()
        request = self._edited_request(old, params, spec)
        new = self._build(account, spec, request, now)
        cost = edit_cost(now - old.created_ns)
        if not self.rates[account_id].allows(old.symbol, cost, now):
            raise OrderError(Rejection.RATE_LIMITED)
        self._check_funds(account, [new], freed=(self.funds.hold_asset(old), old.hold))
        if validate:
            return new, old
        self._charge(account_id, old.symbol, cost, refusable=False)
        with self.operation():
            self.close_order(old, "canceled", "Order replaced")
            self.submit(new)
        return new, old

    def _edited_request(
        self, old: Order, params: Replacement, spec: InstrumentSpec
    ) -> OrderRequest:
        request = old.request
        assert request is not None
        total = params.quantity if params.quantity is not None else request.quantity
        left = total - Decimal(old.filled).scaleb(-spec.qty_precision)
        if left <= 0:
            raise OrderError(Rejection.NOT_EDITABLE)
        changes: dict[str, object] = {"quantity": left, "client_order_id": None}
        for name, value in (
            ("limit_price", params.limit_price),
            ("display_quantity", params.display_quantity),
            ("post_only", params.post_only),
            ("reduce_only", params.reduce_only),
            ("user_ref", params.user_ref),
            ("fee_preference", params.fee_preference),
        ):
            if value is not None:
                changes[name] = value
        if params.trigger_price is not None:
            changes["trigger_price"] = params.trigger_price
            changes["trigger_reference"] = params.trigger_reference
            changes["trigger_price_type"] = params.trigger_price_type
        return msgspec.structs.replace(request, **changes)

    # --- cancels --------------------------------------------------------------------------------

    def lookup(self, account_id: str, field: str, value: str | int) -> list[Order]:
        """Open orders of the account whose ``order_id``, ``cl_ord_id`` or ``order_userref``
        is ``value``, oldest first."""
        return [o for o in self.open_orders(account_id) if getattr(o, field) == value]

    def cancel_orders(
        self, account_id: str, orders: Sequence[Order], reason: str = USER_REQUESTED
    ) -> None:
        """Cancel ``orders`` (each costs rate count by its age, never refused)."""
        now = self.clock()
        with self.operation():
            for order in orders:
                if order.is_open:
                    age = now - order.created_ns
                    self._charge(account_id, order.symbol, cancel_cost(age), refusable=False)
                    self.close_order(order, "canceled", reason)

    def cancel_all(self, account_id: str, reason: str = USER_REQUESTED) -> int:
        """Cancel every open order of the account (untriggered and scheduled ones too)."""
        orders = self.open_orders(account_id)
        for symbol in sorted({o.symbol for o in orders}):
            self._charge(account_id, symbol, 100, refusable=False)
        with self.operation():
            for order in orders:
                self.close_order(order, "canceled", reason)
        return len(orders)

    def cancel_all_after(self, account_id: str, timeout: int) -> tuple[int, int | None]:
        """(Re)arm the account's dead man's switch; ``0`` disarms. Returns the current time
        and the trigger time (``None`` when disarmed), both in whole seconds (as ns)."""
        self.account(account_id)
        if not 0 <= timeout < MAX_CANCEL_AFTER:
            raise invalid("timeout")
        now_s = (self.clock() + NS_PER_S // 2) // NS_PER_S
        key = f"cancel-after/{account_id}"
        if timeout == 0:
            self.unschedule(key)
            return now_s * NS_PER_S, None
        at = (now_s + timeout) * NS_PER_S
        self.schedule(key, at, lambda: self._dead_man(account_id))
        return now_s * NS_PER_S, at

    def _dead_man(self, account_id: str) -> None:
        for order in self.open_orders(account_id):
            self.close_order(order, "canceled", "Cancel all orders after timeout")

    # --- OTO --------------------------------------------------------------------------------------

    def open_secondary(self, primary: Order, fill: OrderFill) -> None:
        conditional = primary.conditional
        assert conditional is not None
        spec = self.instruments[primary.symbol]
        limit, limit_type = conditional.limit_price, conditional.limit_price_type
        relative = limit_type != "static" and conditional.order_type not in TRIGGERED_ORDER_TYPES
        if limit is not None and relative:  # a plain limit: relative to the fill price
            units = offset_price(fill.price, limit, limit_type, spec)
            limit, limit_type = Decimal(units).scaleb(-spec.price_precision), LimitPriceType.STATIC
        trigger = conditional.trigger_price
        request = OrderRequest(
            order_type=conditional.order_type,
            side=OrderSide(opposite(primary.side)),
            quantity=Decimal(fill.qty).scaleb(-spec.qty_precision),
            limit_price=limit,
            limit_price_type=limit_type if limit is not None else None,
            trigger_price=trigger,
            trigger_price_type=conditional.trigger_price_type if trigger is not None else None,
        )
        account = self.accounts[primary.account_id]
        now, price = self.clock(), fill.price
        try:
            order = build_order(
                request, spec, account_id=account.account_id, now_ns=now, last=price, mid=price
            )
            order.request = request
            self._check_funds(account, [order])
        except OrderError:
            return
        self.defer(lambda: self.submit(order))
