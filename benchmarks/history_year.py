"""Time and memory of the history commands on a year of a 200-agent contact centre.

    python benchmarks/history_year.py [--days 260] [--calls-per-day 19000]

Writes a synthetic contact log (about five million calls: 260 weekdays of 19,000 calls, which 200 agents
handle in 5-minute calls over 10 hours), then runs ``servicesim forecast`` on it (aggregated to half
hours) and ``servicesim calibrate`` with scenarios/history/base.yaml, each in its own process, and reports
wall time and peak memory (the process's maximum resident set). Figures go in the README.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]


def write_log(path: Path, days: int, per_day: int, seed: int = 1) -> int:
    """A log with a midday peak, weekday effects, lognormal handling and censored exponential patience."""
    rng = np.random.default_rng(seed)
    day, written, first = dt.date(2025, 1, 6), 0, True
    while written < days:
        if day.weekday() < 5:
            count = rng.poisson(per_day * (1.2 if day.weekday() == 0 else 1.0))
            minutes = np.sort(480 + 600 * rng.beta(2.2, 2.6, count))
            wait = rng.exponential(0.4, count)
            patience = rng.exponential(3.0, count)
            abandoned = patience < wait
            handle = rng.lognormal(np.log(5) - 0.5 * np.log(1.64), np.sqrt(np.log(1.64)), count)
            stamps = pd.Timestamp(day) + pd.to_timedelta(minutes, unit="min")
            frame = pd.DataFrame({
                "contact_id": np.arange(count) + written * per_day * 2,
                "arrival": stamps.strftime("%Y-%m-%d %H:%M:%S"),
                "channel": "phone", "queue": "calls",
                "wait_s": np.round(np.where(abandoned, patience, wait) * 60, 1),
                "outcome": np.where(abandoned, "abandoned", "answered"),
                "handle_s": np.where(abandoned, np.nan, np.round(handle * 60, 1)),
                "agent": rng.integers(1, 201, count).astype(str)})
            frame.to_csv(path, mode="w" if first else "a", header=first, index=False)
            first, written = False, written + 1
        day += dt.timedelta(days=1)
    return sum(1 for _ in open(path)) - 1


def measured(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of a command run in its own process."""
    wrapper = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
               " print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    started = time.perf_counter()
    peak_kib = int(subprocess.run([sys.executable, "-c", wrapper, *command], check=True, capture_output=True,
                                  text=True).stdout.strip())
    return time.perf_counter() - started, peak_kib / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--days", type=int, default=260)
    parser.add_argument("--calls-per-day", type=int, default=19000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        log = folder / "year.csv"
        started = time.perf_counter()
        rows = write_log(log, args.days, args.calls_per_day)
        print(f"log: {rows:,} calls over {args.days} weekdays, {log.stat().st_size / 2 ** 20:.0f} MiB "
              f"(written in {time.perf_counter() - started:.0f} s)")
        cli = [sys.executable, "-m", "simulator.cli"]
        base = ROOT / "scenarios" / "history" / "base.yaml"
        for name, command in [
            ("forecast (30-minute intervals, 5 days)", cli + ["forecast", str(log), "--interval", "30min",
                                                              "-o", str(folder / "forecast.csv")]),
            ("calibrate", cli + ["calibrate", str(log), "--scenario", str(base), "-o", str(folder / "fitted.yaml")]),
        ]:
            seconds, peak = measured(command)
            print(f"{name}: {seconds:.0f} s, peak memory {peak:,.0f} MiB")


if __name__ == "__main__":
    main()
