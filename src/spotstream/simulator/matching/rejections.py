"""Why the matching engine refuses a request: neutral reasons, worded by each venue.

The engine raises :class:`~spotstream.simulator.matching.orders.OrderError` with one
:class:`Rejection` and, for :attr:`Rejection.INVALID_ARGUMENTS`, the offending field as
``detail``; a venue's session turns that into its own error text (one table per venue).
"""

from __future__ import annotations

import enum


class Rejection(enum.StrEnum):
    """The reasons a trading request is refused."""

    # the request itself
    INVALID_ARGUMENTS = "invalid_arguments"  # detail: the field (or what is wrong)
    INVALID_PRICE = "invalid_price"  # not above zero, or a relative price finer than allowed
    PRICE_OFF_TICK = "price_off_tick"
    ORDER_MINIMUM = "order_minimum"  # quantity below the pair's minimum
    COST_MINIMUM = "cost_minimum"  # notional below the pair's minimum
    MARGIN_UNAVAILABLE = "margin_unavailable"  # the simulator has no margin trading
    REDUCE_ONLY_NO_POSITION = "reduce_only_no_position"  # a spot account has no position
    UNKNOWN_POSITION = "unknown_position"  # settling a position that does not exist
    DEADLINE_ELAPSED = "deadline_elapsed"  # the request's deadline has passed
    # the account and its orders
    UNKNOWN_ACCOUNT = "unknown_account"
    UNKNOWN_SYMBOL = "unknown_symbol"
    UNKNOWN_ORDER = "unknown_order"
    NOT_EDITABLE = "not_editable"  # an OTO or triggered order, or nothing left to edit to
    DUPLICATE_CLIENT_ORDER_ID = "duplicate_client_order_id"  # among the open orders
    TOO_MANY_OPEN_ORDERS = "too_many_open_orders"  # per pair, by the account's tier
    INSUFFICIENT_FUNDS = "insufficient_funds"
    POST_ONLY_WOULD_TAKE = "post_only_would_take"
    RATE_LIMITED = "rate_limited"
