"""Kraken's two spellings of a pair: v1 (``XBT/USD``, ``XDG/USD``) and v2 (``BTC/USD``).

WebSocket v1 names pairs by the REST ``wsname``, which keeps Kraken's own asset codes for
bitcoin (``XBT``) and dogecoin (``XDG``); WebSocket v2 uses the common codes (``BTC``,
``DOGE``). Every other asset is spelled the same in both. Users may pass either spelling;
the protocols convert once, at the edge, with :func:`to_v1` / :func:`to_v2`.
"""

from __future__ import annotations

V1_TO_V2_ASSETS = {"XBT": "BTC", "XDG": "DOGE"}
"""The only assets spelled differently (v1 -> v2)."""
V2_TO_V1_ASSETS = {v2: v1 for v1, v2 in V1_TO_V2_ASSETS.items()}


def _convert(pair: str, assets: dict[str, str]) -> str:
    base, slash, quote = pair.partition("/")
    if not slash or not base or not quote or "/" in quote:
        return pair  # not a BASE/QUOTE pair: the exchange will say what it thinks of it
    return f"{assets.get(base, base)}/{assets.get(quote, quote)}"


def to_v2(pair: str) -> str:
    """``XBT/USD`` -> ``BTC/USD``, ``ETH/XBT`` -> ``ETH/BTC``; a v2 name is returned as is."""
    return _convert(pair, V1_TO_V2_ASSETS)


def to_v1(symbol: str) -> str:
    """``BTC/USD`` -> ``XBT/USD``, ``DOGE/USD`` -> ``XDG/USD``; a v1 name is returned as is."""
    return _convert(symbol, V2_TO_V1_ASSETS)
