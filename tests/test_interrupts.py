"""Stopping a command: Ctrl-C, SIGTERM and SIGHUP end a real `servicesim` process running on two worker
processes within about a second, with the signal's exit code, no process left behind and no folder
(hidden or not) left in the results folder; a second Ctrl-C changes nothing."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import SCENARIOS

pytestmark = pytest.mark.skipif(sys.platform != "linux" or shutil.which("pgrep") is None,
                                reason="needs Linux and pgrep to watch the worker processes")


def start(out: Path, *extra: str, temporary: Path | None = None) -> subprocess.Popen:
    """The command on two workers; ``temporary``: its temporary folder (TMPDIR), to look into."""
    command = [sys.executable, "-m", "simulator.cli", "run", str(SCENARIOS / "contact_centre.yaml"), "-r", "200",
               "-j", "2", "--out", str(out), "-q", *extra]
    env = {**os.environ, "TMPDIR": str(temporary)} if temporary is not None else None
    return subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, env=env)


def group(process: subprocess.Popen) -> list[str]:
    return subprocess.run(["pgrep", "-g", str(process.pid)], capture_output=True, text=True).stdout.split()


def wait_for(condition, seconds: float = 30.0, what: str = "the command never reached the moment to interrupt"
             ) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def no_worker_outlives(process: subprocess.Popen) -> None:
    """The workers die with the command (within a second or two on a loaded machine)."""
    wait_for(lambda: group(process) == [], 2.0, f"processes outlived the command: {group(process)}")


def stop(process: subprocess.Popen, number: int, twice: bool = False) -> tuple[int, float, str]:
    started = time.monotonic()
    process.send_signal(number)
    if twice:
        time.sleep(0.05)
        process.send_signal(number)
    try:
        code = process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        pytest.fail("the command hung after the signal")
    return code, time.monotonic() - started, process.stderr.read().decode()


@pytest.mark.parametrize("number, code, said", [(signal.SIGINT, 130, "interrupted"),
                                                (signal.SIGTERM, 143, "stopped by SIGTERM"),
                                                (signal.SIGHUP, 129, "stopped by SIGHUP")])
def test_a_signal_stops_a_two_worker_run_at_once_and_leaves_nothing(tmp_path, number, code, said):
    process = start(tmp_path / "out", "--no-charts")
    wait_for(lambda: len(group(process)) >= 3)          # the command and its two workers are at work
    returned, seconds, stderr = stop(process, number)
    assert returned == code and said in stderr and "Traceback" not in stderr
    assert seconds < 2.0
    no_worker_outlives(process)
    assert not list((tmp_path / "out").rglob("*"))   # not even the scenario's folder, made for these results


def test_a_second_ctrl_c_changes_nothing(tmp_path):
    process = start(tmp_path / "out", "--no-charts")
    wait_for(lambda: len(group(process)) >= 3)
    returned, seconds, stderr = stop(process, signal.SIGINT, twice=True)
    assert returned == 130 and seconds < 2.0 and "Traceback" not in stderr
    no_worker_outlives(process)


def test_sigterm_while_the_results_are_written_leaves_no_staging_folder(tmp_path):
    out = tmp_path / "out"
    process = start(out, "-r", "4", "--svg")            # charts make the write-up long enough to catch
    wait_for(lambda: any(p.name.startswith(".") for p in out.glob("*/*")))
    returned, seconds, stderr = stop(process, signal.SIGTERM)
    assert returned == 143 and seconds < 2.0
    assert list(out.rglob("*")) == []
    no_worker_outlives(process)                          # the chart process and its workers too


def test_ctrl_c_while_the_chart_process_gets_ready_ends_it_with_the_workers(tmp_path):
    process = start(tmp_path / "out")                    # charts: a chart process beside the two workers
    wait_for(lambda: len(group(process)) >= 4)
    returned, seconds, stderr = stop(process, signal.SIGINT)
    assert returned == 130 and seconds < 2.0 and "Traceback" not in stderr
    no_worker_outlives(process)
    assert not list((tmp_path / "out").rglob("*"))   # not even the scenario's folder, made for these results


def test_ctrl_c_while_charts_are_drawn_ahead_leaves_no_temporary_folder(tmp_path):
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process = start(tmp_path / "out", temporary=temporary)
    # the command, two workers, the chart process and the process drawing the agent timeline ahead (or done)
    wait_for(lambda: list(temporary.glob(".servicesim-charts-*/scenario.pickle"))
             and (len(group(process)) >= 5 or list(temporary.glob(".servicesim-charts-*/*.png"))))
    returned, seconds, stderr = stop(process, signal.SIGINT)
    assert returned == 130 and seconds < 2.0 and "Traceback" not in stderr
    no_worker_outlives(process)
    assert list(temporary.iterdir()) == []
