"""The exception tree drawn in ``spotstream.errors`` is the one the package defines."""

from __future__ import annotations

import importlib
import pkgutil
import re

import spotstream
from spotstream import errors

_TREE_LINE = re.compile(r"^\s*[│├└─\s]*([A-Z]\w+Error)\b", re.MULTILINE)


def _drawing() -> list[str]:
    """The lines of the tree: from the ``::`` to the first paragraph after it."""
    lines = (errors.__doc__ or "").splitlines()
    start = lines.index("::") + 2
    end = lines.index("", start)
    return lines[start:end]


def _drawn() -> set[str]:
    return {m.group(1) for line in _drawing() if (m := _TREE_LINE.match(line))}


def _defined() -> set[type[errors.SpotstreamError]]:
    for module in pkgutil.walk_packages(spotstream.__path__, "spotstream."):
        if module.name != "spotstream.__main__":  # it runs the command line
            importlib.import_module(module.name)
    found: set[type[errors.SpotstreamError]] = set()
    todo = [errors.SpotstreamError]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            if sub.__module__.startswith("spotstream.") and sub not in errors._PARTS:
                found.add(sub)
                todo.append(sub)
    return found


def test_the_tree_names_every_exception_class_of_the_package() -> None:
    drawn = _drawn()
    defined = {cls.__name__ for cls in _defined()}
    assert defined - set(drawn) == set(), "defined but not drawn"
    assert set(drawn) - defined - {"SpotstreamError"} == set(), "drawn but not defined"


def test_the_tree_draws_each_class_under_its_base() -> None:
    """A class is drawn one level deeper than a base of it."""
    classes = {cls.__name__: cls for cls in _defined()} | {
        "SpotstreamError": errors.SpotstreamError
    }
    stack: list[tuple[int, str]] = []
    for line in _drawing():
        match = _TREE_LINE.match(line)
        if match is None:
            continue
        depth, name = match.start(1), match.group(1)
        while stack and stack[-1][0] >= depth:
            stack.pop()
        if stack:
            parent = stack[-1][1]
            assert issubclass(classes[name], classes[parent]), f"{name} drawn under {parent}"
        stack.append((depth, name))
    assert [name for _, name in stack[:1]] == ["SpotstreamError"]


def test_every_error_of_the_errors_module_is_exported() -> None:
    for name in dir(errors):
        value = getattr(errors, name)
        if isinstance(value, type) and issubclass(value, errors.SpotstreamError):
            assert name in spotstream.__all__, name
