"""Charts: every chart is written, as a real PNG (and SVG with --svg), for the shipped scenarios and every
command."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def assert_chart(folder: Path, name: str, svg: bool = False) -> None:
    png = folder / f"{name}.png"
    assert png.read_bytes()[:8] == PNG_SIGNATURE and png.stat().st_size > 20_000, name
    assert (folder / f"{name}.svg").exists() == svg, name
    if svg:
        assert "<svg" in (folder / f"{name}.svg").read_text()[:500]


def run(*args: str) -> Path:
    out = Path(args[-1])
    result = CliRunner().invoke(main, list(args[:-1]) + ["--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in out.glob("*/*") if p.is_dir()]
    return folder


# the contact centre has every kind of chart but the heat map (real-time and deferrable work; the report's
# test draws it over two days, heat map included); the others' chart sets are drawn in the slow suite
DEFAULT_CHART_SETS = ("contact_centre",)


@pytest.mark.parametrize("path", [
    path if path.stem in DEFAULT_CHART_SETS else pytest.param(path, marks=pytest.mark.slow)
    for path in sorted(SCENARIOS.glob("*.yaml"))], ids=lambda p: p.stem)
def test_run_charts_for_every_shipped_scenario(path, tmp_path):
    folder = run("run", str(path), "-r", "3", str(tmp_path))
    scenario = load_scenario(path)
    real_time = any(not scenario.channel(d.channel).deferrable for d in scenario.demand)
    expected = {"staffing_by_interval", "quality", "satisfaction", "time_breakdown", "replication_spread",
                "agent_timeline", "process_map"}
    expected |= {"wait_distribution", "queue_by_interval"} if real_time else set()
    expected |= {"service_level_by_interval"} if scenario.measures_service_level else set()
    # each target on a KPI measured per interval, but the service level the service-level chart draws
    first_level = next((t for t in scenario.targets if t.kpi == "service_level"), None)
    per_interval = ("wait_mean", "abandon_rate", "queue_time_mean", "response_within_target", "service_level")
    expected |= {"targets_by_interval"} if any(t.kpi in per_interval and t.scope.split(":")[0] in ("all", "channel")
                                               and t is not first_level for t in scenario.targets) else set()
    expected |= {"service_level_heatmap"} if scenario.measures_service_level and scenario.clock.days > 1 else set()
    deferrable = any(scenario.channel(d.channel).deferrable for d in scenario.demand)
    expected |= {"backlog_by_interval", "backlog_age_by_interval", "response_time_by_interval"} if deferrable else set()
    for name in expected:
        assert_chart(folder, name)
    assert {p.stem for p in folder.glob("*.png")} == expected   # no chart of a KPI the scenario does not have


@pytest.mark.slow   # a long end-to-end or statistical check: pytest -m slow (.ci/run runs it)
def test_compare_charts(tmp_path):
    folder = run("compare", str(SCENARIOS / "contact_centre.yaml"), "-r", "2", "--set", "clock.days=1", str(tmp_path / "c"))
    for name in ("service_level_channel_phone", "service_level_channel_chat", "abandon_rate",
                 "wait_mean_channel_phone", "wait_mean", "cost_per_contact", "time_breakdown"):
        assert_chart(folder, f"compare_{name}")     # the targets' own KPIs first, then where the time goes


def test_sweep_chart(tmp_path):
    folder = run("sweep", str(SCENARIOS / "mmc_textbook.yaml"), "--vary", "staff.agents.headcount=20:22", "-r", "2",
                 str(tmp_path / "s"))
    assert_chart(folder, "sweep")


@pytest.mark.slow
def test_staff_charts(tmp_path):
    folder = run("staff", str(SCENARIOS / "mmc_textbook.yaml"), "--per-interval", "-r", "2", str(tmp_path / "t"))
    assert_chart(folder, "staffing_requirement")
    folder = run("staff", str(SCENARIOS / "mmc_textbook.yaml"), "-r", "2", str(tmp_path / "u"))
    assert_chart(folder, "staffing_requirement")


def test_svg_on_request_beside_every_png(tmp_path):
    """(Without --svg there is none: test_cli_outputs lists a run's files.)"""
    folder = run("run", str(SCENARIOS / "mmc_textbook.yaml"), "-r", "2", "--svg", str(tmp_path / "a"))
    names = {p.stem for p in folder.glob("*.png")}
    assert len(names) >= 8 and names == {p.stem for p in folder.glob("*.svg")}
    for name in names:
        assert_chart(folder, name, svg=True)


def test_no_charts_writes_none(tmp_path):
    folder = run("run", str(SCENARIOS / "bank_branch.yaml"), "-r", "2", "--no-charts", str(tmp_path))
    assert not list(folder.glob("*.png")) and not list(folder.glob("*.svg"))


def test_the_wait_distribution_crosses_the_threshold_at_the_service_level():
    """Over everyone who queued (abandoners are never answered), as service level counts them."""
    from simulator.experiment import run_scenario
    from simulator.scenario import load_scenario
    from tests.conftest import SCENARIOS

    result = run_scenario(load_scenario(SCENARIOS / "help_desk.yaml"), replications=3)
    threshold = result.scenario.threshold("phone")
    table = result.distributions
    at_threshold = table[(table.distribution == "wait_cdf") & (table.scope == "channel:phone")
                         & (abs(table.point - threshold) < 1e-9)]["mean"].iloc[0]
    assert abs(at_threshold - result.kpi("service_level", "channel:phone")["mean"]) < 1e-9


def test_the_queue_chart_shows_each_live_queue_and_not_the_overnight_backlog():
    """The contact centre's phone peak shows in its own line; email's backlog is on the backlog chart."""
    from simulator.charts import queue_by_interval
    from simulator.experiment import run_scenario

    result = run_scenario(load_scenario(SCENARIOS / "contact_centre.yaml"), replications=2)
    table = result.interval_summary
    phone = table[(table.metric == "waiting") & (table.scope == "channel:phone")]
    peak = phone.loc[phone["mean"].idxmax()]
    assert peak["start"] >= "09:30" and peak["mean"] > 1          # a morning peak of callers on hold
    assert not table[(table.metric == "backlog") & (table.scope == "channel:email")].empty
    import simulator.charts

    drawn = []
    original = simulator.charts._write_png
    simulator.charts._write_png = lambda figure, path: drawn.append(
        [line.get_label() for axis in figure.axes for line in axis.get_lines()])
    try:
        queue_by_interval(result, Path("."))
    finally:
        simulator.charts._write_png = original
    assert drawn and all("email" not in label for label in drawn[0])
    assert any(label.startswith("phone") for label in drawn[0])


@pytest.mark.slow   # a long end-to-end or statistical check: pytest -m slow (.ci/run runs it)
def test_a_two_parameter_sweep_draws_its_grid(tmp_path):
    folder = run("sweep", str(SCENARIOS / "mmc_textbook.yaml"), "--vary", "staff.agents.headcount=20:22",
                 "--vary", "clock.horizon=8h,16h", "-r", "2", str(tmp_path))
    assert_chart(folder, "sweep_heatmap")


@pytest.mark.slow   # a long end-to-end or statistical check: pytest -m slow (.ci/run runs it)
def test_a_scenario_written_in_korean_draws_its_hangul_and_keeps_its_name(tmp_path):
    import warnings

    import yaml

    korean = {"name": "서울 민원 콜센터", "clock": {"open": "09:00", "close": "11:00", "interval": "30min"},
              "replications": 2, "channels": {"전화": {"patience": {"exponential": {"mean": 3}}}},
              "demand": {"상담전화": {"channel": "전화", "arrivals": {"per_hour": 60}, "process": "상담"}},
              "processes": {"상담": {"steps": [{"name": "응대", "skill": "민원",
                                               "duration": {"exponential": {"mean": 4}}}]}},
              "staff": {"상담원": {"headcount": 5, "skills": {"민원": 3}}}, "service_level": {"within": "20s"}}
    path = tmp_path / "korean.yaml"
    path.write_text(yaml.safe_dump(korean, allow_unicode=True), encoding="utf-8")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        folder = run("run", str(path), "-r", "2", str(tmp_path / "out"))
    assert folder.parent.name == "서울-민원-콜센터"
    assert not [w for w in caught if "Glyph" in str(w.message)]
    assert_chart(folder, "queue_by_interval")


def test_cost_against_service_marks_the_efficient_frontier():
    from simulator.charts import efficient

    cost = np.array([10.0, 12.0, 11.0, 15.0])
    service = np.array([0.70, 0.85, 0.65, 0.84])
    assert efficient(cost, service).tolist() == [True, True, False, False]   # 11 is beaten by 10; 15 by 12


def test_the_process_map_is_drawn_from_the_scenario_with_each_steps_measured_figures():
    """Every stream, step, doer, rework loop and repeat contact of the scenario is on the map, with the
    step's own wait and handling time from the run."""
    from simulator.console import format_value
    from simulator.experiment import run_scenario
    from simulator.scenario.loader import load_variants
    from simulator.views import process_map_figure

    scenario = load_variants(SCENARIOS / "lessons" / "process_redesign.yaml")["baseline"]
    result = run_scenario(scenario, replications=2)
    figure = process_map_figure(scenario, result.tables.summary)   # a run's table, or its DataFrame (below)
    texts = " | ".join(text.get_text() for axis in figure.axes for text in axis.texts)
    assert "claims\n(web_form)" in texts
    assert "register\nregistration: registration" in texts and "assess\nassessment: assessors" in texts
    assert "error 10%: rework" in texts
    wait = result.kpi("queue_time_mean", "step:two_teams.assess")["mean"]
    assert f"wait {format_value('queue_time_mean', wait)}" in texts
    contact_centre = load_scenario(SCENARIOS / "contact_centre.yaml")
    texts = " | ".join(t.get_text() for axis in process_map_figure(contact_centre, result.summary[:0]).axes
                       for t in axis.texts)
    assert "customer comes back after" in texts and "bot: chatbot" in texts and "resolves 30% alone" in texts


def test_the_replication_spread_shows_every_replication_beside_the_ci(tmp_path):
    from simulator.experiment import run_scenario
    from simulator.views import replication_spread

    result = run_scenario(load_scenario(SCENARIOS / "help_desk.yaml"), replications=5)
    (png,) = replication_spread(result, tmp_path)
    assert png.name == "replication_spread.png"
    one = result.replications[(result.replications.metric == "service_level")
                              & (result.replications.scope == result.scenario.targets[0].scope)]["value"]
    estimate = result.kpi("service_level", result.scenario.targets[0].scope)
    assert len(one) == 5 and one.min() <= estimate["mean"] <= one.max()
    # one replication at 20 agents is not two at 10: a single-replication run has no spread to draw
    assert replication_spread(run_scenario(load_scenario(SCENARIOS / "help_desk.yaml"), replications=1),
                              tmp_path / "none") == []


def test_a_comparisons_charts_drawn_on_two_processes_are_those_drawn_on_one(tmp_path):
    """Each chart of a comparison is drawn in a worker of its own: the same files, in the same order,
    byte for byte, as one process draws them."""
    from simulator.charts import comparison_charts
    from simulator.experiment import compare_scenarios
    from simulator.scenario import load_variants

    comparison = compare_scenarios(load_variants(SCENARIOS / "contact_centre.yaml"), replications=2, jobs=1)
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    one = comparison_charts(comparison, tmp_path / "one", jobs=1)
    two = comparison_charts(comparison, tmp_path / "two", jobs=2)
    assert [p.name for p in one] == [p.name for p in two] and len(one) >= 10
    assert "cost_and_service.png" in {p.name for p in one} and "compare_time_breakdown.png" in {p.name for p in one}
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(one, two))
