"""The pandas-free tables a run's write-up computes on (simulator/columns.py): they must group, summarise
and write exactly as pandas does, and ``servicesim run`` must not load pandas at all."""

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from simulator.analysis import summarise
from simulator.columns import Table, groups

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def random_table(seed: int, rows: int = 400) -> Table:
    rng = np.random.default_rng(seed)
    values = rng.normal(size=rows)
    values[rng.random(rows) < 0.2] = np.nan
    return Table({"metric": np.array(rng.choice(["wait", "sl", "aht"], rows), dtype=object),
                  "interval": rng.integers(0, 7, rows), "value": values})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_groups_give_pandas_sums_means_deviations_medians_in_order_of_first_appearance(seed):
    table = random_table(seed)
    frame = table.to_frame()
    by = groups(table, ["metric", "interval"])
    expected = frame.groupby(["metric", "interval"], sort=False)["value"]
    keys = by.keys_of(table, ["metric", "interval"])
    assert list(zip(keys["metric"], keys["interval"])) == list(expected.groups.keys())
    np.testing.assert_allclose(by.sum(table["value"]), expected.sum().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(by.sum(table["value"], min_count=1), expected.sum(min_count=1).to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(by.mean(table["value"]), expected.mean().to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(by.std(table["value"]), expected.std().to_numpy(), rtol=1e-10)
    np.testing.assert_allclose(by.median(table["value"]), expected.median().to_numpy(), rtol=1e-12)
    np.testing.assert_array_equal(by.size(), expected.size().to_numpy())


def test_a_table_is_written_as_pandas_writes_the_same_data(tmp_path):
    table = Table({"metric": np.array(["wait, mean", 'said "no"', "plain", "x"], dtype=object),
                   "mean": np.array([0.1, 1e-05, 1e16, np.nan]), "count": np.array([3, 0, -2, 7]),
                   "met": np.array([True, False, True, False]),
                   "text": np.array(["", "a", "b", None], dtype=object)})
    table.to_csv(tmp_path / "ours.csv")
    table.to_frame().to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "ours.csv").read_text() == (tmp_path / "pandas.csv").read_text()


def test_summarise_gives_a_dataframe_for_a_dataframe_and_the_same_numbers_as_for_a_table():
    rng = np.random.default_rng(4)
    rows = 60
    denominator = rng.integers(50, 100, rows).astype(float)
    numerator = rng.binomial(denominator.astype(int), 0.8).astype(float)
    table = Table({"metric": np.array(["service_level"] * 30 + ["offered"] * 30, dtype=object),
                   "scope": np.array(["all"] * rows, dtype=object),
                   "value": np.where(np.arange(rows) < 30, numerator / denominator, denominator),
                   "numerator": np.where(np.arange(rows) < 30, numerator, np.nan),
                   "denominator": np.where(np.arange(rows) < 30, denominator, np.nan),
                   "squares": np.full(rows, np.nan)})
    from_table = summarise(table, ["metric", "scope"])
    from_frame = summarise(table.to_frame(), ["metric", "scope"])
    assert isinstance(from_frame, pd.DataFrame) and isinstance(from_table, Table)
    assert list(from_frame.columns) == from_table.names
    for column in ("mean", "ci_low", "ci_high", "replications"):
        np.testing.assert_array_equal(from_frame[column].to_numpy(), from_table[column])
    ratio = from_frame.set_index("metric").loc["service_level"]
    assert ratio["estimator"] == "ratio" and ratio["mean"] == pytest.approx(numerator[:30].sum() / denominator[:30].sum())
    plain = from_frame.set_index("metric").loc["offered"]
    assert plain["estimator"] == "mean" and plain["mean"] == pytest.approx(denominator[30:].mean())


def test_rows_chosen_by_value_and_distinct_values_are_those_pandas_gives():
    frame = pd.DataFrame({"scope": ["pool:b", "all", "pool:a", "all", "pool:b"], "metric": list("xyxyx"),
                          "mean": [1.0, np.nan, 3.0, 4.0, 5.0]})
    table = Table.from_frame(frame)
    assert table.unique("scope") == list(frame.scope.unique()) == ["pool:b", "all", "pool:a"]
    chosen = table.where_in("scope", ["pool:a", "pool:b"])
    np.testing.assert_array_equal(chosen["mean"], frame[frame.scope.isin(["pool:a", "pool:b"])]["mean"])
    assert len(table.where_in("scope", [])) == 0
    first = table.first(scope="all")
    assert first["metric"] == "y" and math.isnan(first["mean"]) and type(first["mean"]) is float
    assert table.first(scope="all", metric="x") is None


SCRIPT = """
import sys
from simulator.cli import main
try:
    main(sys.argv[1:])
except SystemExit as exit:
    assert not exit.code, exit.code
print(sorted(m for m in ("pandas", "matplotlib", "scipy") if m in sys.modules))
"""


@pytest.mark.parametrize("flags", [[], ["--json", "--quiet"]])
def test_a_run_without_charts_loads_neither_pandas_nor_matplotlib_nor_scipy_on_two_replications(tmp_path, flags):
    done = subprocess.run([sys.executable, "-c", SCRIPT, "run", "scenarios/week_contact_centre.yaml", "-r", "2",
                           "--jobs", "1", "--no-charts", "--out", str(tmp_path), *flags],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().splitlines()[-1] == "[]"
    assert len(list(tmp_path.glob("*/*/days.csv"))) == 1
