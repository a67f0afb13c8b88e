"""Small tables of named numpy columns: what a run's write-up computes on, without pandas.

A run's summaries are a few thousand rows (KPIs x scopes x intervals); computing them takes
milliseconds, while importing pandas takes half a second and 70 MB (more than the rest of the
simulator). So the write-up of ``servicesim run`` (summaries with confidence intervals, verdicts,
flags, the CSV and JSON files, the console) works on :class:`Table`: an ordered set of equal-length
numpy arrays, grouped with :func:`groups`. The Python API still hands out pandas DataFrames
(:meth:`Table.to_frame`, built when asked for), and functions given a DataFrame return one.

Text columns are object arrays of ``str``; numbers are float64 (NaN for "none") or int64.
"""

from __future__ import annotations

import csv
import math
import sys
from functools import wraps
from pathlib import Path
from typing import Callable, Sequence

import numpy as np


class Table:
    """Named columns of equal length, in order. ``table["metric"]`` is a column (a numpy array);
    ``table[mask]`` or ``table[indices]`` the rows chosen."""

    __slots__ = ("columns",)

    def __init__(self, columns: dict[str, Sequence]):
        self.columns = {name: _array(values) for name, values in columns.items()}
        lengths = {len(values) for values in self.columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")

    # -- making one ---------------------------------------------------------------------------
    @classmethod
    def from_rows(cls, rows: Sequence[Sequence], names: Sequence[str]) -> "Table":
        """A table of ``rows`` (tuples in the order of ``names``; None is "none")."""
        if not rows:
            return cls({name: np.zeros(0) for name in names})
        return cls({name: list(values) for name, values in zip(names, zip(*rows))})

    @classmethod
    def from_frame(cls, frame) -> "Table":
        """The table of a pandas DataFrame (its columns; the index is dropped)."""
        return cls({str(name): frame[name].to_numpy() for name in frame.columns})

    @classmethod
    def concat(cls, tables: Sequence["Table"], names: Sequence[str] | None = None) -> "Table":
        """Rows of every table, in turn; a column missing from a table is NaN there."""
        names = list(names) if names is not None else list(dict.fromkeys(n for t in tables for n in t.names))
        return cls({name: np.concatenate([t.columns[name] if name in t.columns else np.full(len(t), np.nan)
                                          for t in tables]) if tables else np.zeros(0) for name in names})

    # -- reading it ---------------------------------------------------------------------------
    @property
    def names(self) -> list[str]:
        return list(self.columns)

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0

    def __contains__(self, name: str) -> bool:
        return name in self.columns

    def __getitem__(self, key):
        if isinstance(key, str):
            return self.columns[key]
        return Table({name: values[key] for name, values in self.columns.items()})

    def with_columns(self, at: int | None = None, **columns) -> "Table":
        """This table with ``columns`` added or replaced (a scalar fills the column); new ones go at
        position ``at`` (default: the end), in the order given."""
        filled = {name: (np.full(len(self), value, dtype=object if isinstance(value, str) else None)
                         if np.ndim(value) == 0 else value) for name, value in columns.items()}
        order = list(self.columns)                                   # replaced columns keep their place
        new = [name for name in filled if name not in self.columns]
        position = len(order) if at is None else at
        names = order[:position] + new + order[position:]
        merged = {**self.columns, **filled}
        return Table({name: merged[name] for name in names})

    def select(self, names: Sequence[str]) -> "Table":
        return Table({name: self.columns[name] for name in names})

    def rename(self, mapping: dict[str, str]) -> "Table":
        return Table({mapping.get(name, name): values for name, values in self.columns.items()})

    def where(self, **equal) -> "Table":
        """The rows whose columns equal the values given (``where(metric="wait_mean", scope="all")``)."""
        mask = np.ones(len(self), dtype=bool)
        for name, value in equal.items():
            mask &= self.columns[name] == value
        return self[mask]

    def where_in(self, name: str, values: Sequence) -> "Table":
        """The rows whose column ``name`` is one of ``values``."""
        wanted = set(values)
        return self[np.fromiter((value in wanted for value in self.columns[name].tolist()), dtype=bool,
                                count=len(self))]

    def unique(self, name: str) -> list:
        """The column's distinct values in the order they first appear (as pandas' ``unique``)."""
        return list(dict.fromkeys(self.columns[name].tolist()))

    def first(self, **equal) -> dict | None:
        """The first row whose columns equal the values given, as a dict (NaN kept), or None."""
        rows = self.where(**equal)
        return {name: values[0].item() if hasattr(values[0], "item") else values[0]
                for name, values in rows.columns.items()} if len(rows) else None

    def lookup(self, keys: Sequence[str], value: str) -> dict[tuple, object]:
        """``{(key values...): value}`` for every row (the last row wins where keys repeat)."""
        return dict(zip(zip(*(self.columns[k].tolist() for k in keys)), self.columns[value].tolist()))

    def sort(self, keys: Sequence[str]) -> "Table":
        """Rows sorted by ``keys`` (the first one first), keeping the order of ties."""
        order = np.arange(len(self))
        for key in reversed(keys):
            order = order[np.argsort(_sortable(self.columns[key][order]), kind="stable")]
        return self[order]

    def row_dicts(self, nan_as_none: bool = True) -> list[dict]:
        """Every row as a dict of plain Python values, NaN as None (JSON-ready) unless told otherwise."""
        columns = [[_plain(v) for v in values.tolist()] if nan_as_none else values.tolist()
                   for values in self.columns.values()]
        return [dict(zip(self.columns, row)) for row in zip(*columns)]

    # -- handing it on ------------------------------------------------------------------------
    def to_frame(self):
        """The table as a pandas DataFrame (text columns become pandas' string dtype)."""
        import pandas as pd

        return pd.DataFrame(dict(self.columns))

    def to_csv(self, path: Path) -> None:
        """Write the table as CSV, as pandas' ``to_csv(index=False)`` writes it: floats in their shortest
        exact form, NaN and None empty, text quoted only where it must be."""
        with open(path, "w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(self.columns)
            columns = [_csv_cells(values) for values in self.columns.values()]
            writer.writerows(zip(*columns))


def _array(values) -> np.ndarray:
    if isinstance(values, np.ndarray):
        return values
    values = list(values)
    if any(isinstance(v, str) for v in values):
        array = np.empty(len(values), dtype=object)
        array[:] = values
        return array
    if all(isinstance(v, (bool, np.bool_)) for v in values) and values:
        return np.array(values, dtype=bool)
    if all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values) and values:
        return np.array(values, dtype=np.int64)
    return np.array([np.nan if v is None else v for v in values], dtype=float)


def _plain(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _sortable(values: np.ndarray) -> np.ndarray:
    return values.astype(str) if values.dtype == object else values


def _csv_cells(values: np.ndarray) -> list:
    if values.dtype.kind == "f":
        return ["" if v != v else repr(v) for v in values.tolist()]
    return ["" if v is None or (isinstance(v, float) and v != v) else v for v in values.tolist()]


# -- groups -----------------------------------------------------------------------------------------

class Groups:
    """The rows of a table grouped by ``keys``, groups in order of first appearance (pandas'
    ``groupby(sort=False)``): ``code`` per row, ``count`` groups, and each group's key values."""

    __slots__ = ("code", "count", "first")

    def __init__(self, table: Table, keys: Sequence[str]):
        combined = np.zeros(len(table), dtype=np.int64)
        for key in keys:
            codes, size = _factorise(table.columns[key])
            combined = combined * size + codes
        unique, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")          # groups by first appearance
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        self.code = rank[inverse.reshape(-1)]
        self.count = len(unique)
        self.first = first[order]                          # the first row of each group

    def keys_of(self, table: Table, keys: Sequence[str]) -> Table:
        """Each group's values of ``keys`` (from its first row)."""
        return table.select(keys)[self.first]

    def sum(self, values: np.ndarray, min_count: int = 0) -> np.ndarray:
        """Per group, the sum of the values that are not NaN (NaN where fewer than ``min_count`` are)."""
        values = np.asarray(values, dtype=float)
        known = ~np.isnan(values)
        total = np.bincount(self.code, weights=np.where(known, values, 0.0), minlength=self.count)
        if min_count:
            total = np.where(self.size(known) >= min_count, total, np.nan)
        return total

    def size(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Per group, how many rows (where ``mask`` holds)."""
        weights = None if mask is None else mask.astype(float)
        return np.bincount(self.code, weights=weights, minlength=self.count).astype(np.int64)

    def mean(self, values: np.ndarray) -> np.ndarray:
        """Per group, the mean of the values that are not NaN (NaN where there are none)."""
        values = np.asarray(values, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return self.sum(values) / np.where(self.size(~np.isnan(values)) > 0, self.size(~np.isnan(values)), np.nan)

    def std(self, values: np.ndarray) -> np.ndarray:
        """Per group, the sample standard deviation (n - 1) of the values that are not NaN."""
        values = np.asarray(values, dtype=float)
        known = ~np.isnan(values)
        count = self.size(known)
        mean = self.mean(values)
        deviation = np.where(known, values - mean[self.code], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.sqrt(np.bincount(self.code, weights=deviation * deviation, minlength=self.count)
                           / np.where(count > 1, count - 1, np.nan))

    def median(self, values: np.ndarray) -> np.ndarray:
        """Per group, the median of the values that are not NaN (NaN where there are none)."""
        values = np.asarray(values, dtype=float)
        known = ~np.isnan(values)
        code, values = self.code[known], values[known]
        order = np.lexsort((values, code))
        code, values = code[order], values[order]
        count = np.bincount(code, minlength=self.count)
        start = np.concatenate([[0], np.cumsum(count)[:-1]])
        result = np.full(self.count, np.nan)
        has = count > 0
        low = start[has] + (count[has] - 1) // 2
        high = start[has] + count[has] // 2
        result[has] = (values[low] + values[high]) / 2
        return result

    def any(self, mask: np.ndarray) -> np.ndarray:
        return self.size(mask) > 0


def _factorise(values: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes of the values (any order) and how many distinct values there are."""
    if values.dtype == object:
        index: dict = {}
        codes = np.fromiter((index.setdefault(v, len(index)) for v in values.tolist()), dtype=np.int64,
                            count=len(values))
        return codes, max(len(index), 1)
    unique, codes = np.unique(values, return_inverse=True)
    return codes.reshape(-1), max(len(unique), 1)


def groups(table: Table, keys: Sequence[str]) -> Groups:
    """The rows of ``table`` grouped by ``keys`` (see :class:`Groups`)."""
    return Groups(table, keys)


# -- DataFrames in, DataFrames out ------------------------------------------------------------------

def is_frame(value) -> bool:
    """Whether ``value`` is a pandas DataFrame (without importing pandas when nothing has)."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


def accepts_frames(function: Callable) -> Callable:
    """``function`` works on Tables; given a DataFrame as its first argument, it is converted, and the
    Table returned becomes a DataFrame (for callers that hold pandas tables)."""
    @wraps(function)
    def wrapper(first, *args, **kwargs):
        if is_frame(first):
            result = function(Table.from_frame(first), *args, **kwargs)
            return result.to_frame() if isinstance(result, Table) else result
        return function(first, *args, **kwargs)
    return wrapper


def as_table(value) -> Table:
    """A Table, from a Table or a DataFrame."""
    return Table.from_frame(value) if is_frame(value) else value
