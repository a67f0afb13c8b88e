"""Experiments: run a scenario's replications (here or on several processes) and summarise them;
compare scenarios on the same customers.

This is the Python API the command line calls: load a scenario
(:func:`simulator.scenario.load_scenario`), then :func:`run_scenario` or
:func:`compare_scenarios`; results are objects holding pandas DataFrames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from simulator.executors import Engine

import dataclasses
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from simulator.capacity import CapacityFlag
from simulator.columns import Table
from simulator.errors import SimulatorError
from simulator.executors import run_tasks
from simulator.replication import ReplicationOutput, run_replication  # noqa: F401 (re-exported for scripts)
from simulator.scenario.model import Scenario
from simulator.warmup import choose_warmup, with_warmup

# pandas (and what summarises with it) is imported when the replications are done, not before: a
# replication's records and pandas's 70 MB are then never in memory together (see benchmarks/)


@dataclass
class RunTables:
    """A run's tables as :class:`~simulator.columns.Table` (numpy columns, no pandas): what the command
    line writes and prints. :class:`RunResult` hands each out as a pandas DataFrame."""

    replications: Table      # replication, seed, metric, scope, value, numerator, denominator, squares
    intervals: Table         # replication, seed, interval, metric, scope, value, numerator, denominator, squares
    summary: Table           # metric, scope, mean, ci_low, ci_high, replications, estimator
    interval_summary: Table  # interval, start, end, metric, scope, mean, ci_low, ci_high, replications, estimator
    distributions: Table     # distribution, scope, point, mean, ci_low, ci_high, replications, estimator
    targets: Table           # each target with its KPI's estimate, CI, status and chance of being met


@dataclass
class RunResult:
    """Everything a run produced (columns documented in docs/outputs.md). ``replications``,
    ``intervals``, ``summary``, ``interval_summary``, ``distributions`` and ``targets`` are pandas
    DataFrames, built the first time they are read (the command line works on ``tables`` and never
    loads pandas for a run)."""

    scenario: Scenario
    tables: RunTables
    flags: list[CapacityFlag] = field(default_factory=list)
    seconds: float = 0.0
    outputs: list[ReplicationOutput] = field(default_factory=list, repr=False)
    _frames: dict = field(default_factory=dict, repr=False, compare=False)

    def _frame(self, name: str) -> "pd.DataFrame":
        if name not in self._frames:
            self._frames[name] = getattr(self.tables, name).to_frame()
        return self._frames[name]

    replications = property(lambda self: self._frame("replications"),
                            doc="Per replication and KPI: value, numerator, denominator, squares (DataFrame).")
    intervals = property(lambda self: self._frame("intervals"),
                         doc="Per replication, interval and KPI: value, numerator, denominator, squares.")
    summary = property(lambda self: self._frame("summary"),
                       doc="Per KPI and scope: mean, ci_low, ci_high, replications, estimator.")
    interval_summary = property(lambda self: self._frame("interval_summary"),
                                doc="The summary per reporting interval, with its start and end.")
    distributions = property(lambda self: self._frame("distributions"),
                             doc="Shares of contacts by wait and by satisfaction proxy, with CIs.")
    targets = property(lambda self: self._frame("targets"),
                       doc="Each target with its KPI's estimate, CI, verdict and chance of being met.")

    def kpi(self, metric: str, scope: str = "all") -> "Estimate":
        """One KPI's estimate: ``mean``, ``ci_low``, ``ci_high`` as floats, ``replications`` as an int."""
        rows = self.summary[(self.summary.metric == metric) & (self.summary.scope == scope)]
        if rows.empty:
            raise KeyError(f"no KPI {metric!r} in scope {scope!r}")
        row = rows.iloc[0]
        return Estimate(metric, scope, float(row["mean"]), float(row["ci_low"]), float(row["ci_high"]),
                        int(row["replications"]), str(row.get("estimator", "")))

    def value(self, metric: str, scope: str = "all") -> float:
        """The KPI's estimate as a plain float (its mean over replications, or ratio estimate)."""
        return self.kpi(metric, scope).mean

    def contacts(self) -> pd.DataFrame:
        """Every contact of every replication, one row each (columns in docs/outputs.md, contacts.csv.gz);
        needs the records: ``run_scenario(..., keep_tables=True)``."""
        names = ([d.name for d in self.scenario.demand], [c.name for c in self.scenario.channels],
                 [s.name for s in self.scenario.segments] or ["all"])
        return self._per_replication(lambda tables: tables.contacts_frame(*names))

    def steps(self) -> pd.DataFrame:
        """Every service (a step done for a contact, by a person or a bot) of every replication: the
        contact, the step (``process.step``), who did it (agent name and pool, as in :meth:`agents`), when
        it joined the step's queue, started and ended (minutes of opening time)."""
        import pandas as pd

        steps = [f"{process.name}.{step.name}" for process in self.scenario.processes for step in process.steps]
        agents = self.agents()

        def frame(tables) -> pd.DataFrame:
            return pd.DataFrame({
                "contact": tables.service_contact, "step": pd.Categorical.from_codes(tables.service_step, steps),
                "agent": agents["agent"].to_numpy()[tables.service_agent],
                "pool": agents["pool"].to_numpy()[tables.service_agent],
                "queued_at": tables.service_queued_at, "start": tables.service_start, "end": tables.service_end})

        return self._per_replication(frame)

    def agents(self) -> pd.DataFrame:
        """Who can do the work: one row per member of staff (``<pool>-<n>``) and per bot session
        (``<automation>-<n>``), in the numbering the records use, with its pool and whether it is a person."""
        import pandas as pd

        from simulator.model.staff import agent_names

        return pd.DataFrame(agent_names(self.scenario), columns=["agent", "pool", "person"])

    def _per_replication(self, make) -> pd.DataFrame:
        import pandas as pd

        frames = []
        for output in self.outputs:
            if output.tables is None:
                raise SimulatorError("per-contact records need run_scenario(..., keep_tables=True)")
            frame = make(output.tables)
            frame.insert(0, "seed", output.seed)
            frame.insert(0, "replication", output.replication)
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)


@dataclass(frozen=True)
class Estimate:
    """A KPI's estimate with its 95% confidence interval, as plain numbers. ``estimate["mean"]`` works
    too, as it did when this was a row of the summary."""

    metric: str
    scope: str
    mean: float
    ci_low: float
    ci_high: float
    replications: int
    estimator: str = ""

    def __getitem__(self, key: str):
        return getattr(self, key)

    def __float__(self) -> float:
        return self.mean


def with_overrides(scenario: Scenario, replications: int | None = None, seed: int | None = None) -> Scenario:
    """The scenario with the run's replications and seed, so the saved scenario says what was run."""
    changes = {}
    if replications is not None:
        changes["replications"] = replications
    if seed is not None:
        changes["seed"] = seed
    return dataclasses.replace(scenario, **changes) if changes else scenario


def run_scenario(scenario: "Scenario | str | Path", replications: int | None = None, seed: int | None = None,
                 keep_tables: bool = False, jobs: "int | Engine" = 1,
                 progress: Callable[[int], None] | None = None,
                 on_output: Callable[[ReplicationOutput], None] | None = None) -> RunResult:
    """Run every replication of ``scenario`` (a Scenario, or the path of a scenario file) on ``jobs``
    processes and summarise its KPIs with 95% confidence intervals. ``keep_tables`` keeps every
    contact's records (for :meth:`RunResult.contacts` and :meth:`RunResult.steps`). ``progress`` is
    called with 1 as each replication finishes (twice each with ``warmup: auto``: the pilot that chooses
    the warm-up, then the run); ``on_output`` with each replication's output as it arrives (the run's,
    not the pilot's): ``run --contacts`` writes the records to disk there and drops them."""
    if isinstance(scenario, (str, Path)):
        from simulator.scenario import load_scenario

        scenario = load_scenario(scenario)
    scenario = with_overrides(scenario, replications, seed)
    started = time.perf_counter()
    if scenario.clock.warmup_auto:
        scenario = with_warmup(scenario, choose_warmup([scenario], jobs, progress))
    outputs = run_tasks([(scenario, r, keep_tables) for r in range(scenario.replications)], jobs, progress,
                        on_output)
    return summarise_run(scenario, outputs, time.perf_counter() - started)


def summarise_run(scenario: Scenario, outputs: list[ReplicationOutput], seconds: float) -> RunResult:
    """Tables and summaries from the replications' outputs (numpy only: see :mod:`simulator.columns`)."""
    from simulator.analysis import clip_to_range, evaluate_targets, summarise
    from simulator.capacity import capacity_flags
    from simulator.risk import target_chances
    from simulator.workload import work_flags

    columns = ["value", "numerator", "denominator", "squares"]
    replications = _table(outputs, "kpis", ["metric", "scope"] + columns)
    intervals = _table(outputs, "intervals", ["interval", "metric", "scope"] + columns)
    summary = clip_to_range(summarise(replications, ["metric", "scope"]))
    interval_summary = clip_to_range(summarise(intervals, ["interval", "metric", "scope"]))
    shapes = Table.from_rows([row for output in outputs for row in output.distributions],
                             ["distribution", "scope", "point"] + columns)
    distributions = clip_to_range(summarise(shapes.with_columns(metric=shapes["distribution"]),
                                            ["metric", "scope", "point"])).rename({"metric": "distribution"})
    distributions = distributions.with_columns(ci_high=np.minimum(distributions["ci_high"], 1.0))  # all shares
    number = interval_summary["interval"].astype(np.int64).tolist()
    labels = {k: scenario.clock.interval_labels(k) for k in set(number)}
    interval_summary = interval_summary.with_columns(
        at=1, start=np.array([labels[k][0] for k in number], dtype=object),
        end=np.array([labels[k][1] for k in number], dtype=object))
    targets = evaluate_targets(summary, scenario.targets)
    chances = target_chances(scenario, replications, intervals)
    targets = targets.with_columns(**chances.columns)
    tables = RunTables(replications, intervals, summary, interval_summary, distributions, targets)
    return RunResult(scenario=scenario, tables=tables, seconds=seconds, outputs=outputs,
                     flags=capacity_flags(scenario) + work_flags(scenario, summary, interval_summary))


def _table(outputs: list[ReplicationOutput], attribute: str, columns: list[str]) -> Table:
    """One table of every replication's rows of ``attribute``, with replication and seed first."""
    parts = []
    for output in outputs:
        part = Table.from_rows(getattr(output, attribute), columns)
        parts.append(part.with_columns(at=0, replication=output.replication, seed=output.seed))
    names = ["replication", "seed"] + columns
    if not parts or not any(len(p) for p in parts):
        return Table({name: np.zeros(0, dtype=object if name in ("metric", "scope") else float) for name in names})
    return Table.concat([p for p in parts if len(p)], names)


@dataclass
class Comparison:
    """Several scenarios run on the same customers, each against the first (the baseline)."""

    runs: dict[str, RunResult]
    table: pd.DataFrame   # scenario, metric, scope, mean, ci_low, ci_high, replications,
                          # diff_mean, diff_ci_low, diff_ci_high, pairs, significant

    @property
    def baseline(self) -> str:
        return next(iter(self.runs))

    def difference(self, scenario: str, metric: str, scope: str = "all") -> pd.Series:
        rows = self.table[(self.table.scenario == scenario) & (self.table.metric == metric)
                          & (self.table.scope == scope)]
        if rows.empty:
            raise KeyError(f"no {metric!r} in scope {scope!r} for {scenario!r}")
        return rows.iloc[0]


def compare_scenarios(scenarios: dict[str, Scenario], replications: int | None = None,
                      seed: int | None = None, jobs: "int | Engine" = 1,
                      progress: Callable[[int], None] | None = None) -> Comparison:
    """Run every scenario with the first one's seed and replications (common random numbers), on
    ``jobs`` processes, and compare each with the first by paired differences."""
    import pandas as pd

    from simulator.analysis import paired_differences

    first = next(iter(scenarios.values()))
    replications = replications or first.replications
    seed = first.seed if seed is None else seed
    prepared = {name: with_overrides(s, replications, seed) for name, s in scenarios.items()}
    started = time.perf_counter()
    automatic = [scenario for scenario in prepared.values() if scenario.clock.warmup_auto]
    if automatic:   # compared scenarios leave out the same start: the longest any of them needs
        chosen = choose_warmup(automatic, jobs, progress)
        prepared = {name: with_warmup(s, chosen) if s.clock.warmup_auto else s for name, s in prepared.items()}
    tasks = [(scenario, r, False) for scenario in prepared.values() for r in range(replications)]
    outputs = run_tasks(tasks, jobs, progress)
    seconds = time.perf_counter() - started
    runs = {name: summarise_run(scenario, outputs[k * replications:(k + 1) * replications], seconds)
            for k, (name, scenario) in enumerate(prepared.items())}
    baseline = next(iter(runs.values()))
    tables = []
    for name, result in runs.items():
        table = result.summary.copy()
        table.insert(0, "scenario", name)
        diff = paired_differences(baseline.replications, result.replications)
        tables.append(table.merge(diff, on=["metric", "scope"], how="left"))
    return Comparison(runs, pd.concat(tables, ignore_index=True))
