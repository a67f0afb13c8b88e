"""The chart process (simulator/chart_process.py): it gets ready while the replications run, draws the
same charts the command would draw itself, hands a failure back to the command, and ends when told."""

from __future__ import annotations

import shutil
import subprocess
import sys
import time

import pytest

from simulator.chart_process import ChartProcess
from simulator.errors import InputError
from simulator.experiment import run_scenario
from tests.conftest import build, single_queue

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the chart process is forked (Linux)")


def small_run():
    return run_scenario(build(single_queue(per_hour=60, duration={"exponential": {"mean": 4}}, headcount=6,
                                           horizon=240, warmup=0, replications=2, interval=30)))


def charts_drawn_here(tmp_path):
    """A small run and its charts drawn in this process into tmp_path/here (tmp_path/there is made for
    the chart process to draw into)."""
    from simulator.charts import run_charts

    result = small_run()
    (tmp_path / "here").mkdir()
    (tmp_path / "there").mkdir()
    return result, run_charts(result, tmp_path / "here", jobs=1)


def test_the_chart_process_draws_the_charts_the_command_draws_itself(tmp_path):
    result, drawn_here = charts_drawn_here(tmp_path)
    with ChartProcess() as painter:
        painter.start(result, tmp_path / "there")
        drawn_there = painter.paths()
    assert [p.name for p in drawn_there] == [p.name for p in drawn_here] and len(drawn_here) >= 5
    assert all(p.stat().st_size > 1000 for p in drawn_there)


def test_a_failure_in_the_chart_process_is_raised_in_the_command(tmp_path, monkeypatch):
    import simulator.charts

    def no_space(result, folder, jobs=None, ahead=None):
        raise InputError(f"{folder}: cannot write the charts (No space left on device)")

    monkeypatch.setattr(simulator.charts, "run_charts", no_space)   # the process is forked with it
    result = small_run()
    with ChartProcess() as painter:
        painter.start(result, tmp_path)
        with pytest.raises(InputError, match="No space left on device"):
            painter.paths()


def test_a_chart_process_given_nothing_ends_when_closed():
    painter = ChartProcess()
    assert painter._process.is_alive()
    painter.close()
    assert not painter._process.is_alive() and painter._process.exitcode is not None


def test_charts_drawn_ahead_from_the_scenario_join_the_others_and_their_folder_goes(tmp_path):
    result, drawn_here = charts_drawn_here(tmp_path)
    with ChartProcess() as painter:
        painter.preview(result.scenario)
        ahead = painter._ahead
        painter.start(result, tmp_path / "there")
        drawn_there = painter.paths()
    assert [p.name for p in drawn_there] == [p.name for p in drawn_here]
    timeline = tmp_path / "there" / "agent_timeline.png"
    assert timeline in drawn_there and timeline.read_bytes() == (tmp_path / "here" / "agent_timeline.png").read_bytes()
    assert not ahead.exists()


def test_a_timeline_drawn_ahead_for_another_scenario_is_drawn_again(tmp_path):
    import dataclasses

    from simulator.charts import run_charts

    result = small_run()
    (tmp_path / "here").mkdir()
    (tmp_path / "there").mkdir()
    run_charts(result, tmp_path / "here", jobs=1)
    with ChartProcess() as painter:
        painter.preview(dataclasses.replace(result.scenario, seed=result.scenario.seed + 1))
        painter.start(result, tmp_path / "there")
        painter.paths()
    name = "agent_timeline.png"
    assert (tmp_path / "there" / name).read_bytes() == (tmp_path / "here" / name).read_bytes()


def test_a_chart_that_failed_ahead_is_drawn_with_the_others(tmp_path, monkeypatch):
    import simulator.charts

    def broken(scenario, folder):
        raise RuntimeError("drawing ahead failed")

    monkeypatch.setattr(simulator.charts, "scenario_charts", broken)   # the process is forked with it
    result = small_run()
    with ChartProcess() as painter:
        painter.preview(result.scenario)
        painter.start(result, tmp_path)
        drawn = painter.paths()
    assert tmp_path / "agent_timeline.png" in drawn and (tmp_path / "agent_timeline.png").stat().st_size > 1000


@pytest.mark.skipif(shutil.which("pgrep") is None, reason="needs pgrep to find the process drawing ahead")
def test_closing_while_charts_are_drawn_ahead_leaves_no_process_and_no_folder(tmp_path):
    result = small_run()
    painter = ChartProcess()
    painter.preview(result.scenario)
    ahead = painter._ahead
    drawing = wait_for_children(painter._process.pid)   # ready, and drawing ahead
    painter.close()
    assert not painter._process.is_alive() and not ahead.exists()
    deadline = time.monotonic() + 2.0
    while any(alive(pid) for pid in drawing) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in drawing)


def wait_for_children(pid: int) -> list[int]:
    deadline = time.monotonic() + 20.0
    while time.monotonic() < deadline:
        found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
        if found:
            return [int(p) for p in found]
        time.sleep(0.02)
    pytest.fail("the chart process never started drawing ahead")


def alive(pid: int) -> bool:
    """Running (a zombie nobody has reaped yet is not)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, ProcessLookupError):
        return False


WITHOUT_PANDAS = """
import sys
sys.modules["pandas"] = None   # importing it raises ImportError, here and in every process forked from here
from simulator.cli import main
main(sys.argv[1:])
"""


def test_a_run_draws_every_chart_without_pandas(tmp_path):
    """The charts read the run's tables: neither the command nor its chart process needs pandas, which
    would cost the chart process 0.4 s of importing while the replications run."""
    done = subprocess.run([sys.executable, "-c", WITHOUT_PANDAS, "run", "scenarios/help_desk.yaml", "-r", "2",
                           "--jobs", "1", "--quiet", "--out", str(tmp_path)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    drawn = {path.stem for path in tmp_path.glob("*/*/*.png")}
    assert drawn == {"service_level_by_interval", "targets_by_interval", "service_level_heatmap",
                     "wait_distribution", "staffing_by_interval", "queue_by_interval", "backlog_by_interval",
                     "backlog_age_by_interval", "response_time_by_interval", "quality", "time_breakdown",
                     "replication_spread", "agent_timeline", "process_map", "satisfaction"}, sorted(drawn)
