"""Walk a parsed YAML tree by dotted path, collecting every problem before stopping once.

A :class:`Node` is a value plus where it came from (dotted path and line). Reading
a field either returns the parsed value or records a :class:`~simulator.errors.Problem`
and returns ``None``, so one pass over a file reports all of its problems.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Iterator

from simulator.errors import InputError, Problem, ScenarioError
from simulator.scenario.yaml_source import YamlList, YamlMap
from simulator.units import UnitError, parse_duration

if TYPE_CHECKING:
    from simulator.data.tables import TextTable


class Invalid(ValueError):
    """Raised by a parser: the message says what was expected and what was given."""


MISSING = object()


@dataclass
class Report:
    """Problems and warnings found while reading one scenario file."""

    file: str
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def raise_if_any(self) -> None:
        if self.problems:  # in file order, so the list reads top to bottom
            raise ScenarioError(sorted(self.problems, key=lambda p: p.line or 0))


class Node:
    """A value of the scenario tree, with its dotted path and its line."""

    __slots__ = ("value", "path", "line", "report")

    def __init__(self, value: Any, path: str, line: int | None, report: Report):
        self.value = value
        self.path = path
        self.line = line
        self.report = report

    # -- reporting -------------------------------------------------------------------------
    def problem(self, message: str) -> None:
        self.report.problems.append(Problem(self.report.file, self.line, self.path, message))

    def warn(self, message: str) -> None:
        self.report.warnings.append(Problem(self.report.file, self.line, self.path, message))

    # -- structure -------------------------------------------------------------------------
    def is_map(self) -> bool:
        return isinstance(self.value, dict)

    def expect_map(self, what: str = "a mapping of keys to values") -> bool:
        if isinstance(self.value, dict):
            return True
        self.problem(f"must be {what}, got {_describe(self.value)}")
        return False

    def _child_path(self, key: object) -> str:
        return f"{self.path}.{key}" if self.path else str(key)

    def child(self, key: object) -> Node:
        """The node under ``key`` of a mapping (its value is MISSING when absent)."""
        value = self.value.get(key, MISSING) if isinstance(self.value, dict) else MISSING
        lines = getattr(self.value, "key_lines", {}) if isinstance(self.value, YamlMap) else {}
        return Node(value, self._child_path(key), lines.get(key, self.line), self.report)

    def items(self) -> Iterator[tuple[str, Node]]:
        """Name and node of each entry of a mapping keyed by name."""
        if not isinstance(self.value, dict):
            return
        for key in self.value:
            yield str(key), self.child(key)

    def elements(self) -> Iterator[Node]:
        """Nodes of a list; an element with a ``name`` is addressed by that name in its path."""
        if not isinstance(self.value, list):
            return
        lines = self.value.item_lines if isinstance(self.value, YamlList) else [self.line] * len(self.value)
        for index, (item, line) in enumerate(zip(self.value, lines)):
            label = item.get("name") if isinstance(item, dict) and isinstance(item.get("name"), str) else index
            yield Node(item, self._child_path(label), line, self.report)

    def check_keys(self, known: dict[str, str], later: dict[str, str] | None = None) -> None:
        """Reject unknown keys by name (with a suggestion); warn on keys a later version models.

        ``known`` maps each accepted key to its one-line meaning (used in messages);
        ``later`` maps keys that are read but not yet modelled to what happens instead.
        """
        if not isinstance(self.value, dict):
            return
        later = later or {}
        for key in self.value:
            if key in known:
                continue
            node = self.child(key)
            if key in later:
                node.warn(f"not modelled yet; {later[key]}")
                continue
            close = difflib.get_close_matches(str(key), list(known) + list(later), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f"; expected one of: {', '.join(known)}"
            node.problem(f"unknown key{hint}")

    # -- fields ----------------------------------------------------------------------------
    def read(self, key: str, parse: Callable[[Any], Any], default: Any = MISSING) -> Any:
        """Parse the value under ``key``; record a problem and return None if it is invalid."""
        node = self.child(key)
        if node.value is MISSING:
            if default is MISSING:
                node.problem("is required")
                return None
            return default
        return node.parse(parse)

    def parse(self, parse: Callable[[Any], Any]) -> Any:
        try:
            return parse(self.value)
        except Invalid as exc:
            self.problem(str(exc))
        except ValueError as exc:  # UnitError and friends carry a user-facing message
            self.problem(str(exc))
        return None


def read_csv_table(node: Node, base_dir: Path, what: str) -> TextTable | None:
    """The CSV file named by ``node`` (relative to the scenario file) as text, read by the one reader of
    every CSV (:func:`simulator.data.tables.read_text_table`: field counts, encodings, separators); None
    after a problem, which names the file and row."""
    from simulator.data.tables import read_text_table

    if not isinstance(node.value, str) or not node.value.strip():
        node.problem(f"must be the name of a CSV file, got {_describe(node.value)}")
        return None
    try:
        return read_text_table((base_dir / node.value).resolve(), what)
    except InputError as problem:
        node.problem(str(problem))
        return None


def _describe(value: object) -> str:
    if value is MISSING or value is None:
        return "nothing"
    if isinstance(value, str) and _numeric_text(value):
        return f"{value!r} (text: YAML reads {value} as text; write {float(value):.1e})".replace("e+0", "e+")
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def _numeric_text(value: str) -> bool:
    """Whether YAML left a number as text (``1e12``: YAML 1.1 wants a point and a sign, ``1.0e+12``)."""
    try:
        return "e" in value.lower() and math.isfinite(float(value))
    except ValueError:
        return False


# -- limits: what a scenario may ask for (docs/scenario-format.md, "Limits"); beyond them a run would
# exhaust memory or never end, so they are input errors (exit 2), not hangs

MAX_HEADCOUNT = 10_000        # agents in one pool (or on one shift)
MAX_CAPACITY = 10_000         # sessions of one automation
MAX_REPLICATIONS = 10_000
MAX_DAYS = 731                # simulated days: two years
MAX_PER_HOUR = 100_000.0      # arrivals an hour of one demand stream
MAX_BACKLOG = 1_000_000       # contacts waiting at the first opening
MAX_AGENTS = 20_000           # agents over every pool and shift: each is an object in the simulation
MAX_CONTACTS = 5_000_000      # contacts expected in one replication (about 1 kB of memory each as it runs)
MAX_INTERVALS = 100_000       # reporting intervals over the run (days x intervals a day)


# -- parsers: each returns the value or raises Invalid with what was expected -----------------

def whole_number(minimum: int | None = None, maximum: int | None = None,
                 limit: int | None = None) -> Callable[[Any], int]:
    """A whole number in [minimum, maximum]; above ``limit`` (one of the LIMITS) it is refused as beyond
    what a run can do."""
    def parse(value: Any) -> int:
        ok = isinstance(value, int) and not isinstance(value, bool)
        if ok and (minimum is None or value >= minimum) and (maximum is None or value <= maximum):
            if limit is not None and value > limit:
                raise Invalid(f"must be at most {limit:,} (a limit: docs/scenario-format.md), got {value:,}")
            return int(value)
        raise Invalid(f"must be a whole number{_range(minimum, maximum)}, got {_describe(value)}")
    return parse


def number(minimum: float | None = None, maximum: float | None = None,
           above: float | None = None, limit: float | None = None) -> Callable[[Any], float]:
    """A finite number in its range; above ``limit`` (one of the LIMITS) it is refused."""
    def parse(value: Any) -> float:
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        if numeric and not math.isfinite(value):
            raise Invalid(f"must be a finite number, got {_describe(value)}")
        if numeric and (minimum is None or value >= minimum) and (maximum is None or value <= maximum) \
                and (above is None or value > above):
            if limit is not None and value > limit:
                raise Invalid(f"must be at most {limit:,g} (a limit: docs/scenario-format.md), got {value:,g}")
            return float(value)
        bound = f" > {above:g}" if above is not None else _range(minimum, maximum)
        raise Invalid(f"must be a number{bound}, got {_describe(value)}")
    return parse


def share(value: Any) -> float:
    """A proportion between 0 and 1."""
    return number(0.0, 1.0)(value)


def text(value: Any) -> str:
    if isinstance(value, str) and value.strip():
        return value
    raise Invalid(f"must be a non-empty text, got {_describe(value)}")


def one_of(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value in choices:
            return value
        raise Invalid(f"must be one of {', '.join(choices)}, got {_describe(value)}")
    return parse


def duration(value: Any) -> float:
    """Minutes >= 0 from a number or a string with a unit ("20s", "2h")."""
    minutes = parse_duration(value)
    if minutes < 0:
        raise UnitError(f"must be a duration >= 0, got {value!r}")
    return minutes


def positive_duration(value: Any) -> float:
    """Minutes > 0 from a number or a string with a unit."""
    minutes = parse_duration(value)
    if minutes <= 0:
        raise UnitError(f"must be a duration > 0, got {value!r}")
    return minutes


def _range(minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f" from {minimum:g} to {maximum:g}"
    if minimum is not None:
        return f" >= {minimum:g}"
    if maximum is not None:
        return f" <= {maximum:g}"
    return ""
