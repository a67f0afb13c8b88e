"""Lessons for trainers: a scenario with variants, and a lesson sheet whose numbers come from the simulator.

A lesson is two files in ``scenarios/lessons/``: ``NAME.yaml`` (an ordinary scenario whose variants are
what the lesson compares) and ``NAME.md``, the lesson sheet: YAML front matter (title, summary, the
claims the lesson makes, what to animate) and a Markdown body. The body is a Jinja template: every
number in it is a placeholder the comparison fills in (``{{ pooled.wait_mean }}``,
``{{ pooled.wait_mean.diff }}``, ``{{ premium_first["wait_mean@segment:premium"].change }}``), so a
sheet never states a number the simulator did not produce. Each claim ("pooled: wait_mean lower") is
checked against the paired confidence interval: the sheet says plainly when a run does not show it.
docs/trainer.md describes the format.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd
import yaml

from simulator.analysis import linearise, relative_change
from simulator.console import format_value
from simulator.errors import InputError
from simulator.experiment import Comparison
from simulator.i18n import LANGUAGES, language, tr
from simulator.kpis import KPI_BY_NAME

FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n(.*)\Z", re.DOTALL)


def lessons_folder() -> Path:
    """The shipped lessons: ``scenarios/lessons`` beside the package (a source checkout), else under the
    current folder."""
    beside = Path(__file__).resolve().parents[1] / "scenarios" / "lessons"
    return beside if beside.is_dir() else Path("scenarios") / "lessons"


@dataclass(frozen=True)
class Claim:
    """What a lesson says the simulation shows: ``variant``'s ``kpi`` is lower (or higher) than the
    baseline's, by at least ``by_at_least`` (a share of the baseline's value) when given."""

    variant: str
    kpi: str
    direction: str              # "lower" or "higher"
    scope: str = "all"
    by_at_least: float = 0.0
    says: str = ""

    def describe(self) -> str:
        amount = f" by at least {self.by_at_least:.0%}" if self.by_at_least else ""
        where = "" if self.scope == "all" else f" ({self.scope.replace(':', ' ')})"
        return f"{self.variant}: {self.kpi}{where} {self.direction} than the baseline{amount}"


@dataclass(frozen=True)
class Animation:
    """What the lesson animates: the baseline beside ``compare``, over a window of the first day."""

    compare: str
    start: str | None = None
    until: str | None = None
    speed: str | None = None
    fps: int = 10                 # frames a second: fewer frames, the same film (a frame every speed / fps)


@dataclass(frozen=True)
class Lesson:
    name: str
    title: str
    summary: str
    scenario_file: Path
    sheet_file: Path
    claims: tuple[Claim, ...]
    animation: Animation
    template: str = field(repr=False)


def list_lessons(folder: Path | None = None) -> list[Lesson]:
    """Every lesson in ``folder`` (the shipped ones by default), by name."""
    folder = folder or lessons_folder()
    return [load_lesson(sheet) for sheet in sorted(folder.glob("*.md")) if sheet.with_suffix(".yaml").exists()]


def find_lesson(name: str, folder: Path | None = None) -> Lesson:
    """The lesson called ``name`` (or the sheet at the path ``name``, for a lesson of one's own), or a
    clear error listing the lessons there are."""
    folder = folder or lessons_folder()
    if name.endswith(".md"):
        sheet = Path(name)
        if not sheet.exists() or not sheet.with_suffix(".yaml").exists():
            raise InputError(f"{sheet}: a lesson is a sheet NAME.md beside its scenario NAME.yaml; not found")
        return load_lesson(sheet)
    sheet = folder / f"{name}.md"
    if not sheet.exists() or not sheet.with_suffix(".yaml").exists():
        names = ", ".join(lesson.name for lesson in list_lessons(folder)) or "none"
        raise InputError(f"no lesson called {name!r} in {folder}; the lessons are: {names}")
    translated = folder / language() / f"{name}.md"   # the sheet in the language asked for, where there is one
    if language() != "en" and translated.exists():
        return load_lesson(translated, sheet.with_suffix(".yaml"))
    return load_lesson(sheet)


def translations(lesson: Lesson) -> dict[str, Path]:
    """The lesson's sheets in other languages: ``<lessons>/<language>/<name>.md``, by language code."""
    folder = lesson.scenario_file.parent
    return {code: folder / code / f"{lesson.name}.md" for code in LANGUAGES
            if (folder / code / f"{lesson.name}.md").exists()}


def load_lesson(sheet: Path, scenario_file: Path | None = None) -> Lesson:
    """Read a lesson sheet (front matter and template); every problem is an InputError naming the file.
    The scenario is the YAML file beside the sheet, or ``scenario_file`` (a translated sheet's)."""
    text = sheet.read_text(encoding="utf-8")
    match = FRONT_MATTER.match(text)
    if not match:
        raise InputError(f"{sheet}: a lesson sheet starts with front matter between two '---' lines")
    try:
        meta = yaml.safe_load(match.group(1)) or {}
    except yaml.YAMLError as exc:
        raise InputError(f"{sheet}: the front matter is not valid YAML ({exc})") from None
    if not isinstance(meta, dict):
        raise InputError(f"{sheet}: the front matter must be a mapping")
    for key in ("title", "summary", "claims", "animation"):
        if key not in meta:
            raise InputError(f"{sheet}: front matter: missing '{key}'")
    claims = []
    for number, entry in enumerate(meta["claims"] or []):
        where = f"{sheet}: claims[{number}]"
        if not isinstance(entry, dict) or not {"variant", "kpi"} <= set(entry) or \
                entry.get("direction") not in ("lower", "higher"):
            raise InputError(f"{where}: expected {{variant, kpi, direction: lower|higher, scope, by_at_least, says}}")
        if entry["kpi"] not in KPI_BY_NAME:
            raise InputError(f"{where}.kpi: unknown KPI {entry['kpi']!r} (servicesim kpis lists them)")
        unknown = set(entry) - {"variant", "kpi", "direction", "scope", "by_at_least", "says"}
        if unknown:
            raise InputError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
        claims.append(Claim(**entry))
    if not claims:
        raise InputError(f"{sheet}: claims: a lesson makes at least one claim the tests can check")
    animation = meta["animation"]
    if not isinstance(animation, dict) or "compare" not in animation:
        raise InputError(f"{sheet}: animation: expected {{compare: VARIANT, from, until, speed, fps}}")
    return Lesson(
        name=sheet.stem, title=str(meta["title"]), summary=str(meta["summary"]),
        scenario_file=scenario_file or sheet.with_suffix(".yaml"), sheet_file=sheet, claims=tuple(claims),
        animation=Animation(str(animation["compare"]), animation.get("from"), animation.get("until"),
                            animation.get("speed"), _fps(sheet, animation.get("fps", 10))),
        template=match.group(2))


def _fps(sheet: Path, value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 50:
        raise InputError(f"{sheet}: animation.fps: must be a whole number from 1 to 50, got {value!r}")
    return value


# -- numbers for the sheet ------------------------------------------------------------------------------

class Figure:
    """A KPI of one scenario in a comparison: prints as its mean, and offers ``ci``, ``diff`` and
    ``change`` (against the baseline, paired), and the raw numbers for arithmetic in a template."""

    def __init__(self, comparison: Comparison, scenario: str, metric: str, scope: str):
        self.metric = metric
        try:
            row = comparison.difference(scenario, metric, scope)
        except KeyError:
            raise InputError(f"the lesson asks for {metric!r} in scope {scope!r} of {scenario!r}, which this "
                             "comparison does not have") from None
        self.mean, self.low, self.high = float(row["mean"]), float(row["ci_low"]), float(row["ci_high"])
        self.diff_mean = float(row["diff_mean"])
        self.diff_low, self.diff_high = float(row["diff_ci_low"]), float(row["diff_ci_high"])
        runs = comparison.runs

        def values(name: str) -> pd.Series:
            """Each replication's contribution to the estimate (a ratio's linearised value)."""
            table = runs[name].replications
            chosen = table[(table.metric == metric) & (table.scope == scope)]
            linear = linearise(chosen, ["metric", "scope"])
            return pd.Series(linear, index=chosen["replication"].to_numpy()).sort_index()

        base, other = values(comparison.baseline).align(values(scenario), join="inner")
        self.relative, self.relative_low, self.relative_high = relative_change(base.to_numpy(), other.to_numpy())

    def __str__(self) -> str:
        return format_value(self.metric, self.mean)

    @property
    def ci(self) -> str:
        return f"{format_value(self.metric, self.low)} to {format_value(self.metric, self.high)}"

    @property
    def diff(self) -> str:
        """The paired difference from the baseline with its 95% CI: ``-12s (95% CI -13s to -10s)``."""
        return f"{_signed(self.metric, self.diff_mean)} (95% CI {_signed(self.metric, self.diff_low)} to " \
               f"{_signed(self.metric, self.diff_high)})"

    @property
    def change(self) -> str:
        """The relative change from the baseline with its 95% CI: ``-45% (95% CI -52% to -38%)``."""
        if math.isnan(self.relative):
            return "-"
        return f"{self.relative:+.0%} (95% CI {self.relative_low:+.0%} to {self.relative_high:+.0%})"


def _signed(metric: str, value: float) -> str:
    """A difference with its sign; a difference of two shares is in percentage points."""
    if KPI_BY_NAME[metric].kind == "share":
        return f"{value * 100:+.1f} points"
    text = format_value(metric, abs(value))
    return f"-{text}" if value < 0 else f"+{text}"


class Results:
    """One scenario of the comparison, as the template sees it: ``name.kpi`` or ``name["kpi@scope"]``."""

    def __init__(self, comparison: Comparison, scenario: str):
        self._comparison, self._scenario = comparison, scenario

    def __getattr__(self, metric: str) -> Figure:
        if metric.startswith("_"):
            raise AttributeError(metric)
        return Figure(self._comparison, self._scenario, metric, "all")

    def __getitem__(self, key: str) -> Figure:
        metric, _, scope = key.partition("@")
        return Figure(self._comparison, self._scenario, metric, scope or "all")


@dataclass
class Verdict:
    claim: Claim
    holds: bool
    figure: Figure

    def line(self) -> str:
        mark = tr("holds") if self.holds else tr("NOT SHOWN by this run: its confidence interval does not rule out "
                                                 "the opposite; run more replications")
        amount = f", {self.figure.change}" if self.claim.by_at_least else ""
        return f"{self.claim.says or self.claim.describe()}: {self.figure.diff}{amount}: {mark}"


def check_claims(lesson: Lesson, comparison: Comparison) -> list[Verdict]:
    """Each claim against the comparison: it holds when the paired 95% CI of the difference (and of the
    relative change, for ``by_at_least``) lies wholly on the claimed side."""
    verdicts = []
    for claim in lesson.claims:
        if claim.variant not in comparison.runs:
            raise InputError(f"{lesson.sheet_file}: a claim is about {claim.variant!r}, which is not a variant of "
                             f"{lesson.scenario_file.name}")
        figure = Figure(comparison, claim.variant, claim.kpi, claim.scope)
        if claim.direction == "lower":
            holds = figure.diff_high < 0 and (not claim.by_at_least or figure.relative_high < -claim.by_at_least)
        else:
            holds = figure.diff_low > 0 and (not claim.by_at_least or figure.relative_low > claim.by_at_least)
        verdicts.append(Verdict(claim, bool(holds), figure))
    return verdicts


def render_sheet(lesson: Lesson, comparison: Comparison) -> str:
    """The lesson sheet as Markdown, its placeholders filled from ``comparison``, and a closing section
    that checks every claim against the confidence intervals."""
    environment = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                                     autoescape=False)
    context = {name: Results(comparison, name) for name in comparison.runs}
    context["replications"] = int(comparison.runs[comparison.baseline].scenario.replications)
    try:
        body = environment.from_string(lesson.template).render(context)
    except (jinja2.TemplateError, InputError) as exc:
        raise InputError(f"{lesson.sheet_file}: {exc}") from None
    verdicts = check_claims(lesson, comparison)
    check = "\n".join(f"- {verdict.line()}" for verdict in verdicts)
    heading = tr("## Does this run show it?")
    said = tr("Each claim above, checked against the paired 95% confidence intervals of {count} replications on "
              "the same customers:", count=context["replications"])
    return f"# {lesson.title}\n\n*{lesson.summary}*\n\n{body.strip()}\n\n{heading}\n\n{said}\n\n{check}\n"
