"""Charts: every chart is written, as a real PNG and SVG, for the shipped scenarios and every command."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_chart(folder: Path, name: str) -> None:
    png, svg = folder / f"{name}.png", folder / f"{name}.svg"
    assert png.read_bytes()[:8] == PNG_SIGNATURE and png.stat().st_size > 20_000, name
    assert "<svg" in svg.read_text()[:500]


def run(*args: str) -> Path:
    out = Path(args[-1])
    result = CliRunner().invoke(main, list(args[:-1]) + ["--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in out.glob("*/*") if p.is_dir()]
    return folder


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_run_charts_for_every_shipped_scenario(path, tmp_path):
    folder = run("run", str(path), "-r", "3", str(tmp_path))
    scenario = load_scenario(path)
    real_time = any(not scenario.channel(d.channel).deferrable for d in scenario.demand)
    expected = {"staffing_by_interval", "quality", "satisfaction"}
    expected |= {"wait_distribution", "queue_by_interval"} if real_time else set()
    expected |= {"service_level_by_interval"} if scenario.measures_service_level else set()
    for name in expected:
        assert_chart(folder, name)
    assert {p.stem for p in folder.glob("*.png")} == expected   # no chart of a KPI the scenario does not have


def test_compare_sweep_and_staff_charts(tmp_path):
    folder = run("compare", str(SCENARIOS / "contact_centre.yaml"), "-r", "2", "--set", "clock.days=1", str(tmp_path / "c"))
    for name in ("service_level_channel_phone", "service_level_channel_chat", "abandon_rate",
                 "wait_mean_channel_phone", "wait_mean", "cost_per_contact"):   # the targets' own KPIs first
        assert_chart(folder, f"compare_{name}")
    folder = run("sweep", str(SCENARIOS / "mmc_textbook.yaml"), "--vary", "staff.agents.headcount=20:22", "-r", "2",
                 str(tmp_path / "s"))
    assert_chart(folder, "sweep")
    folder = run("staff", str(SCENARIOS / "mmc_textbook.yaml"), "--per-interval", "-r", "2", str(tmp_path / "t"))
    assert_chart(folder, "staffing_requirement")
    folder = run("staff", str(SCENARIOS / "mmc_textbook.yaml"), "-r", "2", str(tmp_path / "u"))
    assert_chart(folder, "staffing_requirement")


def test_no_charts_writes_none(tmp_path):
    folder = run("run", str(SCENARIOS / "bank_branch.yaml"), "-r", "2", "--no-charts", str(tmp_path))
    assert not list(folder.glob("*.png")) and not list(folder.glob("*.svg"))
