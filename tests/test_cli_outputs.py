"""The command line and the results folder: files, columns, JSON, atomic writing, provenance."""

from __future__ import annotations

import json
import time

import pandas as pd
import pytest
from click.testing import CliRunner

import simulator
from simulator.output import current_umask
from simulator.cli import main
from simulator.experiment import run_scenario
from simulator.scenario import build_scenario, load_scenario
from simulator.scenario.resolve import resolved_yaml
from simulator.scenario.yaml_source import parse_yaml_text
from tests.conftest import SCENARIOS

TEXTBOOK = SCENARIOS / "mmc_textbook.yaml"


def run_cli(*args: str):
    return CliRunner().invoke(main, list(args))


def only_run_folder(out):
    folders = [p for p in out.glob("*/*") if p.is_dir()]
    assert len(folders) == 1, folders
    return folders[0]


def test_run_prints_the_kpi_table_and_writes_every_file(tmp_path):
    result = run_cli("run", str(TEXTBOOK), "--out", str(tmp_path), "--replications", "3")
    assert result.exit_code == 0, result.output
    for fragment in ("M/M/c textbook example", "3 replications, seed 42", "service_level", "95% CI",
                     ">= 80.0%: MISSED", "By pool", "Results:", "Service level: phone: answered by a person within 20s",
                     "Targets: 0 met, 1 missed"):
        assert fragment in result.stdout
    # the verdict comes before the tables
    assert result.stdout.index("MISSED  service_level") < result.stdout.index("KPI (all contacts)")
    folder = only_run_folder(tmp_path)
    assert folder.parent.name == "m-m-c-textbook-example"
    assert folder.stat().st_mode & 0o777 == 0o777 & ~current_umask()   # as readable as any new folder
    charts = [f"{name}.{ext}" for name in ("quality", "queue_by_interval", "satisfaction", "service_level_by_interval",
                                            "staffing_by_interval", "wait_distribution", "time_breakdown",
                                            "replication_spread", "agent_timeline", "process_map")
              for ext in ("png",)]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["days.csv", "distributions.csv", "intervals.csv", "replications.csv", "run.json", "scenario.yaml", "summary.csv",
         "targets.csv"] + charts)
    summary = pd.read_csv(folder / "summary.csv")
    assert list(summary.columns) == ["metric", "scope", "mean", "ci_low", "ci_high", "replications", "estimator"]
    estimator = summary[summary.scope == "all"].set_index("metric")["estimator"]
    assert estimator["wait_mean"] == "ratio" and estimator["offered"] == "mean"
    assert {"offered", "answered", "abandoned", "abandon_rate", "wait_mean", "wait_p50", "wait_p90", "wait_p95",
            "service_level", "queue_time_mean", "time_in_system_mean", "utilisation"} <= set(summary.metric)
    assert {"all", "channel:phone", "demand:calls", "pool:agents"} <= set(summary.scope)
    replications = pd.read_csv(folder / "replications.csv")
    assert list(replications.columns) == ["replication", "seed", "metric", "scope", "value", "numerator",
                                          "denominator", "squares"]
    assert replications.replication.nunique() == 3 and replications.seed.nunique() == 3
    intervals = pd.read_csv(folder / "intervals.csv")
    assert {"interval", "start", "end", "metric", "scope", "mean", "ci_low", "ci_high"} <= set(intervals.columns)
    assert {"offered", "answered", "abandoned", "abandon_rate", "service_level", "wait_mean", "queue_time_mean",
            "waiting", "staffed", "busy", "utilisation", "occupancy"} == set(intervals.metric)
    provenance = json.loads((folder / "run.json").read_text())
    assert provenance["seed"] == 42 and provenance["replications"] == 3
    assert provenance["versions"]["servicesim"] == simulator.__version__


def test_json_prints_the_verdicts_the_flags_and_the_summary(tmp_path):
    result = run_cli("run", "--no-charts", str(TEXTBOOK), "--out", str(tmp_path), "-r", "3", "--json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert list(data) == ["scenario", "results", "verdicts", "flags", "formulas", "summary"]
    (verdict,) = data["verdicts"]
    assert verdict["metric"] == "service_level" and verdict["scope"] == "all" and verdict["status"] == "missed"
    assert verdict["within"] == pytest.approx(20 / 60)
    row = next(r for r in data["summary"] if r["metric"] == "wait_mean" and r["scope"] == "all")
    assert set(row) == {"metric", "scope", "mean", "ci_low", "ci_high", "replications", "estimator"}
    assert row["replications"] == 3
    flagged = json.loads(run_cli("run", "--no-charts", str(SCENARIOS / "public_service_centre.yaml"), "--out",
                                 str(tmp_path), "-r", "2",
                                 "--json", "--set", "staff.phone_team.headcount=2").stdout)
    assert {"unstable", "overtime"} <= {flag["kind"] for flag in flagged["flags"]}


def test_quiet_prints_nothing_and_seed_overrides(tmp_path):
    result = run_cli("run", "--no-charts", str(TEXTBOOK), "--out", str(tmp_path), "-r", "2", "--seed", "5", "--quiet")
    assert result.exit_code == 0 and result.stdout == ""
    assert "seed: 5" in (only_run_folder(tmp_path) / "scenario.yaml").read_text()


def test_version_and_validate():
    assert run_cli("--version").stdout.strip() == f"servicesim, version {simulator.__version__}"
    result = run_cli("validate", str(TEXTBOOK))
    assert result.exit_code == 0 and "valid" in result.stdout


def test_a_failure_while_writing_leaves_no_folder(tmp_path, monkeypatch):
    def broken(*_):
        raise OSError("disk full")
    monkeypatch.setattr("simulator.output.resolved_yaml", broken)
    result = run_cli("run", str(TEXTBOOK), "--out", str(tmp_path), "-r", "2", "--no-charts")
    assert result.exit_code == 1 and "disk full" in result.stderr and "Traceback" not in result.output
    assert [p for p in tmp_path.rglob("*") if p.is_file()] == []


def test_a_failure_while_running_exits_1_without_traceback(tmp_path, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("model exploded")
    monkeypatch.setattr("simulator.experiment.run_scenario", broken)
    result = run_cli("run", str(TEXTBOOK), "--out", str(tmp_path))
    assert result.exit_code == 1 and "model exploded" in result.stderr and "Traceback" not in result.output


def test_resolved_scenario_reads_back_as_the_same_scenario():
    for path in sorted(SCENARIOS.rglob("*.yaml")):   # the lessons and the validation scenarios too
        scenario = load_scenario(path)
        again = build_scenario(parse_yaml_text(resolved_yaml(scenario), "resolved.yaml"), "resolved.yaml",
                               base_dir=path.parent)
        assert again == scenario, path.name


def test_the_resolved_scenario_gives_identical_results(tmp_path):
    first = run_cli("run", "--no-charts", str(TEXTBOOK), "--out", str(tmp_path / "a"), "-r", "2", "--json")
    resolved = only_run_folder(tmp_path / "a") / "scenario.yaml"
    second = run_cli("run", "--no-charts", str(resolved), "--out", str(tmp_path / "b"), "-r", "2", "--json")
    assert json.loads(first.stdout)["summary"] == json.loads(second.stdout)["summary"]


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_shipped_scenario_runs_quickly_with_sensible_kpis(path, tmp_path):
    started = time.perf_counter()
    # four replications (CI's first step runs the main job with its own): charts in tests/test_charts.py
    result = run_cli("run", str(path), "--out", str(tmp_path), "--no-charts", "-r", "4")
    assert result.exit_code == 0, result.output
    assert time.perf_counter() - started < 30
    summary = pd.read_csv(only_run_folder(tmp_path) / "summary.csv").set_index(["metric", "scope"])
    offered, answered, abandoned, unfinished = (summary["mean"].get((k, "all"), 0.0)
                                                for k in ("offered", "answered", "abandoned", "unfinished"))
    assert offered > 100 and answered <= offered and abandoned <= offered
    scenario = load_scenario(path)
    if any(not scenario.channel(d.channel).deferrable for d in scenario.demand):
        assert unfinished <= 0.01 * offered        # customers are served (a back office may carry work over)
    flags = json.loads((only_run_folder(tmp_path) / "run.json").read_text())["capacity_flags"]
    assert {flag["kind"] for flag in flags} <= {"peak"}, flags   # a shipped scenario does the work it is given
    assert 0.3 < summary.loc[("utilisation", "all"), "mean"] < 1.0
    if scenario.measures_service_level:
        assert 0 <= summary.loc[("service_level", "all"), "mean"] <= 1
    else:   # a back office or a branch that sets no threshold is given no service level
        assert "service_level" not in summary.index.get_level_values("metric")
    assert summary.loc[summary.replications > 0, "mean"].notna().all()
    with_ci = summary.dropna(subset=["ci_low"])
    assert (with_ci["ci_low"] <= with_ci["mean"] + 1e-9).all() and (with_ci["mean"] <= with_ci["ci_high"] + 1e-9).all()


@pytest.mark.parametrize("path", sorted((SCENARIOS / "validation").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_validation_scenario_runs_as_docs_validation_says(path, tmp_path):
    """docs/validation.md tells readers to run these: they run, and write a whole results folder (one
    reporting interval as long as the horizon, all in the warm-up, once failed writing days.csv)."""
    result = run_cli("run", str(path), "--out", str(tmp_path), "--no-charts", "-r", "2")
    assert result.exit_code == 0, result.output
    assert (only_run_folder(tmp_path) / "days.csv").read_text().startswith("day,")


def test_the_textbook_scenario_agrees_with_erlang_c():
    from simulator.queueing import mmc_mean_wait
    result = run_scenario(load_scenario(TEXTBOOK), replications=30)
    row = result.kpi("wait_mean")
    exact = mmc_mean_wait(6.0, 1 / 3, 20)
    assert row["ci_low"] - 0.01 * exact <= exact <= row["ci_high"] + 0.01 * exact


def test_contacts_csv_has_every_contact_of_every_replication_when_asked(tmp_path):
    result = run_cli("run", "--no-charts", str(SCENARIOS / "help_desk.yaml"), "-r", "2", "--contacts", "-j", "2",
                     "--out", str(tmp_path), "--quiet")
    assert result.exit_code == 0, result.output
    folder = only_run_folder(tmp_path)
    contacts = pd.read_csv(folder / "contacts.csv.gz")
    summary = pd.read_csv(folder / "replications.csv")
    offered = summary[(summary.metric == "offered") & (summary.scope == "all")]["value"].sum()
    assert len(contacts) >= offered                     # every contact (the warm-up's too, if any)
    assert {"replication", "seed", "contact", "demand", "channel", "outcome", "wait", "queue_time",
            "errors", "repeat_of"} <= set(contacts.columns)
    assert set(contacts.replication) == {0, 1}
    answered = contacts.dropna(subset=["answered_at"])
    assert (answered.wait >= 0).all()


@pytest.mark.slow
def test_contacts_are_streamed_so_memory_holds_one_replication_not_all(tmp_path):
    """contact_centre over 10 days, 8 replications on one process: keeping every replication's records
    cost about 12 MB each (93 MB more peak memory than without --contacts); written as they finish, the
    records of one replication at a time are held, so --contacts costs less than two replications' worth."""
    import subprocess
    import sys

    probe = ("import resource, sys\nfrom simulator.cli import main\n"
             "try:\n    main(sys.argv[1:], standalone_mode=False)\n"
             "finally:\n    print('PEAK_KB', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, file=sys.stderr)\n")

    def peak(*extra: str) -> int:
        command = [sys.executable, "-c", probe, "run", str(SCENARIOS / "contact_centre.yaml"), "--set", "clock.days=10",
                   "-r", "8", "-j", "1", "--no-charts", "-q", "--out", str(tmp_path / "out"), *extra]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        return int(done.stderr.rsplit("PEAK_KB", 1)[1].split()[0])

    extra_mb = (peak("--contacts") - peak()) / 1024
    assert extra_mb < 24, extra_mb
    folders = list((tmp_path / "out").glob("*/*"))
    with_contacts = [f for f in folders if (f / "contacts.csv.gz").exists()]
    assert len(with_contacts) == 1
    table = pd.read_csv(with_contacts[0] / "contacts.csv.gz")
    assert sorted(table["replication"].unique()) == list(range(8))
    assert (table.groupby("replication")["contact"].min() == 0).all()    # every replication whole, in order


def test_results_that_fail_to_be_written_take_the_folders_made_for_them_along(tmp_path):
    """Whole or not at all: a write that fails leaves neither its staging folder nor the scenario's and
    results folders it made; a results folder that was there already, and holds other runs, stays."""
    from simulator.output import _atomically

    def fails(folder):
        (folder / "summary.csv").write_text("half")
        raise OSError("No space left on device")

    with pytest.raises(OSError):
        _atomically(tmp_path / "new" / "results", "a-scenario", "20261203-000000", fails)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "results" / "other-scenario" / "20261201-000000").mkdir(parents=True)
    with pytest.raises(OSError):
        _atomically(tmp_path / "results", "a-scenario", "20261203-000000", fails)
    assert [p.relative_to(tmp_path).as_posix() for p in sorted(tmp_path.rglob("*"))] == [
        "results", "results/other-scenario", "results/other-scenario/20261201-000000"]
