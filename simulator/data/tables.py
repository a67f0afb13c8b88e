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
- Rows with more or fewer fields than the header are refused, never cut or padded: ``09:00,1,234`` is a
  number written with a thousands separator, and reading it as 1 would be a silent guess. Blank lines are
  skipped (row numbers stay those of the file).
- Numbers: one rule for every file (:func:`numbers_from_text`). A thousands separator is refused with a
  hint where it could be misread (``1,234`` in a comma file; ``1.234`` in a decimal-comma file) and read
  where it cannot (``1.234,5`` in a decimal-comma file is 1234.5); ``inf`` and ``nan`` are not numbers.

A bad value stops the read with the file, row (line number, header = line 1) and column named (an
:class:`InputError`: exit code 2), or, with ``skip_bad_rows``, drops the row and counts it. Every CSV the
project reads goes through here: the history files (:func:`read_table`) and a scenario's forecasts,
duration samples and staffing curves (:func:`read_text_table`).
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
_GROUPED_POINT = re.compile(r"^[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?$")      # 1,234 or 1,234.5
_GROUPED_COMMA = re.compile(r"^[+-]?\d{1,3}(?:\.\d{3})+(?:,\d*)?$")      # 1.234 or 1.234,5
_GROUPED_OTHER = re.compile(r"^[+-]?\d{1,3}(?:[ \u00a0\u202f']\d{3})+(?:[.,]\d*)?$")   # 1 234, 1'234


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
        table = _parquet(path)
        chunks = iter([(table, np.arange(2, len(table) + 2, dtype=np.int64), ".")])
    else:
        chunks = _csv_chunks(path, *_dialect(path), what, options.skip_bad_rows, report)
    mapping = None
    parsed = []
    for chunk, lines, decimal in chunks:
        if mapping is None:
            mapping = _map_columns(path, list(chunk.columns), columns, options, what)
        parsed.append(_parse_chunk(path, chunk, lines, decimal, columns, mapping, options, report))
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


def header_of(path: Path, sep: str | None = None) -> list[str]:
    """The column names of a table file (to tell interval volumes from a contact log)."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    if path.suffix.lower() in (".parquet", ".pq"):
        return list(_parquet(path).columns)
    sep = sep or _dialect(path)[0]
    with _open_text(path) as handle:
        first = handle.readline()
    return [c.strip().strip('"') for c in next(csv.reader([first], delimiter=sep), [])]


def _parquet(path: Path) -> pd.DataFrame:
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


def _csv_chunks(path: Path, sep: str, decimal: str, what: str = "file", skip_bad_rows: bool = False,
                report: ReadReport | None = None):
    """Chunks of text columns (the parsing of values, with row numbers, is ours), each with the file's line
    number of every row and the decimal mark. pyarrow's reader does the splitting: it is strict about
    field counts (a row with more or fewer fields than the header is refused, or with ``skip_bad_rows``
    skipped and counted under "fields") and several times faster than pandas'. Blank lines and rows with
    every field empty carry nothing and are dropped; the other rows keep their line numbers."""
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    names = _unique(header_of(path, sep))
    if not names or names == [""]:
        raise InputError(f"{path}: the {what} is empty")
    problems: list[tuple[int, int, str]] = []     # (line, fields, text) of rows with the wrong field count

    def wrong_fields(row) -> str:
        problems.append((row.number or 0, row.actual_columns, row.text or ""))
        return "skip" if skip_bad_rows else "error"

    reader_options = dict(
        read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1, use_threads=False, block_size=1 << 22),
        parse_options=pa_csv.ParseOptions(delimiter=sep, newlines_in_values=True, ignore_empty_lines=False,
                                          invalid_row_handler=wrong_fields),
        convert_options=pa_csv.ConvertOptions(column_types={name: pa.string() for name in names},
                                              strings_can_be_null=False))
    next_line, reported = 2, 0
    try:
        for batch in pa_csv.open_csv(path, **reader_options):
            frame = batch.to_pandas()
            lines, next_line = _lines_of(len(frame), next_line, [line for line, _, _ in problems])
            if report is not None and len(problems) > reported:
                report.skipped["fields"] = report.skipped.get("fields", 0) + len(problems) - reported
                reported = len(problems)
            empty = (frame == "").all(axis=1).to_numpy()
            if empty.any():
                frame, lines = frame.loc[~empty].reset_index(drop=True), lines[~empty]
            yield frame, lines, decimal
    except pa.ArrowInvalid as exc:
        if problems and not skip_bad_rows:
            line, fields, text = problems[-1]
            hint = ("; a number written with a thousands separator (1,234)? Write it without one"
                    ) if fields > len(names) else "; every row needs one value per column"
            raise InputError(f"{path}, row {line}: has {fields} field{'s' if fields != 1 else ''}, the header "
                             f"{len(names)} "
                             f"({', '.join(names)}){hint}") from None
        raise InputError(f"{path}: cannot be read as a table near row {next_line}: "
                         f"{str(exc).removeprefix('CSV parse error: ').splitlines()[0]}") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def _lines_of(rows: int, next_line: int, skipped: list[int]) -> tuple[np.ndarray, int]:
    """The file lines of the next ``rows`` rows read from ``next_line`` on, given the lines skipped for a
    wrong field count; and the line after them."""
    later = sorted(line for line in skipped if line >= next_line)
    end = next_line + rows
    for line in later:
        if line >= end:
            break
        end += 1
    lines = np.setdiff1d(np.arange(next_line, end, dtype=np.int64), np.asarray(later, dtype=np.int64))
    return lines[:rows], end


def _unique(names: list[str]) -> list[str]:
    """Column names made unique as pandas does (``a``, ``a.1``), blanks named by position."""
    seen: dict[str, int] = {}
    out = []
    for index, name in enumerate(names):
        name = name or f"column {index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        else:
            seen[name] = 0
        out.append(name)
    return out


@dataclass(frozen=True)
class TextTable:
    """A small table (a forecast, a duration sample, a staffing curve) as text: its columns, each row's
    fields by column with the row's line in the file, and the file's decimal mark. Its values are parsed
    by whoever knows what a column means, with :meth:`number` for numbers (the one rule of this module)."""

    path: Path
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]
    lines: tuple[int, ...]
    decimal: str = "."
    _numbers: dict = field(default_factory=dict, compare=False, repr=False)   # column -> (values, invalid)

    def column(self, name: str) -> str | None:
        """The file's name for the column ``name``, matched whatever its case and spaces."""
        return next((c for c in self.columns if c.strip().lower() == name), None)

    def where(self, index: int, column: str | None = None) -> str:
        """``file, row N, column 'x'`` for messages."""
        return f"{self.path}, row {self.lines[index]}" + (f", column {column!r}" if column else "")

    def number(self, index: int, column: str, at_least: float = 0.0, whole: bool = False,
               at_most: float | None = None) -> float:
        """The number in ``column`` of row ``index``; an InputError naming file, row and column otherwise."""
        if column not in self._numbers:     # the column's numbers at once, by the rule of every file
            raw_column = pd.Series([row[column].strip() for row in self.rows], dtype=object)
            values, invalid = numbers_from_text(raw_column, self.decimal)
            self._numbers[column] = (values.to_numpy(dtype=float), invalid)
        raw = self.rows[index][column].strip()
        value = float(self._numbers[column][0][index])
        kind = "a whole number" if whole else "a number"
        if self._numbers[column][1][index] or not raw or value < at_least or (whole and value != int(value)):
            raise InputError(f"{self.where(index, column)}: expected {kind} >= {at_least:g}, got {raw!r}"
                             f"{separator_hint(raw, self.decimal)}")
        if at_most is not None and value > at_most:
            raise InputError(f"{self.where(index, column)}: must be at most {at_most:,g} (a limit: "
                             f"docs/scenario-format.md), got {raw}")
        return value


def read_text_table(path: Path, what: str = "file") -> TextTable:
    """Every row of a small CSV as text, read and checked as :func:`read_table` reads its rows (encoding,
    separator, field counts, blank lines); an InputError naming the file (and row) otherwise."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such {what}" if not path.exists() else f"{path}: the {what} is a folder")
    sep, decimal = _dialect(path)
    columns, rows, lines = None, [], []
    for chunk, chunk_lines, _ in _csv_chunks(path, sep, decimal, what):
        columns = tuple(str(c) for c in chunk.columns)
        rows.extend({key: value.strip() for key, value in row.items()} for row in chunk.to_dict("records"))
        lines.extend(int(n) for n in chunk_lines)
    if columns is None:
        columns = tuple(_unique(header_of(path, sep)))
    return TextTable(path, columns, tuple(rows), tuple(lines), decimal)


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


def numbers_from_text(raw: pd.Series, decimal: str = ".") -> tuple[pd.Series, np.ndarray]:
    """Numbers from stripped text (blank -> NaN), and a mask of the entries that are not finite numbers.

    In a file with a decimal point, ``1,234`` is refused (it may be 1234 or, from a decimal-comma locale,
    1.234). In a decimal-comma file (``;``-separated, as European Excel writes), ``4,5`` is 4.5,
    ``1.234,5`` is 1234.5 (the point can only group thousands) and ``1.234`` is refused (1234, or 1.234
    from a file that mixes marks); ``4.5`` is read as 4.5. Separators of spaces or apostrophes are refused.
    :func:`separator_hint` says why to the user.
    """
    text = raw.astype(str)
    blank = raw.isna().to_numpy() | text.eq("").to_numpy()
    refused = _grouped(text, decimal) & ~blank
    if decimal == ",":
        grouped = text.str.match(_GROUPED_COMMA).to_numpy() & ~refused
        text = text.where(~grouped, text.str.replace(".", "", regex=False)).str.replace(",", ".", regex=False)
    values = pd.to_numeric(text.where(~blank & ~refused, None), errors="coerce")
    finite = np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
    return values.where(finite | blank, np.nan), ~blank & ~finite


def _grouped(text: pd.Series, decimal: str) -> np.ndarray:
    """Which entries group thousands in a way that could be misread (see numbers_from_text)."""
    if decimal == ",":
        could_mislead = text.str.match(_GROUPED_COMMA) & ~text.str.contains(",", regex=False)
    else:
        could_mislead = text.str.match(_GROUPED_POINT)
    return (could_mislead | text.str.match(_GROUPED_OTHER)).to_numpy()


def separator_hint(value: str, decimal: str = ".") -> str:
    """Why ``value`` was refused as a number, when it is for its thousands separator ("" otherwise)."""
    if _grouped(pd.Series([str(value).strip()]), decimal)[0]:
        return "; it has a thousands separator, which could be misread: write the number without it (1234, 1234.5)"
    return ""


def _parse_chunk(path: Path, chunk: pd.DataFrame, lines: np.ndarray, decimal: str, columns: list[Column],
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
            values, invalid = numbers_from_text(raw.where(~blank, None), decimal)
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
                hint = separator_hint(value, decimal) if column.kind == "number" else ""
                raise InputError(f"{path}, row {lines[where]}, column {mapping[column.name]!r}: "
                                 f"expected {expected}, got {value!r}{hint} (or use --skip-bad-rows)")
            report.skipped[column.name] = report.skipped.get(column.name, 0) + int((invalid & ~bad).sum())
            bad |= invalid
        if column.kind == "text":
            out[column.name] = pd.Categorical(values)
        else:
            out[column.name] = values.to_numpy() if column.kind != "datetime" else values.to_numpy(dtype="datetime64[ns]")
    out["_line"] = lines
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
