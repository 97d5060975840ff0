"""The architecture's rules, checked: the public API, and a protocol layer free of I/O."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import spotstream

SRC = Path(spotstream.__file__).resolve().parent
SANS_IO = ("protocol", "book")
FORBIDDEN = {"asyncio", "websockets", "picows", "socket", "time", "ssl", "selectors", "rich"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
            if node.module.startswith("spotstream."):
                names.add(node.module)
    return names


@pytest.mark.parametrize(
    "path", sorted(p for d in SANS_IO for p in (SRC / d).rglob("*.py")), ids=str
)
def test_sans_io_layers_import_no_io(path: Path) -> None:
    imported = _imports(path)
    assert not imported & FORBIDDEN, f"{path.name} imports {imported & FORBIDDEN}"
    assert not any(name.startswith("spotstream.asyncio") for name in imported)
    assert not any(name.startswith("spotstream.simulator") for name in imported)


GENERIC = ("asyncio", "book")
EXCHANGE_WORDS = re.compile("kraken|coinex", re.IGNORECASE)


def _generic_files() -> list[Path]:
    suffixes = {".py", ".pyi", ".c"}
    return sorted(p for d in GENERIC for p in (SRC / d).rglob("*") if p.suffix in suffixes)


@pytest.mark.parametrize("path", _generic_files(), ids=lambda p: str(p.relative_to(SRC)))
def test_generic_layers_name_no_exchange(path: Path) -> None:
    """Every file of asyncio/ and book/, comments and docstrings included."""
    named = sorted(set(EXCHANGE_WORDS.findall(path.read_text())))
    assert not named, f"{path.relative_to(SRC)} names {named}"


def test_public_api_is_complete_and_importable() -> None:
    assert len(set(spotstream.__all__)) == len(spotstream.__all__)
    for name in spotstream.__all__:
        assert getattr(spotstream, name) is not None
    for error in ("SpotstreamError", "ExchangeError", "SubscriptionError", "DecodeError"):
        assert issubclass(getattr(spotstream, error), spotstream.SpotstreamError)


def test_repository_stands_alone() -> None:
    """No test, benchmark or document reaches outside the repository for its data."""
    root = SRC.parents[1]
    outside = re.compile(r"\bshared/(?:captures|spec)\b|\.\./shared\b")
    paths = [root / "README.md"]
    for folder in ("tests", "bench", "docs", "examples", "src"):
        paths += [p for p in (root / folder).rglob("*") if p.suffix in {".py", ".md", ".sh"}]
    offenders = [str(p.relative_to(root)) for p in paths if outside.search(p.read_text())]
    assert not offenders


SIMULATOR_GENERIC = ("simulator/market", "simulator/matching")
VENUE_MODULES = ("spotstream.simulator.venues", "spotstream.protocol.kraken")


def _full_imports(path: Path) -> set[str]:
    """Every module ``path`` imports, by full name (``from m import x``: ``m`` and ``m.x``)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


@pytest.mark.parametrize(
    "path",
    sorted(p for d in SIMULATOR_GENERIC for p in (SRC / d).rglob("*.py")),
    ids=lambda p: str(p.relative_to(SRC)),
)
def test_simulator_market_and_matching_name_no_venue(path: Path) -> None:
    """The simulator's market and matching engine are venue-neutral: no exchange named (in
    any case, comments and docstrings included), nothing imported from a venue package."""
    relative = str(path.relative_to(SRC))
    text, imported = path.read_text(), _full_imports(path)
    named = EXCHANGE_WORDS.findall(text)
    assert not named, f"{relative} names {sorted(set(named))}"
    venue = sorted(n for n in imported if n.startswith(VENUE_MODULES))
    assert not venue, f"{relative} imports {venue}"
