"""Property-based fuzzing of the scenario files (hypothesis): any mutation of a shipped scenario either
runs (exit 0) or is refused with a clear message (exit 2); never a failure (exit 1), a traceback or a
hang, and never "valid." from ``validate`` for a file ``run`` then refuses. Mutations change values
(hostile ones: huge, non-finite, unwritable text), delete and rename keys, add merge keys, write the
file in UTF-16 or UTF-32, and break the forecast CSV (thousands separators, wrong field counts, blank
lines, huge or non-finite volumes, other separators and encodings). Mutants that once broke it are kept
in tests/fuzz_corpus/ (a sidecar CSV beside those that need one) and replayed on every run."""

from __future__ import annotations

import copy
import re
import signal
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.cli import main
from tests.conftest import SCENARIOS

CORPUS = Path(__file__).parent / "fuzz_corpus"
SHIPPED = sorted(SCENARIOS.glob("*.yaml")) + sorted((SCENARIOS / "lessons").glob("*.yaml"))
HOSTILE = [None, True, 0, -1, 1, 2.5, -0.5, 1e12, 10**12, "1e12", float("inf"), float("-inf"), float("nan"), "",
           "x" * 300, "20s", "-5min", "25:00", "../../etc", "../../../../tmp/x", "/abs/dir", "<script>", "ü名",
           "bad \ud800 name", "a\x1b[31mred", "a\x00b", [], [1, 2], [[]], {}, {"a": 1}, {"": None}]
ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "utf-32"]
FORECAST = (SCENARIOS / "contact_centre_chat_forecast.csv").read_text(encoding="utf-8")
CSV_CHANGES = ["none", "none", "thousands", "quoted_thousands", "extra_field", "missing_field", "blank_line",
               "huge", "negative", "nan", "inf", "bom", "semicolons", "latin1", "header_only", "empty"]
CAP_SECONDS = 30


def paths(tree, prefix=()):
    """Every (path, value) in the YAML tree: mappings by key, lists by index."""
    yield prefix, tree
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from paths(value, prefix + (index,))


def mutate(tree, path, how, value):
    tree = copy.deepcopy(tree)
    if not path:
        return value
    parent = tree
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    if how == "delete":
        del parent[last]
    elif how == "rename" and isinstance(parent, dict):
        parent[f"{last}_x"] = parent.pop(last)
    else:
        parent[last] = value
    return tree


def broken_forecast(change: str, row: int) -> bytes:
    """The shipped chat forecast with one kind of damage at data row ``row``."""
    lines = FORECAST.splitlines()
    at = 1 + row % (len(lines) - 1)
    start, volume = lines[at].split(",")
    lines[at] = {"thousands": f"{start},1,234", "quoted_thousands": f'{start},"1,234"',
                 "extra_field": f"{start},{volume},7", "missing_field": start, "blank_line": f"{lines[at]}\n",
                 "huge": f"{start},1000000000000", "negative": f"{start},-{volume}", "nan": f"{start},nan",
                 "inf": f"{start},inf"}.get(change, lines[at])
    text = "\n".join(lines) + "\n"
    if change == "semicolons":
        text = text.replace(",", ";").replace(";1", ";1,0")
    if change == "header_only":
        text = lines[0] + "\n"
    if change == "empty":
        text = ""
    data = text.encode("utf-8")
    if change == "bom":
        data = b"\xef\xbb\xbf" + data
    if change == "latin1":
        data = data.replace(b"start", "d\xe9but".encode("latin-1"))
    return data


def outcome(text: str | bytes, tmp_path: Path, run: bool = True) -> None:
    """validate, then (when valid) a one-replication, one-day run: exit 0 or 2, no traceback, no hang, and
    no "valid." for a file the run refuses."""
    scenario = tmp_path / "mutant.yaml"
    if isinstance(text, bytes):
        scenario.write_bytes(text)
    else:
        scenario.write_text(text, encoding="utf-8")

    def too_long(signum, frame):
        raise TimeoutError(f"took over {CAP_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(CAP_SECONDS)
    try:
        checked = CliRunner().invoke(main, ["validate", str(scenario)])
        assert checked.exit_code in (0, 2), checked.output + repr(checked.exception)
        assert "Traceback" not in checked.output
        if run and checked.exit_code == 0:
            ran = CliRunner().invoke(main, ["run", str(scenario), "-r", "1", "--set", "clock.days=1", "--no-charts",
                                            "-q", "--out", str(tmp_path / "out")])
            assert ran.exit_code == 0, "validate said valid, then run: " + ran.output + repr(ran.exception)
            assert "Traceback" not in ran.output and "valid." not in ran.output
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def mutants(draw):
    """(source, tree, encoding, forecast CSV bytes): a shipped scenario changed one to three times."""
    source = draw(st.sampled_from(SHIPPED))
    tree = yaml.safe_load(source.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 3))):      # one to three changes, each anywhere in the tree
        places = list(paths(tree))[1:]
        if not places:
            break
        chosen = draw(st.sampled_from(places))
        how = draw(st.sampled_from(["replace", "replace", "replace", "delete", "rename"]))
        tree = mutate(tree, chosen[0], how, draw(st.sampled_from(HOSTILE)))
    forecast = broken_forecast(draw(st.sampled_from(CSV_CHANGES)), draw(st.integers(0, 50)))
    return source, tree, draw(st.sampled_from(ENCODINGS)), draw(st.booleans()), forecast


def with_merge_key(text: str) -> str:
    """The YAML with a merge key in the first block mapping nested two deep whose first entry is a
    scalar: ``<<: {key: 0}`` before ``key: value``. The mapping's own entry overrides the merged one, so
    the file means what it meant without it (and is valid exactly when it was)."""
    found = re.search(r"^(  \S[^\n]*:)\n(    )([A-Za-z_]+): ([^\n{\[]+)$", text, flags=re.M)
    if not found:
        return text
    head, indent, key, _ = found.groups()
    return text[:found.start()] + f"{head}\n{indent}<<: {{{key}: 0}}\n" + text[found.start() + len(head) + 1:]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutants())
def test_a_mutated_scenario_runs_or_is_refused_clearly(tmp_path, mutant):
    source, tree, encoding, merge, forecast = mutant
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    text = with_merge_key(text) if merge else text
    name = f"{source.stem}-{abs(hash((text, encoding, forecast))) % 10**8}"
    text = text.replace("contact_centre_chat_forecast.csv", f"{name}.csv")
    (tmp_path / f"{name}.csv").write_bytes(forecast)
    data = text.encode(encoding, errors="surrogatepass")
    try:
        outcome(data, tmp_path)
    except AssertionError:
        (CORPUS / f"{name}.yaml").write_bytes(data)      # the mutant joins the corpus, replayed from now on
        if f"{name}.csv" in text:
            (CORPUS / f"{name}.csv").write_bytes(forecast)
        raise


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutants())
def test_many_mutated_scenarios_run_or_are_refused_clearly(tmp_path, mutant):
    test_a_mutated_scenario_runs_or_is_refused_clearly.hypothesis.inner_test(tmp_path, mutant)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_corpus_of_mutants_that_once_broke_it(tmp_path, path):
    for sidecar in CORPUS.glob(f"{path.stem}*.csv"):     # a forecast of its own, named in the file
        (tmp_path / sidecar.name).write_bytes(sidecar.read_bytes())
    outcome(path.read_bytes(), tmp_path)
