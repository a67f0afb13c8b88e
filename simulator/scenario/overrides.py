"""Overrides: change a scenario by dotted path before it is validated.

``staff.agents.headcount=16`` sets a key; a list element is picked by its
``name`` (``processes.billing.steps.resolve.error_rate=0.05``), or, when it has none,
by its position (``staff.chat_team.shifts.0.count``) or, for a shift, by its hours
(``staff.chat_team.shifts.08:00-13:00.count``), the name it is given. Values are read
as YAML, so ``16``, ``0.05``, ``2h`` and ``{exponential: {mean: 3}}`` all mean
what they would in the file. The result is validated like the file itself, so a
bad override gets the same clear message as a bad line.
"""

from __future__ import annotations

import copy
import difflib
from typing import Any

from simulator.errors import InputError, ScenarioError
from simulator.scenario.yaml_source import UNWRITABLE, parse_yaml_text
from simulator.units import UnitError, format_clock, parse_clock


def parse_assignment(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` from the command line, the value read as YAML."""
    path, sep, raw = text.partition("=")
    if not sep or not path.strip():
        raise InputError(f"--set {text!r}: expected PATH=VALUE, e.g. staff.agents.headcount=16")
    try:   # the file's own reader: the same limits, merge keys and checks of text
        value = parse_yaml_text(raw, "--set") if raw.strip() else None
    except ScenarioError as error:
        raise InputError(f"--set {ascii(text)[1:-1] if UNWRITABLE.search(text) else text!r}: "
                         f"{error.problems[0].message}") from None
    if UNWRITABLE.search(path):
        raise InputError(f"--set {ascii(text)}: the path contains a control character or lone surrogate")
    return path.strip(), value


def apply_overrides(data: Any, overrides: dict[str, Any], origin: str = "--set") -> Any:
    """A copy of the parsed scenario with every ``path: value`` of ``overrides`` applied.

    Every part of a path but the last must exist (a typo must not create a new pool); the last key
    may be new, to add an optional setting such as a step's ``error_rate``.
    """
    data = copy.deepcopy(data)
    for path, value in overrides.items():
        _set(data, path, value, origin)
    return data


def value_at(data: Any, path: str, origin: str = "--set") -> Any:
    """The value at a dotted path of the parsed scenario (every part must exist)."""
    parts = path.split(".")
    node = data
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, part, ".".join(parts[:depth + 1]), path, origin)
    node = _distribution_parameters(node, parts[-1])
    if isinstance(node, dict) and parts[-1] in node:
        return node[parts[-1]]
    if isinstance(node, list):
        index = _find(node, parts[-1])
        if index is not None:
            return node[index]
    raise InputError(f"{origin} {path}: '{'.'.join(parts[:-1]) or path}' has no entry '{parts[-1]}'")


def _set(data: Any, path: str, value: Any, origin: str) -> None:
    parts = path.split(".")
    node = data
    for depth, part in enumerate(parts[:-1]):
        node = _child(node, part, ".".join(parts[:depth + 1]), path, origin)
    last = parts[-1]
    node = _distribution_parameters(node, last)
    if isinstance(node, dict):
        node[last] = value
        return
    if isinstance(node, list):
        index = _find(node, last)
        if index is not None:
            node[index] = value
            return
    raise InputError(f"{origin} {path}: '{'.'.join(parts[:-1])}' has no entry '{last}' to set")


# ways of giving a distribution's spread: setting one replaces the other (``duration.cv=0.4`` on a
# lognormal written with ``sd`` changes the spread alone, keeping the mean)
SPREADS = {"cv": ("sd", "shape"), "sd": ("cv",), "shape": ("cv",)}


def _distribution_parameters(node: Any, last: str) -> Any:
    """``duration.cv``: a distribution is a one-key mapping naming its family; a parameter set on the
    distribution goes to the family's own mapping, where a spread given another way gives way to it."""
    from simulator.scenario.distribution_reader import FAMILIES

    if isinstance(node, dict) and last not in node and len(node) == 1:
        family = next(iter(node))
        if family in FAMILIES and isinstance(node[family], dict):
            node = node[family]
    if isinstance(node, dict) and last in SPREADS and last not in node and "mean" in node:
        for other in SPREADS[last]:
            node.pop(other, None)
    return node


def _child(node: Any, part: str, so_far: str, path: str, origin: str) -> Any:
    if isinstance(node, dict):
        if part not in node:   # only the last key may be new: a typo must not create a pool or a process
            close = difflib.get_close_matches(part, [str(k) for k in node], n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (has: {', '.join(map(str, node)) or 'nothing'})"
            raise InputError(f"{origin} {path}: there is no '{so_far}'{hint}")
        if not isinstance(node[part], (dict, list)):
            raise InputError(f"{origin} {path}: '{so_far}' is a value, not a mapping")
        return node[part]
    if isinstance(node, list):
        index = _find(node, part)
        if index is not None and isinstance(node[index], (dict, list)):
            return node[index]
        names = ", ".join(_label(i, item) for i, item in enumerate(node))
        raise InputError(f"{origin} {path}: no element named '{part}' in '{so_far.rsplit('.', 1)[0]}' "
                         f"(elements: {names or 'none'})")
    raise InputError(f"{origin} {path}: '{so_far}' is a value, not a mapping")


def _label(index: int, item: Any) -> str:
    """How an element of a list is addressed: its name; a shift without one by its hours; else its
    position."""
    if isinstance(item, dict) and isinstance(item.get("name"), str):
        return item["name"]
    if isinstance(item, dict) and {"start", "end"} <= set(item):
        try:
            return f"{format_clock(parse_clock(item['start']))}-{format_clock(parse_clock(item['end']))}"
        except UnitError:
            pass
    return str(index)


def _find(items: list, part: str) -> int | None:
    """The position of the element called ``part`` (its name, a shift's hours, or its position)."""
    for index, item in enumerate(items):
        if _label(index, item) == part:
            return index
    if part.isdigit() and int(part) < len(items):
        return int(part)
    return None
