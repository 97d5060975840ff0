"""The soak itself: a simulator, every venue's client, the fault schedule, the checks.

Phases: start (the simulator, then each client's books and feeds), faults (the schedule for
``duration`` seconds, while clients trade), settle (no more faults; until every book is
synced and every subscription delivered again, at most :data:`GRACE` seconds), then the
figures and a bounded shutdown. Everything is counted, never hidden: an exception escaping a
task or callback (the loop's exception handler) and every record logged at ERROR count as
unhandled exceptions.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import traceback
from dataclasses import dataclass
from typing import Any

from spotstream.errors import ExchangeError, SpotstreamError
from spotstream.simulator.server import Simulator
from spotstream.soak.inject import inject
from spotstream.soak.memory import ThirdsSampler, peak_rss_mb
from spotstream.soak.schedule import fault_schedule
from spotstream.soak.summary import Summary, duplicate_orders
from spotstream.soak.truth import Truth
from spotstream.soak.venues import DEPTH, VENUES, Venue, make_venue
from spotstream.soak.watchers import BookWatch, FeedWatch, Gap, GapLedger, Gate

RATE = 20.0  # market events per second per watched pair
TRADE_EVERY = 0.25  # seconds between two trading calls of one venue
GRACE = 15.0  # seconds the clients get to recover once the faults stop
START_TIMEOUT = 10.0
CLOSE_TIMEOUT = 2.0  # per client, and the simulator
SAMPLE_EVERY = 0.5
TOTAL_SLACK = 28.0  # seconds past ``duration`` the whole run may take, shutdown included
SAMPLES = 5  # error messages kept in the summary


@dataclass(frozen=True)
class SoakOptions:
    duration: float = 30.0
    seed: int = 1
    venues: tuple[str, ...] = VENUES


class Soak:
    def __init__(self, options: SoakOptions, summary: Summary) -> None:
        self.options = options
        self.summary = summary
        self.gate = Gate()
        self.gaps = GapLedger()
        self.books: list[BookWatch] = []
        self.feeds: list[FeedWatch] = []
        self.venues: list[Venue] = []
        self.samples: list[str] = []
        self.memory = ThirdsSampler(options.duration)
        self.unexpected = 0  # exceptions of the soak's own trading loop (not client errors)

    # --- counting errors -----------------------------------------------------------------

    def loop_exception(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        self.summary.unhandled_exceptions += 1
        self._sample(str(context.get("exception") or context.get("message")))

    def log_record(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR:
            self.summary.errors_logged += 1
            self._sample(f"{record.name}: {record.getMessage()}")
        elif Gap.matches(record):
            self.gaps.gap(str(record.args[0]) if isinstance(record.args, tuple) else "")

    def _sample(self, text: str) -> None:
        if len(self.samples) < SAMPLES:
            self.samples.append(text[:300])

    # --- phases ---------------------------------------------------------------------------

    async def run(self) -> None:
        opts = self.options
        async with (
            Simulator(seed=opts.seed, rate=RATE) as sim,
            contextlib.AsyncExitStack() as stack,
        ):
            markets = sorted(
                {m for name in opts.venues for m in make_venue(name, sim).markets.values()}
            )
            truth = Truth(sim.market, markets, DEPTH)
            sim.fanout.add_feed(truth)
            placed_before = sum(sim.matching.placed.values())
            async with asyncio.timeout(START_TIMEOUT):
                for name in opts.venues:
                    self.venues.append(await self._start(name, sim, truth, stack))
            aliases = self._aliases()
            async with asyncio.TaskGroup() as tasks:
                watchers = [tasks.create_task(w.run()) for w in self.books]
                watchers += [tasks.create_task(w.run()) for w in self.feeds]
                traders = [tasks.create_task(self._trade(v)) for v in self.venues]
                sampler = tasks.create_task(self._sample_memory())
                await self._faults(sim, aliases, markets)
                faults_end = time.monotonic()
                await self._settle(faults_end)
                self._figures(sim, faults_end, placed_before)
                for task in (*traders, sampler, *watchers):
                    task.cancel()
            await self._close(stack)

    async def _start(
        self, name: str, sim: Simulator, truth: Truth, stack: contextlib.AsyncExitStack
    ) -> Venue:
        venue = make_venue(name, sim)
        await stack.enter_async_context(_bounded(venue.client))
        for symbol, market in venue.markets.items():
            book = await venue.client.spot.order_book(symbol, depth=DEPTH)
            venue.books[symbol] = book
            self.books.append(BookWatch(name, book, market, truth, self.gate))
        for feed_name, open_feed in venue.feeds.items():
            feed = await open_feed()
            self.feeds.append(FeedWatch(name, feed_name, feed, self.gaps, self.gate))
        return venue

    def _aliases(self) -> dict[str, list[str]]:
        aliases: dict[str, list[str]] = {}
        for venue in self.venues:
            for symbol, market in venue.markets.items():
                names = aliases.setdefault(market, [market])
                if symbol not in names and "/" in symbol:  # Kraken v1's XBT/USD
                    names.append(symbol)
        return aliases

    async def _faults(
        self, sim: Simulator, aliases: dict[str, list[str]], markets: list[str]
    ) -> None:
        schedule = fault_schedule(self.options.seed, self.options.duration, markets)
        started = time.monotonic()
        for fault in schedule:
            delay = started + fault.at - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            inject(fault, sim, self.gate, aliases)
            self.summary.faults_injected += 1
            self.summary.faults[fault.kind] += 1
        rest = started + self.options.duration - time.monotonic()
        if rest > 0:
            await asyncio.sleep(rest)
        sim.faults.resume()

    async def _settle(self, faults_end: float) -> None:
        deadline = faults_end + GRACE
        while time.monotonic() < deadline and not self._recovered(faults_end):  # noqa: ASYNC110
            await asyncio.sleep(0.1)

    def _recovered(self, since: float) -> bool:
        books = all(
            w.ended is None and w.book.status.value == "synced" and w.last_update > since
            for w in self.books
        )
        return books and all(f.ended is None and f.last_event > since for f in self.feeds)

    async def _trade(self, venue: Venue) -> None:
        round_ = 0
        while True:
            await asyncio.sleep(TRADE_EVERY)
            step, round_ = round_, round_ + 1
            if step % 4 != 1:
                self.summary.orders_placed += 1
            try:
                async with asyncio.timeout(venue.client._request_timeout + 1):
                    await venue.trade(step)
            except (SpotstreamError, TimeoutError, OSError) as exc:
                self.summary.order_errors += 1
                if step % 4 != 1 and isinstance(exc, ExchangeError):  # refused: not placed
                    self.summary.orders_refused += 1
                self.summary.order_error_kinds[f"{venue.name}:{type(exc).__name__}"] += 1
            except Exception as exc:  # not a client error: the soak says so
                self.unexpected += 1
                self._sample("".join(traceback.format_exception_only(exc)))

    async def _sample_memory(self) -> None:
        started = time.monotonic()
        while True:
            self.memory.sample(time.monotonic() - started)
            for watch in self.books:
                self.summary.stuck_books += watch.stuck(time.monotonic())
            await asyncio.sleep(SAMPLE_EVERY)

    def _figures(self, sim: Simulator, faults_end: float, placed_before: int) -> None:
        s = self.summary
        for watch in self.books:
            if watch.ended is None and watch.book.status.value == "synced":
                continue
            s.stuck_books += 1
        for watch in self.books:
            s.lost_subscriptions += watch.ended is not None or watch.last_update <= faults_end
        for feed in self.feeds:
            s.lost_subscriptions += feed.ended is not None or feed.last_event <= faults_end
        s.wrong_books = sum(w.wrong for w in self.books)
        s.book_checks = sum(w.checks for w in self.books)
        s.duplicate_fills = sum(f.duplicate_fills for f in self.feeds)
        s.fills = sum(f.fills for f in self.feeds)
        placed = sum(sim.matching.placed.values()) - placed_before
        s.duplicate_orders = duplicate_orders(placed, s.orders_placed, s.orders_refused)
        s.reconnects = sum(v.reconnects() for v in self.venues)
        s.resyncs = sum(w.book.counters.resyncs for w in self.books)
        s.gaps_detected, s.gaps_reconciled = self.gaps.detected, self.gaps.reconciled
        for venue in self.venues:
            mine = [w for w in self.books if w.venue == venue.name]
            s.venues[venue.name] = {
                "reconnects": venue.reconnects(),
                "resyncs": sum(w.book.counters.resyncs for w in mine),
                "book_checks": sum(w.checks for w in mine),
                "wrong_books": sum(w.wrong for w in mine),
                "fills": sum(f.fills for f in self.feeds if f.venue == venue.name),
            }
        s.unhandled_exceptions += self.unexpected

    async def _close(self, stack: contextlib.AsyncExitStack) -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT * (len(self.venues) + 1)):
                await stack.aclose()

    def finish(self, started: float) -> None:
        s = self.summary
        s.unhandled_exceptions += s.errors_logged
        s.peak_rss_mb = max(peak_rss_mb(), *self.memory.peaks)
        s.rss_first_third_mb, _, s.rss_last_third_mb = self.memory.peaks
        s.seconds = time.monotonic() - started
        s.samples = list(self.samples)


@contextlib.asynccontextmanager
async def _bounded(client: Any) -> Any:
    await client.__aenter__()
    try:
        yield client
    finally:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(CLOSE_TIMEOUT):
                await client.__aexit__(None, None, None)


class _Counting(logging.Handler):
    def __init__(self, soak: Soak) -> None:
        super().__init__(logging.WARNING)
        self.soak = soak

    def emit(self, record: logging.LogRecord) -> None:
        self.soak.log_record(record)


async def run_soak(options: SoakOptions) -> Summary:
    """Run the soak; the summary carries what was measured even when the soak itself failed
    (its ``error`` says why)."""
    summary = Summary(seed=options.seed)
    soak = Soak(options, summary)
    started = time.monotonic()
    loop = asyncio.get_running_loop()
    previous = loop.get_exception_handler()
    loop.set_exception_handler(soak.loop_exception)
    handler = _Counting(soak)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        async with asyncio.timeout(options.duration + TOTAL_SLACK):
            await soak.run()
    except (Exception, asyncio.CancelledError) as exc:  # measured so far, and why it stopped
        summary.error = "".join(traceback.format_exception_only(exc)).strip()[:500]
        if isinstance(exc, asyncio.CancelledError):
            raise
    finally:
        root.removeHandler(handler)
        loop.set_exception_handler(previous)
        soak.finish(started)
    return summary
