"""The results folder: written whole into a temporary folder, then renamed into place.

``<out>/<scenario-slug>/<run-id>/`` (``<run-id>-compare/`` for a comparison) holds ``summary.csv``, ``replications.csv``,
``intervals.csv``, ``targets.csv``, the resolved ``scenario.yaml`` and ``run.json``
(provenance: seed, replications, versions, run time, capacity flags). A run that
fails leaves no folder behind: results appear whole or not at all.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import platform
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Callable

import numpy as np
import simpy

from simulator import __version__
from simulator.columns import Table
from simulator.errors import InputError, SimulatorError
from simulator.experiment import Comparison, RunResult
from simulator.scenario.model import Scenario
from simulator.metrics.calendar import by_day, by_weekday_interval
from simulator.model.staff import agent_names
from simulator.scenario.resolve import resolved_yaml

if TYPE_CHECKING:   # a run's write-up needs none of these (nor pandas: see simulator/columns.py)
    import pandas as pd

    from simulator.chart_process import ChartProcess
    from simulator.planning.staffing import Staffing
    from simulator.sweep import Sweep

SUMMARY_COLUMNS = ["metric", "scope", "mean", "ci_low", "ci_high", "replications", "estimator"]


def provenance(result: RunResult) -> dict:
    """What was run, with what, when: saved as run.json beside every result."""
    scenario = result.scenario
    return {
        "scenario": scenario.name,
        "source": str(scenario.source) if scenario.source else None,
        "seed": scenario.seed,
        "replications": scenario.replications,
        "replication_seeds": [int(o.seed) for o in result.outputs],
        "run_seconds": round(result.seconds, 3),
        "finished_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "versions": {"servicesim": __version__, "python": platform.python_version(), "simpy": simpy.__version__,
                     "numpy": np.__version__, "pandas": _version_of("pandas")},
        "warmup_minutes": scenario.clock.warmup,
        "warmup_rule": "MSER-5 (warmup: auto)" if scenario.clock.warmup_auto else "as given",
        "capacity_flags": flag_records(result.flags),
        "scenario_warnings": list(scenario.warnings),
    }


def flag_records(flags) -> list[dict]:
    """Capacity and work flags as JSON-ready records."""
    return [{"kind": f.kind, "about": f.skill, "message": f.message} for f in flags]


def _version_of(package: str) -> str:
    """An installed package's version, without importing it."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def _records(frame: "pd.DataFrame | Table") -> list[dict]:
    if isinstance(frame, Table):
        return frame.row_dicts()
    return frame.astype(object).where(frame.notna(), None).to_dict(orient="records")


def verdict_records(result: RunResult) -> list[dict]:
    """Each target's verdict (met, missed, ci_spans_target) with its estimate and CI, JSON-ready."""
    return _records(result.tables.targets)


def run_json(result: RunResult, folder: Path) -> dict:
    """What ``servicesim run --json`` prints: verdicts and flags first, then the whole summary."""
    return {"scenario": result.scenario.name, "results": str(folder), "verdicts": verdict_records(result),
            "flags": flag_records(result.flags), "formulas": formula_records(result),
            "summary": summary_records(result)}


def formula_records(result: RunResult) -> list[dict]:
    """Per channel where Erlang B, C, A or X applies: the formula, its inputs, and per KPI its value
    beside the simulated estimate and CI."""
    from simulator.formulas import beside_the_run

    return [{"channel": check.channel, "formula": check.formula, "inputs": check.inputs,
             "kpis": {metric: dict(zip(("formula", "mean", "ci_low", "ci_high"), values))
                      for metric, values in rows.items()}}
            for check, rows in beside_the_run(result.scenario, result.tables.summary)]


def summary_records(result: RunResult) -> list[dict]:
    """The summary as JSON-ready records (NaN becomes null)."""
    return _records(result.tables.summary.select(SUMMARY_COLUMNS))


def comparison_json(comparison: Comparison, folder: Path) -> dict:
    """What ``servicesim compare --json`` prints: each scenario's verdicts and flags, then the table."""
    return {"baseline": comparison.baseline, "results": str(folder),
            "scenarios": {name: {"verdicts": verdict_records(run), "flags": flag_records(run.flags)}
                          for name, run in comparison.runs.items()},
            "comparison": _records(comparison.table)}


def sweep_json(sweep: Sweep, folder: Path) -> dict:
    """What ``servicesim sweep --json`` prints: a record per point with its verdicts and flags."""
    points = []
    for point, run, row in zip(sweep.points, sweep.comparison.runs.values(), _records(sweep.table())):
        points.append({"point": point, "verdicts": verdict_records(run), "flags": flag_records(run.flags),
                       "kpis": row})
    return {"results": str(folder), "sweep": points}


def staffing_json(staffing: Staffing, folder: Path) -> dict:
    """What ``servicesim staff --json`` prints: the requirement, and the answer's verdicts and flags."""
    table = staffing.per_interval if staffing.per_interval is not None else staffing.pools
    answer = staffing.answer
    return {"results": str(folder), "answer": staffing.changes,
            "verdicts": verdict_records(answer) if answer is not None else [],
            "flags": flag_records(answer.flags) if answer is not None else [], "staffing": _records(table)}


def write_results(result: RunResult, out_dir: Path, run_id: str | None = None, contacts: bool = False,
                  charts: bool = True, report: bool = False, spool: "ContactsSpool | None" = None,
                  painter: "ChartProcess | None" = None) -> Path:
    """Write the run's files into ``out_dir/<slug>/<run-id>/`` atomically; return that folder. With
    ``contacts``, also ``contacts.csv.gz`` (every contact) and ``contact_log.csv.gz`` (replication 1 as a
    contact log): moved from ``spool`` when the run wrote them as it went, else from the kept tables.
    Charts are drawn by ``painter`` (a chart process made ready during the run) while the tables are
    written, or here when there is none."""
    def write(folder: Path) -> None:
        if charts and painter is not None:
            painter.start(result, folder)
        _write_run(result, folder)
        if charts and painter is not None:
            painter.paths()
        elif charts:
            from simulator.charts import run_charts   # matplotlib only when charts are drawn
            run_charts(result, folder)
        if spool is not None:
            spool.move_into(folder)
        elif contacts:
            contacts_table(result).to_csv(folder / "contacts.csv.gz", index=False, compression="gzip")
            contact_log(result).to_csv(folder / "contact_log.csv.gz", index=False, compression="gzip")
    return _atomically(Path(out_dir), result.scenario.slug, run_id, write, report)


class ContactsSpool:
    """``contacts.csv.gz`` and ``contact_log.csv.gz`` written replication by replication while the run goes
    on, each replication's records dropped once written: memory holds one replication's contacts (and
    those that finished early, waiting for their turn: the file is in replication order), never all.

    Use: ``on_output=spool.add`` in :func:`run_scenario`, then :meth:`move_into` the results folder, or
    :meth:`discard` (also what leaving a ``with`` block without moving does)."""

    def __init__(self, scenario):
        self.scenario = scenario
        self.folder = Path(tempfile.mkdtemp(prefix=".servicesim-contacts-"))
        self._contacts = gzip.open(self.folder / "contacts.csv.gz", "wt", encoding="utf-8", newline="")
        self._next, self._waiting = 0, {}
        self._names = ([d.name for d in scenario.demand], [c.name for c in scenario.channels],
                       [s.name for s in scenario.segments] or ["all"])

    def add(self, output) -> None:
        self._waiting[output.replication] = output
        while self._next in self._waiting:
            ready = self._waiting.pop(self._next)
            frame = ready.tables.contacts_frame(*self._names)
            frame.insert(0, "seed", ready.seed)
            frame.insert(0, "replication", ready.replication)
            frame.to_csv(self._contacts, header=self._next == 0, index=False)
            if self._next == 0:
                log_frame(self.scenario, ready.tables).to_csv(self.folder / "contact_log.csv.gz", index=False,
                                                              compression="gzip")
            ready.tables = None           # written: the records go
            self._next += 1

    def move_into(self, folder: Path) -> None:
        self._contacts.close()
        for name in ("contacts.csv.gz", "contact_log.csv.gz"):
            shutil.move(str(self.folder / name), str(folder / name))
        self.discard()

    def discard(self) -> None:
        self._contacts.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> "ContactsSpool":
        return self

    def __exit__(self, *exc) -> None:
        self.discard()


def contacts_table(result: RunResult) -> pd.DataFrame:
    """Every contact of every replication (columns in docs/outputs.md), with replication and seed."""
    return result.contacts()


PLACEHOLDER_START = dt.date(2001, 1, 1)   # a Monday: the first day of a log from a scenario without dates


def contact_log(result: RunResult, replication: int = 0) -> pd.DataFrame:
    """One replication's contacts in the contact-log form of DESIGN.md (what an ACD exports), so that
    ``calibrate`` and ``backtest`` can read a simulated history: arrival (date and time, from the clock's
    dates, or consecutive days from Monday 2001-01-01 without them), channel, queue (the demand stream),
    process, wait_s (to answer, or to abandon), outcome, handle_s (time with people), agent (who answered),
    repeat (1: a retrial, callback of an error or other repeat), contact_id. Contacts still waiting when the run ended are left out (an export would not have them yet)."""
    tables = result.outputs[replication].tables
    if tables is None:
        raise SimulatorError("contact_log.csv.gz needs the run's records: run with keep_tables=True")
    return log_frame(result.scenario, tables)


def log_frame(scenario, tables) -> pd.DataFrame:
    """One replication's records (``tables``) as a contact log (see :func:`contact_log`)."""
    import pandas as pd

    clock = scenario.clock
    dates = clock.dates or tuple(PLACEHOLDER_START + dt.timedelta(days=d) for d in range(clock.days))
    arrived = tables.arrived_at
    day = np.clip((arrived // clock.day_length).astype(np.int64), 0, clock.days - 1)
    midnight = np.array([np.datetime64(d, "s") for d in dates])[day]
    offset = ((clock.open_at or 0.0) + arrived - day * clock.day_length) * 60
    arrival = midnight + np.rint(offset * 1000).astype("timedelta64[ms]")
    people = tables.service_pool < len(scenario.staff)
    handle = np.bincount(tables.service_contact[people], minlength=len(arrived),
                         weights=(tables.service_end - tables.service_start)[people])
    first_agent = np.full(len(arrived), -1)
    order = np.argsort(tables.service_start[people], kind="stable")[::-1]   # earliest written last: wins
    first_agent[tables.service_contact[people][order]] = tables.service_agent[people][order]
    answered = ~np.isnan(tables.answered_at)
    abandoned = tables.outcome == 1
    contained = tables.contained & ~answered
    keep = (answered & (tables.outcome != 2)) | abandoned | contained
    outcome = np.where(answered, "answered", np.where(abandoned, "abandoned", "contained"))
    wait = np.where(answered, tables.wait, np.where(abandoned, tables.queue_time, 0.0))
    streams = scenario.demand
    channel_of = np.array([s.channel for s in streams], dtype=object)
    names = np.array([s.name for s in streams], dtype=object)
    processes = np.array([s.process for s in streams], dtype=object)
    agents = np.array([name for name, _, person in agent_names(scenario) if person] or [""], dtype=object)
    frame = pd.DataFrame({
        "contact_id": np.arange(len(arrived))[keep],
        "arrival": pd.to_datetime(arrival[keep]).strftime("%Y-%m-%d %H:%M:%S.%f").str[:-3],
        "channel": channel_of[tables.demand[keep]], "queue": names[tables.demand[keep]],
        "process": processes[tables.demand[keep]],
        "wait_s": np.round(wait[keep] * 60, 3), "outcome": outcome[keep],
        "handle_s": np.where(answered[keep], np.round(handle[keep] * 60, 3), np.nan),
        "agent": np.where(first_agent[keep] >= 0, agents[np.clip(first_agent[keep], 0, len(agents) - 1)], ""),
        "repeat": (tables.repeat_of[keep] >= 0).astype(int),
    })
    return frame.sort_values("arrival", kind="stable", ignore_index=True)


def write_comparison(comparison: Comparison, out_dir: Path, run_id: str | None = None, charts: bool = True,
                     report: bool = False, kind: str = "compare",
                     extra: Callable[[Path], None] | None = None) -> Path:
    """``comparison.csv`` and, per scenario, its own run files under ``scenarios/<name>/``; ``extra``
    writes more files into the folder (a lesson's sheet and animation) before the report."""
    def write(folder: Path) -> None:
        if extra is not None:
            extra(folder)
        comparison.table.to_csv(folder / "comparison.csv", index=False)
        if charts:
            from simulator.charts import comparison_charts
            comparison_charts(comparison, folder)
        for name, result in comparison.runs.items():
            (folder / "scenarios" / name).mkdir(parents=True)
            _write_run(result, folder / "scenarios" / name)
    first = comparison.runs[comparison.baseline].scenario
    stamp = run_id or dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return _atomically(Path(out_dir), first.slug, f"{stamp}-{kind}", write, report)


def write_sweep(sweep: Sweep, out_dir: Path, run_id: str | None = None, charts: bool = True,
                report: bool = False) -> Path:
    """``sweep.csv`` (a row per point, every KPI with its CI), ``comparison.csv`` (every scope, with
    paired differences from the first point) and each point's own run files."""
    def write(folder: Path) -> None:
        sweep.table().to_csv(folder / "sweep.csv", index=False)
        from simulator.sweep import risk_table

        risk_table(sweep).to_csv(folder / "risk.csv", index=False)
        if charts:
            from simulator.charts import cost_and_service, sweep_charts, sweep_heatmap
            first = sweep.comparison.runs[sweep.comparison.baseline].scenario
            cost_and_service(sweep.comparison, folder)
            if len(sweep.parameters) == 1:
                sweep_charts(sweep.table(), sweep.parameters[0], folder, first.targets)
            elif len(sweep.parameters) == 2:
                sweep_heatmap(sweep.table(), sweep.parameters, folder, first.targets)
        sweep.comparison.table.to_csv(folder / "comparison.csv", index=False)
        for number, result in enumerate(sweep.comparison.runs.values()):
            (folder / "points" / f"{number:03d}").mkdir(parents=True)
            _write_run(result, folder / "points" / f"{number:03d}")
    first = sweep.comparison.runs[sweep.comparison.baseline].scenario
    stamp = run_id or dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return _atomically(Path(out_dir), first.slug, f"{stamp}-sweep", write, report)


def write_staffing(staffing: Staffing, scenario: Scenario, out_dir: Path, run_id: str | None = None,
                   charts: bool = True, report: bool = False) -> Path:
    """``staffing.csv``: per pool (or per interval with --per-interval), the simulated requirement
    beside Erlang C's, and as a chart."""
    table = staffing.per_interval if staffing.per_interval is not None else staffing.pools

    def write(folder: Path) -> None:
        table.to_csv(folder / "staffing.csv", index=False)
        if staffing.around is not None:
            from simulator.sweep import risk_table

            risk_table(staffing.around).to_csv(folder / "risk.csv", index=False)
        if staffing.answer is not None:   # the answer, run: its verdicts and flags, as any run's files
            (folder / "answer").mkdir()
            _write_run(staffing.answer, folder / "answer")
        if staffing.plan is not None:     # the requirement curve as a scenario that runs as it is
            (folder / "plan.yaml").write_text(resolved_yaml(staffing.plan), encoding="utf-8")
        if charts:
            from simulator.charts import staffing_pools_chart, staffing_requirement_chart
            if staffing.per_interval is not None:
                staffing_requirement_chart(table, folder, f"{scenario.name}: agents required per interval, "
                                                          "simulation and Erlang C")
            else:
                staffing_pools_chart(table, folder, f"{scenario.name}: agents required per pool, simulation "
                                                    "and Erlang C")
    stamp = run_id or dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return _atomically(Path(out_dir), scenario.slug, f"{stamp}-staff", write, report)


def write_roster(plan, out_dir: Path, run_id: str | None = None, charts: bool = True, report: bool = False) -> Path:
    """``roster.yaml`` (the scenario with the roster: it runs as it is), ``coverage.csv`` (required and
    scheduled agents per interval), ``staffing.csv`` (the requirement), ``shifts.csv``, the roster's run
    in ``answer/`` and, with charts, scheduled against required agents."""
    roster = plan.roster

    def write(folder: Path) -> None:
        (folder / "roster.yaml").write_text(resolved_yaml(plan.scenario), encoding="utf-8")
        roster.coverage.to_csv(folder / "coverage.csv", index=False)
        plan.requirement.table.to_csv(folder / "staffing.csv", index=False)
        shifts_table(roster).to_csv(folder / "shifts.csv", index=False)
        (folder / "answer").mkdir()
        _write_run(roster.answer, folder / "answer")
        if charts:
            from simulator.charts import roster_chart
            roster_chart(roster.coverage, folder, f"{plan.scenario.name}: scheduled against required agents")
    stamp = run_id or dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return _atomically(Path(out_dir), plan.scenario.slug, f"{stamp}-roster", write, report)


def shifts_table(roster) -> pd.DataFrame:
    """One row per shift of the roster: its hours, days, agents, breaks and paid hours (a day's, or a
    week's when shifts have days)."""
    import pandas as pd

    from simulator.scenario.model import weekday_label

    return pd.DataFrame([{"shift": s.name, "days": weekday_label(s.days), "agents": s.count,
                          "hours": round((s.end - s.start) / 60, 2),
                          "breaks": "; ".join(f"{b.length:g} min after {b.after / 60:g} h" for b in (s.breaks or ())),
                          "paid_hours": round(s.count * (s.end - s.start) / 60 * (len(s.days) if s.days else 1), 2)}
                         for s in roster.shifts])


def roster_json(plan, folder: Path) -> dict:
    roster = plan.roster
    return {"results": str(folder), "holds": roster.holds, "note": roster.note, "solver": roster.solver,
            "shifts": _records(shifts_table(roster)), "verdicts": verdict_records(roster.answer),
            "flags": flag_records(roster.answer.flags), "coverage": _records(roster.coverage)}


def summary_with_chances(result: RunResult) -> Table:
    """The summary, with a row per target for the chance of meeting it: metric ``chance_met``, scope
    ``target:<kpi>@<scope>``, the share of replication-days met and its Wilson interval, over ``replications``
    days (docs/outputs.md)."""
    targets, summary = result.tables.targets, result.tables.summary.select(SUMMARY_COLUMNS)
    if not len(targets) or "chance_met" not in targets:
        return summary
    scopes = [f"target:{metric}@{scope}" for metric, scope in zip(targets["metric"].tolist(), targets["scope"].tolist())]
    chances = Table({"metric": np.full(len(targets), "chance_met", dtype=object), "scope": scopes,
                     "mean": targets["chance_met"], "ci_low": targets["chance_low"], "ci_high": targets["chance_high"],
                     "replications": targets["days"],
                     "estimator": np.full(len(targets), "share of replication-days met (Wilson)", dtype=object)})
    return Table.concat([summary, chances], SUMMARY_COLUMNS)


def _write_run(result: RunResult, folder: Path) -> None:
    tables = result.tables
    summary_with_chances(result).to_csv(folder / "summary.csv")
    tables.replications.to_csv(folder / "replications.csv")
    tables.interval_summary.to_csv(folder / "intervals.csv")
    by_day(result.scenario, tables.intervals).to_csv(folder / "days.csv")
    weekday_intervals = by_weekday_interval(result.scenario, tables.intervals)
    if weekday_intervals is not None:
        weekday_intervals.to_csv(folder / "weekday_intervals.csv")
    tables.distributions.to_csv(folder / "distributions.csv")
    tables.targets.to_csv(folder / "targets.csv")
    (folder / "scenario.yaml").write_text(resolved_yaml(result.scenario), encoding="utf-8")
    (folder / "run.json").write_text(json.dumps(provenance(result), indent=2) + "\n", encoding="utf-8")


def _atomically(out_dir: Path, slug: str, run_id: str | None, write: Callable[[Path], None],
                report: bool = False) -> Path:
    """Write into a hidden temporary folder (the report too), then rename it into place: whole or
    not at all (the folders made for it go too when it fails or is interrupted)."""
    parent = out_dir / slug
    made = [folder for folder in (parent, *parent.parents) if not folder.exists()]   # the deepest first
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"{out_dir}: cannot create the results folder ({exc.strerror or exc})") from None
    run_id = run_id or dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    staging = Path(tempfile.mkdtemp(prefix=f".{run_id}-", dir=parent))
    try:
        write(staging)
        if report:
            from simulator.report import write_report
            write_report(staging)
        final = _free_name(parent, run_id)
        os.chmod(staging, 0o777 & ~current_umask())   # mkdtemp makes it private; results are for sharing
        os.rename(staging, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in made:
            try:
                folder.rmdir()
            except OSError:   # another run's results went in meanwhile
                break
        raise
    return final


def current_umask() -> int:
    """The process's umask (os.umask can only be read by setting it, so it is set back at once)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _free_name(parent: Path, run_id: str) -> Path:
    candidate, n = parent / run_id, 1
    while candidate.exists():
        n += 1
        candidate = parent / f"{run_id}-{n}"
    return candidate


def write_folder(out_dir: Path, slug: str, kind: str, write: Callable[[Path], None]) -> Path:
    """A results folder ``out_dir/<slug>/<stamp>-<kind>/`` written whole or not at all."""
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    return _atomically(Path(out_dir), slug, f"{stamp}-{kind}", write)


def write_files(files: dict[Path, Callable[[Path], None]]) -> list[Path]:
    """Write several files side by side, whole or not at all: each writer writes a temporary file in its
    destination's folder; only when every one has succeeded are they renamed into place."""
    staged: list[tuple[Path, Path]] = []
    try:
        for final, write in files.items():
            final = Path(final)
            try:
                final.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise InputError(f"{final.parent}: cannot create the folder ({exc.strerror or exc})") from None
            handle, name = tempfile.mkstemp(prefix=f".{final.name}-", suffix=final.suffix, dir=final.parent)
            os.close(handle)
            staged.append((Path(name), final))
            write(Path(name))
        for temporary, final in staged:
            os.chmod(temporary, 0o666 & ~current_umask())
            os.replace(temporary, final)
    except BaseException:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)
        raise
    return [final for _, final in staged]
