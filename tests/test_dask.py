"""Replications on a Dask cluster: identical to a run in one process."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.executors import Engine
from simulator.experiment import run_scenario
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS

distributed = pytest.importorskip("distributed")


def test_a_local_dask_cluster_gives_results_identical_to_one_process():
    scenario = load_scenario(SCENARIOS / "bank_branch.yaml", {"replications": 4})
    local = run_scenario(scenario, jobs=1)
    done = []
    on_dask = run_scenario(scenario, jobs=Engine("dask", 2), progress=done.append)
    pd.testing.assert_frame_equal(local.summary, on_dask.summary)
    assert sum(done) == 4


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_a_cluster_at_an_address_gives_identical_results(tmp_path):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        args = ["run", str(SCENARIOS / "mmc_textbook.yaml"), "-r", "3", "--json", "--quiet"]
        remote = CliRunner().invoke(main, args + ["--executor", "dask", "--address", cluster.scheduler_address,
                                                  "--out", str(tmp_path / "a")])
    local = CliRunner().invoke(main, args + ["-j", "1", "--out", str(tmp_path / "b")])
    assert remote.exit_code == 0, remote.output
    assert json.loads(remote.stdout)["summary"] == json.loads(local.stdout)["summary"]


def test_an_address_needs_the_dask_executor(tmp_path):
    result = CliRunner().invoke(main, ["run", str(SCENARIOS / "mmc_textbook.yaml"), "--address", "tcp://x:1",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--address goes with --executor dask" in result.stderr
