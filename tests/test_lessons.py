"""Lessons: every shipped lesson runs, its sheet fills in, and every claim it makes holds with CIs that
exclude the opposite; the relative-change interval behind "by at least" claims covers the truth."""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from simulator.analysis import relative_change
from simulator.cli import _window, main
from simulator.errors import InputError
from simulator.experiment import compare_scenarios
from simulator.lessons import Claim, check_claims, find_lesson, list_lessons, load_lesson, render_sheet
from simulator.scenario import load_variants

LESSONS = {lesson.name: lesson for lesson in list_lessons()}
REQUIRED = {"one_more_agent", "pooling", "chatbot", "training", "process_redesign", "premium_priority",
            "quality_at_source", "recovering_a_failure", "standard_work"}


def compare(lesson):
    return compare_scenarios(load_variants(lesson.scenario_file, {}), jobs=2)


def test_the_lessons_of_the_issues_are_shipped():
    assert REQUIRED <= set(LESSONS)


# two lessons' claims in the default run (the shortest, with a film); every lesson's in the slow suite
DEFAULT_LESSONS = ("one_more_agent", "pooling")


@pytest.mark.parametrize("name", [name if name in DEFAULT_LESSONS else pytest.param(name, marks=pytest.mark.slow)
                                  for name in sorted(LESSONS)])
def test_every_claim_of_the_lesson_holds_and_its_sheet_is_filled_in(name):
    """The lesson's own replications and seed, as `servicesim lesson NAME` runs it."""
    lesson = LESSONS[name]
    comparison = compare(lesson)
    verdicts = check_claims(lesson, comparison)
    failed = [verdict.line() for verdict in verdicts if not verdict.holds]
    assert not failed, failed
    for verdict in verdicts:   # the CI of the difference lies wholly on the claimed side
        if verdict.claim.direction == "lower":
            assert verdict.figure.diff_high < 0
        else:
            assert verdict.figure.diff_low > 0
    assert lesson.animation.compare in comparison.runs
    window = _window(comparison.runs["baseline"].scenario, lesson.animation.start, lesson.animation.until)
    assert None not in window and window[0] < window[1]
    sheet = render_sheet(lesson, comparison)
    assert "{{" not in sheet and "{%" not in sheet and "nan" not in sheet
    assert sheet.count(": holds") == len(lesson.claims)
    for heading in ("## What to watch", "## Questions for the room", "## What the simulation shows", "## Conclusion"):
        assert heading in sheet


def test_shipped_claims_are_about_outcomes_not_inputs():
    """A claim must be something the simulation finds out: staff and training costs follow from the
    headcount and the course a variant sets, so a claim about them is true by construction."""
    by_construction = {"cost_staff", "cost_training"}
    for lesson in list_lessons():
        assert not [claim.says for claim in lesson.claims if claim.kpi in by_construction], lesson.name


def test_a_claim_the_run_does_not_show_is_said_plainly():
    lesson = LESSONS["pooling"]
    opposite = Claim("pooled", "wait_mean", "higher", says="Pooled, customers wait longer")
    verdict = check_claims(dataclasses.replace(lesson, claims=(opposite,)), compare(lesson))[0]
    assert not verdict.holds
    assert "Pooled, customers wait longer" in verdict.line() and "NOT SHOWN by this run" in verdict.line()


def test_relative_change_is_exact_on_known_data_and_its_interval_covers_the_truth():
    change, low, high = relative_change(np.array([2.0, 4.0, 6.0]), np.array([1.0, 2.0, 3.0]))
    assert change == pytest.approx(-0.5) and low == pytest.approx(-0.5) and high == pytest.approx(-0.5)
    rng = np.random.default_rng(1)
    truth, covered, trials = 0.4 / 1.0 - 1, 0, 2000   # E[other] / E[baseline] - 1 with E = exp(mu + s^2/2)
    for _ in range(trials):
        baseline = rng.lognormal(0.0, 0.6, 30)
        other = 0.4 * baseline * rng.lognormal(-0.02, 0.2, 30)   # E of the factor: exp(-0.02 + 0.02) = 1
        _, low, high = relative_change(baseline, other)
        covered += low <= truth <= high
    # 95% nominal: binomial sd over 2000 trials is 0.5%; the ratio estimator runs a little under
    assert 0.925 <= covered / trials <= 0.97


def test_a_sheet_with_a_mistake_gets_a_clear_error(tmp_path):
    lesson = LESSONS["pooling"]
    scenario = tmp_path / "broken.yaml"
    scenario.write_text(lesson.scenario_file.read_text())
    sheet = tmp_path / "broken.md"
    sheet.write_text("---\ntitle: x\nsummary: y\nanimation: {compare: pooled}\nclaims:\n"
                     "  - {variant: pooled, kpi: wiat_mean, direction: lower}\n---\nbody\n")
    with pytest.raises(InputError, match=r"broken.md: claims\[0\].kpi: unknown KPI 'wiat_mean'"):
        load_lesson(sheet)
    sheet.write_text("---\ntitle: x\nsummary: y\nanimation: {compare: pooled}\nclaims:\n"
                     "  - {variant: pooled, kpi: wait_mean, direction: lower}\n---\n{{ pooled.wiat_mean }}\n")
    comparison = compare(lesson)
    with pytest.raises(InputError, match="broken.md: the lesson asks for 'wiat_mean' in scope 'all' of 'pooled'"):
        render_sheet(load_lesson(sheet), comparison)
    sheet.write_text(sheet.read_text().replace("pooled.wiat_mean", "poled.wait_mean"))
    with pytest.raises(InputError, match="broken.md: 'poled' is undefined"):
        render_sheet(load_lesson(sheet), comparison)
    sheet.write_text("no front matter\n")
    with pytest.raises(InputError, match="broken.md: a lesson sheet starts with front matter"):
        load_lesson(sheet)
    with pytest.raises(InputError, match="no lesson called 'nope'.*pooling"):
        find_lesson("nope")
    with pytest.raises(InputError, match="elsewhere.md: a lesson is a sheet NAME.md beside its scenario NAME.yaml"):
        find_lesson(str(tmp_path / "elsewhere.md"))


def test_a_lesson_of_ones_own_runs_from_its_path(tmp_path):
    for suffix in (".yaml", ".md"):
        (tmp_path / f"mine{suffix}").write_text(LESSONS["pooling"].sheet_file.with_suffix(suffix).read_text())
    result = CliRunner().invoke(main, ["lesson", str(tmp_path / "mine.md"), "--no-animation", "-r", "5", "-q",
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    folder = next((tmp_path / "out").glob("*/*-lesson"))
    assert "replications on the same customers" in (folder / "lesson.md").read_text()
    assert not (folder / "animation.gif").exists()


def test_servicesim_lesson_lists_the_lessons():
    result = CliRunner().invoke(main, ["lesson"])
    assert result.exit_code == 0
    for name in REQUIRED:
        assert name in result.output
    unknown = CliRunner().invoke(main, ["lesson", "nope"])
    assert unknown.exit_code == 2 and "no lesson called 'nope'" in unknown.output


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_lesson_pooling_gives_a_report_and_an_animation_in_under_a_minute(tmp_path):
    started = time.perf_counter()
    result = CliRunner().invoke(main, ["lesson", "pooling", "--out", str(tmp_path)])
    seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert seconds < 60
    folder = next(tmp_path.glob("*/*-lesson"))
    assert "Pooled, customers wait less: " in result.output and ": holds" in result.output
    report = (folder / "report.html").read_text()
    assert "<h1>Pooling two queues</h1>" in report and "data:image/gif;base64," in report
    assert "Does this run show it?" in report and "{{" not in report
    with Image.open(folder / "animation.gif") as image:
        assert image.n_frames == 301          # 09:00 to 12:00, a frame every 36 s (3 min of the day a second, 5 fps)
    assert (folder / "lesson.md").exists() and (folder / "comparison.csv").exists()
