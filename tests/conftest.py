"""Shared helpers: build scenarios from Python mappings, and check values against CIs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# pytest-xdist already keeps every core busy: commands run their replications and charts in their own
# process unless a test asks for more (-j 2), instead of forking workers that fight over the same cores
os.environ.setdefault("SERVICESIM_JOBS", "1")

from simulator.scenario import build_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "scenarios"

# Exact values must lie in the simulated 95% CI widened by this share of the exact value on
# each side: it absorbs the small bias of finite horizons started empty (stated in docs/validation.md).
SLACK = 0.01


def single_queue(*, per_hour: float, duration: dict, headcount: int, horizon: float, warmup: float,
                 replications: int, seed: int = 1, patience: dict | None = None, level: int = 3,
                 interval: float | None = None, within: str = "20s") -> dict:
    """A scenario mapping for one Poisson stream, one step and one pool: the textbook queue (service
    level measured within ``within``)."""
    return {
        "name": "test queue",
        "clock": {"horizon": horizon, "warmup": warmup, "interval": interval or horizon},
        "replications": replications,
        "seed": seed,
        "channels": {"phone": {"patience": patience} if patience else {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": per_hour}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": duration}]}},
        "staff": {"agents": {"headcount": headcount, "skills": {"s": level}}},
        "service_level": {"within": within},
    }


def values(rows) -> dict:
    """A replication's KPI rows (metric, scope, value, numerator, denominator) as {(metric, scope): value}."""
    return {(row[0], row[1]): row[2] for row in rows}


def build(mapping: dict, base_dir: Path = ROOT):
    return build_scenario(mapping, file_label="test.yaml", base_dir=base_dir)


def assert_in_ci(row, exact: float, slack: float = SLACK) -> None:
    """The exact value lies in [ci_low, ci_high], widened by ``slack`` x exact on each side."""
    low = row["ci_low"] - slack * abs(exact)
    high = row["ci_high"] + slack * abs(exact)
    assert low <= exact <= high, (
        f"{row['metric']}: exact {exact:.5g} outside simulated CI [{row['ci_low']:.5g}, {row['ci_high']:.5g}] "
        f"(mean {row['mean']:.5g}, slack {slack:.0%})")


@pytest.fixture
def shipped_scenarios() -> list[Path]:
    return sorted(SCENARIOS.glob("*.yaml"))
