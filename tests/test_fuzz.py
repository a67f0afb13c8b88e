"""Property-based fuzzing of the scenario files (hypothesis): any mutation of a shipped scenario either
runs (exit 0) or is refused with a clear message (exit 2); never a failure (exit 1), a traceback or a
hang. Mutants that once broke it are kept in tests/fuzz_corpus/ and replayed on every run."""

from __future__ import annotations

import copy
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
HOSTILE = [None, True, 0, -1, 1, 2.5, -0.5, 1e12, float("inf"), float("-inf"), float("nan"), "", "x" * 300,
           "20s", "-5min", "25:00", "../../etc", "<script>", "ü名", [], [1, 2], [[]], {}, {"a": 1}, {"": None}]
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


def outcome(text: str, tmp_path: Path, run: bool = True) -> None:
    """validate, then (when valid) a one-replication, one-day run: exit 0 or 2, no traceback, no hang."""
    scenario = tmp_path / "mutant.yaml"
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
            assert ran.exit_code in (0, 2), ran.output + repr(ran.exception)
            assert "Traceback" not in ran.output and "valid." not in ran.output
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@st.composite
def mutants(draw):
    source = draw(st.sampled_from(SHIPPED))
    tree = yaml.safe_load(source.read_text(encoding="utf-8"))
    for _ in range(draw(st.integers(1, 3))):      # one to three changes, each anywhere in the tree
        places = list(paths(tree))[1:]
        if not places:
            break
        chosen = draw(st.sampled_from(places))
        how = draw(st.sampled_from(["replace", "replace", "replace", "delete", "rename"]))
        tree = mutate(tree, chosen[0], how, draw(st.sampled_from(HOSTILE)))
    return source, tree


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutants())
def test_a_mutated_scenario_runs_or_is_refused_clearly(tmp_path, mutant):
    source, tree = mutant
    text = yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)
    (tmp_path / "forecast").mkdir(exist_ok=True)
    try:
        outcome(text.replace("contact_centre_chat_forecast.csv", str(SCENARIOS / "contact_centre_chat_forecast.csv")),
                tmp_path)
    except AssertionError:
        keep = CORPUS / f"{source.stem}-{abs(hash(text)) % 10**8}.yaml"
        keep.write_text(text, encoding="utf-8")      # the mutant joins the corpus, to be replayed from now on
        raise


@pytest.mark.slow
@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(mutants())
def test_many_mutated_scenarios_run_or_are_refused_clearly(tmp_path, mutant):
    test_a_mutated_scenario_runs_or_is_refused_clearly.hypothesis.inner_test(tmp_path, mutant)


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.yaml")), ids=lambda p: p.stem)
def test_the_corpus_of_mutants_that_once_broke_it(tmp_path, path):
    outcome(path.read_text(encoding="utf-8"), tmp_path)
