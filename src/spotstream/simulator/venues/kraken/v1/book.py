"""Kraken v1 ``book-<depth>`` frames for one (pair, depth): the subscriber's window (spec §6).

A :class:`V1BookView` holds exactly what a depth-``D`` client holds (the best ``D`` levels per
side) and, after each market step, works out what v1 sends for the client to hold the new
best ``D``:

- a level inside the window that changed or appeared: its new volume;
- a level inside the window that disappeared: volume ``"0.00000000"``; the level that slides
  into the window from below to refill it is *republished*: ``[price, volume, time, "r"]``,
  with the time it last changed (as live Kraken sends it: one ``"r"`` per deletion);
- a level pushed out of the window by a better one: nothing (the client truncates).

Deletes come first, then changes, then republished levels, so a client that truncates after
every level also ends right. A message carries the side that changed, ``{"a": [...]}`` or
``{"b": [...]}``; when both did, the two objects as separate payloads (an array of five), as
captured from Kraken; the checksum ``"c"`` is in the last of them. Snapshots (``"as"``,
``"bs"``) carry none.

Update frames are templates: a level's time that is "now" is left open and filled in when the
frame is sent (:meth:`V1BookUpdate.frame`), so a max-rate tape encodes each update once.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from collections.abc import Callable

from spotstream.simulator.framing import ws_header
from spotstream.simulator.market.state import DeepBook, DeepSide, Level
from spotstream.simulator.venues.kraken.v1.checksum import (
    CHECKSUM_LEVELS,
    checksum_of_texts,
    level_text,
)
from spotstream.simulator.venues.kraken.v1.numbers import TIME_WIDTH, V1Numbers

NOW = "\x00"  # where a template takes the frame's time (never in JSON text)
LevelTime = Callable[[int, int], str | None]
"""``(sign, price units) -> the time text the level last changed`` (``None``: unknown)."""
Sent = tuple[int, int, bool]  # price units, qty units, republished


class WindowSide:
    """One side of a window: sort keys best first (``price × sign``), volumes, and each
    level's checksum text."""

    __slots__ = ("keys", "qty", "sign", "text")

    def __init__(self, sign: int) -> None:
        self.sign = sign
        self.keys: list[int] = []
        self.qty: dict[int, int] = {}
        self.text: dict[int, str] = {}

    def set(self, key: int, qty: int, numbers: V1Numbers) -> None:
        if key not in self.qty:
            insort(self.keys, key)
        self.qty[key] = qty
        self.text[key] = level_text(numbers.price(key * self.sign), numbers.volume(qty))

    def remove(self, key: int) -> None:
        if self.qty.pop(key, None) is not None:
            del self.text[key]
            self.keys.pop(bisect_right(self.keys, key) - 1)

    def truncate(self, depth: int) -> None:
        for key in self.keys[depth:]:
            del self.qty[key], self.text[key]
        del self.keys[depth:]

    def top_texts(self) -> list[str]:
        text = self.text
        return [text[key] for key in self.keys[:CHECKSUM_LEVELS]]

    def clear(self) -> None:
        self.keys.clear()
        self.qty.clear()
        self.text.clear()


class V1BookUpdate:
    """A pre-encoded update: ``frame(time)`` is one complete websocket frame."""

    __slots__ = ("checksum", "parts")

    def __init__(self, parts: list[bytes], checksum: int) -> None:
        self.parts = parts  # the frame split where it takes the time; parts[0] has the header
        self.checksum = checksum

    def frame(self, time: bytes) -> bytes:
        return time.join(self.parts)

    def corrupted(self) -> V1BookUpdate:
        """The same update with a wrong checksum (for the fault switch)."""
        head = self.parts[0]
        size = head[1] & 0x7F
        payload_parts = [head[{126: 4, 127: 10}.get(size, 2) :], *self.parts[1:]]
        wrong = (self.checksum + 1) & 0xFFFFFFFF
        last = payload_parts[-1].replace(b'"c":"%d"' % self.checksum, b'"c":"%d"' % wrong)
        return _template([*payload_parts[:-1], last], wrong)


def _template(payload_parts: list[bytes], checksum: int) -> V1BookUpdate:
    size = sum(len(part) for part in payload_parts) + TIME_WIDTH * (len(payload_parts) - 1)
    return V1BookUpdate([ws_header(size) + payload_parts[0], *payload_parts[1:]], checksum)


class V1BookView:
    """The best ``depth`` levels of one pair's deep book, as its v1 subscribers hold them."""

    __slots__ = ("_tail", "asks", "bids", "channel_id", "deep", "depth", "numbers")

    def __init__(
        self, deep: DeepBook, depth: int, numbers: V1Numbers, channel_id: int, pair: str
    ) -> None:
        self.deep = deep
        self.depth = depth
        self.numbers = numbers
        self.channel_id = channel_id
        self.bids = WindowSide(-1)
        self.asks = WindowSide(1)
        self._tail = f',"book-{depth}","{pair}"]'
        self.reset()

    def reset(self) -> None:
        """Take the window afresh from the market's deep book."""
        for deep, view in ((self.deep.bids, self.bids), (self.deep.asks, self.asks)):
            view.clear()
            for key in deep.keys[: self.depth]:
                view.set(key, deep.qty[key], self.numbers)

    @property
    def checksum(self) -> int:
        return checksum_of_texts(self.asks.top_texts(), self.bids.top_texts())

    def levels(self, side: WindowSide) -> list[tuple[str, str]]:
        """The side's ``(price, volume)`` wire strings, best first."""
        price, volume, sign = self.numbers.price, self.numbers.volume, side.sign
        return [(price(key * sign), volume(side.qty[key])) for key in side.keys]

    # --- updates ------------------------------------------------------------------------------

    def update(
        self, bids: list[Level], asks: list[Level], times: LevelTime | None = None
    ) -> V1BookUpdate | None:
        """Follow one market step (its level changes per side, already applied to the deep
        book); the update to send, or ``None`` when the window did not change. ``times``
        gives a republished level its last change (else it is sent with the frame's time)."""
        sent_bids = _side_delta(bids, self.deep.bids, self.bids, self) if bids else []
        sent_asks = _side_delta(asks, self.deep.asks, self.asks, self) if asks else []
        if not sent_bids and not sent_asks:
            return None
        checksum = self.checksum
        objects = []
        if sent_asks:
            objects.append(f'{{"a":[{self._levels_json(sent_asks, 1, times)}]')
        if sent_bids:
            objects.append(f'{{"b":[{self._levels_json(sent_bids, -1, times)}]')
        body = "},".join(objects) + f',"c":"{checksum}"}}'
        payload = f"[{self.channel_id},{body}{self._tail}".encode()
        return _template(payload.split(NOW.encode()), checksum)

    def _levels_json(self, levels: list[Sent], sign: int, times: LevelTime | None) -> str:
        price, volume = self.numbers.price, self.numbers.volume
        out = []
        for units, qty, republished in levels:
            if republished:
                time = (times(sign, units) if times is not None else None) or NOW
                out.append(f'["{price(units)}","{volume(qty)}","{time}","r"]')
            else:
                out.append(f'["{price(units)}","{volume(qty)}","{NOW}"]')
        return ",".join(out)

    # --- snapshots ----------------------------------------------------------------------------

    def snapshot(self, now: str, times: LevelTime | None = None) -> bytes:
        """The snapshot payload of the current window (each level with its last change when
        ``times`` knows it, else ``now``)."""
        sides = []
        for key, side in (("as", self.asks), ("bs", self.bids)):
            levels = ",".join(
                f'["{p}","{v}","{_time(times, side.sign, k, now)}"]'
                for k, (p, v) in zip(side.keys, self.levels(side), strict=True)
            )
            sides.append(f'"{key}":[{levels}]')
        return f"[{self.channel_id},{{{','.join(sides)}}}{self._tail}".encode()


def _time(times: LevelTime | None, sign: int, key: int, now: str) -> str:
    return (times(sign, key * sign) if times is not None else None) or now


def _side_delta(
    changes: list[Level], deep: DeepSide, side: WindowSide, view: V1BookView
) -> list[Sent]:
    """What a depth-``depth`` client of ``deep`` must receive on one side, applied to
    ``side``: O(changes + levels sliding in + log n) per step."""
    sign, keys, deep_qty, depth = deep.sign, deep.keys, deep.qty, view.depth
    held = side.qty
    size = min(depth, len(keys))
    new_worst = keys[size - 1] if size else None
    touched = dict.fromkeys([price * sign for price, _ in changes])
    deletes: list[int] = []
    sets: list[int] = []
    for key in touched:
        qty = deep_qty.get(key)
        if qty is None:
            if key in held:
                deletes.append(key)
        elif new_worst is not None and key <= new_worst and held.get(key) != qty:
            sets.append(key)
    old_worst = side.keys[-1] if side.keys else None
    refills: list[int] = []
    if new_worst is not None and (old_worst is None or old_worst < new_worst):
        start = 0 if old_worst is None else bisect_right(keys, old_worst)
        refills = [key for key in keys[start:size] if key not in touched]
    numbers = view.numbers
    for key in deletes:
        side.remove(key)
    for key in (*sets, *refills):
        side.set(key, deep_qty[key], numbers)
    side.truncate(depth)
    out: list[Sent] = [(key * sign, 0, False) for key in deletes]
    out.extend((key * sign, deep_qty[key], False) for key in sets)
    out.extend((key * sign, deep_qty[key], True) for key in refills)
    return out
