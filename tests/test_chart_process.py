"""The chart process (simulator/chart_process.py): it gets ready while the replications run, draws the
same charts the command would draw itself, hands a failure back to the command, and ends when told."""

from __future__ import annotations

import sys

import pytest

from simulator.chart_process import ChartProcess
from simulator.errors import InputError
from simulator.experiment import run_scenario
from tests.conftest import build, single_queue

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the chart process is forked (Linux)")


def small_run():
    return run_scenario(build(single_queue(per_hour=60, duration={"exponential": {"mean": 4}}, headcount=6,
                                           horizon=240, warmup=0, replications=2, interval=30)))


def test_the_chart_process_draws_the_charts_the_command_draws_itself(tmp_path):
    from simulator.charts import run_charts

    result = small_run()
    (tmp_path / "here").mkdir()
    (tmp_path / "there").mkdir()
    drawn_here = run_charts(result, tmp_path / "here", jobs=1)
    with ChartProcess() as painter:
        painter.start(result, tmp_path / "there")
        drawn_there = painter.paths()
    assert [p.name for p in drawn_there] == [p.name for p in drawn_here] and len(drawn_here) >= 5
    assert all(p.stat().st_size > 1000 for p in drawn_there)


def test_a_failure_in_the_chart_process_is_raised_in_the_command(tmp_path, monkeypatch):
    import simulator.charts

    def no_space(result, folder, jobs=None):
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
