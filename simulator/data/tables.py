"""Reading the tables organisations export: CSV (as Excel writes it) and Parquet, in chunks.

What real exports look like, and what this module does about it:

- UTF-8 with or without a byte-order mark (Excel's "CSV UTF-8"): read as ``utf-8-sig``.
- ``,`` or ``;`` (or tab) separators, sniffed from the first lines; ``;`` files use decimal commas
  (``4,5``), as European Excel writes them.
- Gzip-compressed files (``.gz``) and Parquet (``.parquet``, where pyarrow is installed).
- Other column names: a mapping from the documented name to the file's (``--column arrival=CallStart``);
  documented names are also matched whatever their case.
- Date-times with or without an offset (``2026-03-29T08:00:00+02:00``, ``...Z``): by default the wall-clock
  time as written (the exporter's local time, right across daylight-saving changes); with a time zone, the
  instants converted to that zone's local time.
- Millions of rows: read in chunks of typed columns, so memory holds one chunk of text at a time.

A bad value stops the read with the file, row (line number, header = line 1) and column named (an
:class:`InputError`: exit code 2), or, with ``skip_bad_rows``, drops the row and counts it.
"""

from __future__ import annotations

import csv
import gzip
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from simulator.errors import InputError

CHUNK_ROWS = 500_000
_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


@dataclass(frozen=True)
class Column:
    """A documented column: its name, kind (``datetime``, ``number`` or ``text``), whether it must be there,
    and for numbers the smallest value allowed."""

    name: str
    kind: str
    required: bool = True
    at_least: float | None = 0.0
    meaning: str = ""


@dataclass
class ReadReport:
    """What a read found: the file, rows kept and bad rows skipped (per column)."""

    path: Path
    rows: int = 0
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())

    def describe(self) -> str:
        if not self.skipped:
            return f"{self.path}: {self.rows} rows"
        detail = ", ".join(f"{n} in {c}" for c, n in self.skipped.items())
        return f"{self.path}: {self.rows} rows; {self.skipped_total} bad rows skipped ({detail})"


@dataclass(frozen=True)
class ReadOptions:
    """How to read a user's file: column names mapped (documented name -> file's name), the time zone to
    convert offsets to, and whether bad rows are skipped rather than refused."""

    columns: tuple[tuple[str, str], ...] = ()
    timezone: str | None = None
    skip_bad_rows: bool = False

    @classmethod
    def from_cli(cls, assignments: tuple[str, ...] = (), timezone: str | None = None,
                 skip_bad_rows: bool = False) -> ReadOptions:
        """From ``--column name=FileName`` options (repeatable)."""
        pairs = []
        for assignment in assignments:
            name, sep, theirs = assignment.partition("=")
            if not sep or not name.strip() or not theirs.strip():
                raise InputError(f"--column must be NAME=COLUMN_IN_FILE (e.g. arrival=CallStart), got {assignment!r}")
            pairs.append((name.strip(), theirs.strip()))
        if timezone:
            _check_timezone(timezone)
        return cls(tuple(pairs), timezone, skip_bad_rows)


def _check_timezone(name: str) -> None:
    try:
        pd.Timestamp("2026-01-01", tz=name)
    except Exception:
        raise InputError(f"--timezone must be a time zone name such as Europe/Paris or UTC, got {name!r}") from None


def read_table(path: Path, columns: list[Column], options: ReadOptions = ReadOptions(),
               what: str = "file") -> tuple[pd.DataFrame, ReadReport]:
    """The documented ``columns`` of the table at ``path`` (others ignored), typed: date-times as
    ``datetime64`` (local wall time), numbers as float, text as categories; ``_line`` is each row's line
    in the file (for later checks' messages). Raises :class:`InputError`
    for a missing file, a missing required column or (without ``skip_bad_rows``) a bad value."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such {what}")
    report = ReadReport(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        chunks = iter([(_parquet(path), 0, ".")])
    else:
        chunks = _csv_chunks(path, *_dialect(path))
    mapping = None
    parsed = []
    for chunk, first_row, decimal in chunks:
        if mapping is None:
            mapping = _map_columns(path, list(chunk.columns), columns, options, what)
        parsed.append(_parse_chunk(path, chunk, first_row, decimal, columns, mapping, options, report))
    if not parsed:
        raise InputError(f"{path}: the {what} is empty")
    texts = [c.name for c in columns if c.kind == "text" and c.name in parsed[0]]
    categories = {name: union_categoricals([chunk[name] for chunk in parsed]) for name in texts}
    frame = pd.concat([chunk.drop(columns=texts) for chunk in parsed], ignore_index=True) \
        if len(parsed) > 1 else parsed[0].drop(columns=texts)
    for name in texts:   # one set of categories over every chunk: text is stored once per distinct value
        frame[name] = categories[name]
    report.rows = len(frame)
    if report.rows == 0:
        raise InputError(f"{path}: the {what} has no usable rows" +
                         (f" ({report.skipped_total} bad rows skipped)" if report.skipped else ""))
    return frame, report


def header_of(path: Path) -> list[str]:
    """The column names of a table file (to tell interval volumes from a contact log)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() in (".parquet", ".pq"):
        return list(_parquet(path).columns)
    sep, _ = _dialect(path)
    with _open_text(path) as handle:
        first = handle.readline()
    return [c.strip().strip('"') for c in next(csv.reader([first], delimiter=sep), [])]


def _parquet(path: Path) -> pd.DataFrame:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError(f"{path}: reading Parquet needs pyarrow (pip install pyarrow)") from None
    return pd.read_parquet(path).astype(str).replace({"nan": "", "None": "", "NaT": ""})


def _open_text(path: Path):
    if path.suffix.lower() == ".gz":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig", newline="")
    return open(path, encoding="utf-8-sig", newline="")


def _dialect(path: Path) -> tuple[str, str]:
    """The separator (sniffed from the first lines) and the decimal mark it implies."""
    try:
        with _open_text(path) as handle:
            sample = handle.read(65536)
    except (UnicodeDecodeError, OSError) as exc:
        raise InputError(f"{path}: cannot be read as UTF-8 text ({exc.__class__.__name__}); "
                         f"save it as CSV UTF-8") from None
    header = sample.splitlines()[0] if sample else ""
    try:
        sep = csv.Sniffer().sniff(sample if "\n" in sample else header, delimiters=",;\t|").delimiter
    except csv.Error:
        sep = max(",;\t|", key=header.count)
    return sep, ("," if sep == ";" else ".")


def _csv_chunks(path: Path, sep: str, decimal: str):
    """Chunks of text columns (the parsing, with row numbers, is ours), each with its first data row."""
    row = 0
    try:
        for chunk in pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, chunksize=CHUNK_ROWS,
                                 encoding="utf-8-sig", skipinitialspace=True,
                                 compression="gzip" if path.suffix.lower() == ".gz" else None):
            yield chunk, row, decimal
            row += len(chunk)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"{path}: cannot be read as a table near row {row + 2}: "
                         f"{str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__}") from None


def _map_columns(path: Path, present: list[str], columns: list[Column], options: ReadOptions,
                 what: str) -> dict[str, str]:
    """Documented name -> the file's column, from the options or by name whatever its case."""
    by_lower = {c.strip().lower(): c for c in present}
    given = dict(options.columns)
    known = {c.name for c in columns}
    unknown = sorted(set(given) - known)
    if unknown:
        raise InputError(f"--column {unknown[0]}=...: not a column of a {what} "
                         f"(columns: {', '.join(c.name for c in columns)})")
    mapping = {}
    for column in columns:
        theirs = given.get(column.name)
        if theirs is not None:
            found = theirs if theirs in present else by_lower.get(theirs.strip().lower())
            if found is None:
                raise InputError(f"{path}: --column {column.name}={theirs}: the file has no column {theirs!r} "
                                 f"(it has: {', '.join(present[:12])})")
            mapping[column.name] = found
        elif column.name.lower() in by_lower:
            mapping[column.name] = by_lower[column.name.lower()]
        elif column.required:
            raise InputError(f"{path}: the {what} needs a column {column.name!r} ({column.meaning}); it has: "
                             f"{', '.join(present[:12])}. Map another name with --column {column.name}=NAME")
    return mapping


def _parse_chunk(path: Path, chunk: pd.DataFrame, first_row: int, decimal: str, columns: list[Column],
                 mapping: dict[str, str], options: ReadOptions, report: ReadReport) -> pd.DataFrame:
    out = {}
    bad = np.zeros(len(chunk), dtype=bool)
    for column in columns:
        if column.name not in mapping:
            continue
        raw = chunk[mapping[column.name]].astype(str).str.strip()
        blank = (raw.isna() | raw.eq("") | raw.str.lower().isin(("nan", "nat", "none", "null"))).fillna(True)
        if column.kind == "datetime":
            values = _datetimes(raw.where(~blank, None), options.timezone)
            invalid = values.isna().to_numpy() & ~blank.to_numpy()
            expected = "a date and time such as 2026-12-07 08:30"
        elif column.kind == "number":
            text = raw.str.replace(",", ".", regex=False) if decimal == "," else raw
            values = pd.to_numeric(text.where(~blank, None), errors="coerce")
            invalid = (values.isna().to_numpy() & ~blank.to_numpy())
            if column.at_least is not None:
                invalid |= (values < column.at_least).fillna(False).to_numpy()
            expected = "a number" + (f" >= {column.at_least:g}" if column.at_least is not None else "")
        else:
            values = raw.where(~blank, None)
            invalid = np.zeros(len(chunk), dtype=bool)
            expected = "text"
        if column.required:
            invalid |= blank.to_numpy()
        if invalid.any():
            where = int(np.flatnonzero(invalid)[0])
            if not options.skip_bad_rows:
                value = chunk[mapping[column.name]].iloc[where]
                raise InputError(f"{path}, row {first_row + where + 2}, column {mapping[column.name]!r}: "
                                 f"expected {expected}, got {value!r} (or use --skip-bad-rows)")
            report.skipped[column.name] = report.skipped.get(column.name, 0) + int((invalid & ~bad).sum())
            bad |= invalid
        if column.kind == "text":
            out[column.name] = pd.Categorical(values)
        else:
            out[column.name] = values.to_numpy() if column.kind != "datetime" else values.to_numpy(dtype="datetime64[ns]")
    out["_line"] = np.arange(first_row + 2, first_row + 2 + len(chunk), dtype=np.int64)
    frame = pd.DataFrame(out)
    return frame.loc[~bad].reset_index(drop=True) if bad.any() else frame


def _datetimes(raw: pd.Series, timezone: str | None) -> pd.Series:
    """Wall-clock local times: offsets dropped as written, or instants converted to ``timezone``."""
    text = raw.astype("string")
    has_offset = text.str.contains(_OFFSET, na=False)
    if timezone and has_offset.any():
        instants = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        local = instants.dt.tz_convert(timezone).dt.tz_localize(None)
        naive = pd.to_datetime(text.where(~has_offset), format="ISO8601", errors="coerce")
        return local.where(has_offset, naive)
    if has_offset.any():
        text = text.str.replace(_OFFSET, "", regex=True)
    return pd.to_datetime(text, format="ISO8601", errors="coerce")
