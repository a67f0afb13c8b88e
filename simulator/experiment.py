"""Replications: seed each one, simulate it, compute its KPIs, and summarise them all.

:func:`run_replication` is a plain top-level function of (scenario, replication
number), so replications can later be spread over processes or a cluster and
still give the same numbers: a replication's randomness depends only on the
scenario's seed and its own number.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np
import pandas as pd

from simulator.analysis import clip_to_range, evaluate_targets, paired_differences, summarise
from simulator.capacity import CapacityFlag, capacity_flags
from simulator.metrics.compute import interval_kpis, replication_kpis
from simulator.metrics.tables import ReplicationTables, build_tables
from simulator.model.customers import draw_customers
from simulator.model.roster import build_roster
from simulator.model.training import plan_training
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams, replication_seed
from simulator.scenario.model import Scenario


@dataclass
class ReplicationOutput:
    """The KPIs of one replication (and, on request, its full record)."""

    replication: int
    seed: int
    kpis: list[tuple[str, str, float]]
    intervals: list[tuple[int, str, str, float]]
    tables: ReplicationTables | None = None


def simulate(scenario: Scenario, seed: int) -> ReplicationTables:
    """Run the model once with ``seed``; return what it recorded, as columns."""
    streams = Streams(seed)
    customers = draw_customers(scenario, streams)
    training = plan_training(scenario, streams)
    roster = build_roster(scenario, streams, training.off_floor)
    system = ServiceSystem(scenario, customers, roster, streams, training.levels)
    recorder = system.run()
    channel_of_demand = np.array([[c.name for c in scenario.channels].index(d.channel) for d in scenario.demand],
                                 dtype=np.int64)
    agent_pool = np.array([agent.pool for agent in system.agents], dtype=np.int64)
    agent_levels = np.array([agent.levels for agent in system.agents], dtype=np.int64).reshape(
        len(system.agents), len(system.queues))
    return build_tables(recorder, customers.arrived_at, customers.demand, customers.segment, channel_of_demand,
                        agent_pool, agent_levels, np.array(system.step_resource, dtype=np.int64),
                        len(scenario.staff), roster, training.cost,
                        np.array([c.concurrency for c in scenario.channels], dtype=np.int64))


def run_replication(scenario: Scenario, replication: int, keep_tables: bool = False) -> ReplicationOutput:
    """Simulate replication number ``replication`` of ``scenario`` and compute its KPIs."""
    seed = replication_seed(scenario.seed, replication)
    tables = simulate(scenario, seed)
    return ReplicationOutput(replication, seed, replication_kpis(tables, scenario), interval_kpis(tables, scenario),
                             tables if keep_tables else None)


@dataclass
class RunResult:
    """Everything a run produced, as pandas tables (columns documented in docs/outputs.md)."""

    scenario: Scenario
    replications: pd.DataFrame     # replication, seed, metric, scope, value
    intervals: pd.DataFrame        # replication, seed, interval, metric, scope, value
    summary: pd.DataFrame          # metric, scope, mean, ci_low, ci_high, replications
    interval_summary: pd.DataFrame  # interval, start, end, metric, scope, mean, ci_low, ci_high, replications
    targets: pd.DataFrame          # each target with its KPI's mean, CI and status
    flags: list[CapacityFlag] = field(default_factory=list)
    seconds: float = 0.0
    outputs: list[ReplicationOutput] = field(default_factory=list, repr=False)

    def kpi(self, metric: str, scope: str = "all") -> pd.Series:
        """One row of the summary: mean, ci_low, ci_high, replications."""
        rows = self.summary[(self.summary.metric == metric) & (self.summary.scope == scope)]
        if rows.empty:
            raise KeyError(f"no KPI {metric!r} in scope {scope!r}")
        return rows.iloc[0]


def with_overrides(scenario: Scenario, replications: int | None = None, seed: int | None = None) -> Scenario:
    """The scenario with the run's replications and seed, so the saved scenario says what was run."""
    changes = {}
    if replications is not None:
        changes["replications"] = replications
    if seed is not None:
        changes["seed"] = seed
    return dataclasses.replace(scenario, **changes) if changes else scenario


def run_scenario(scenario: Scenario, replications: int | None = None, seed: int | None = None,
                 keep_tables: bool = False,
                 on_replication: Callable[[ReplicationOutput], None] | None = None) -> RunResult:
    """Run every replication of ``scenario`` and summarise its KPIs with 95% confidence intervals."""
    scenario = with_overrides(scenario, replications, seed)
    started = time.perf_counter()
    outputs = []
    for replication in range(scenario.replications):
        output = run_replication(scenario, replication, keep_tables)
        outputs.append(output)
        if on_replication is not None:
            on_replication(output)
    return summarise_run(scenario, outputs, time.perf_counter() - started)


def summarise_run(scenario: Scenario, outputs: list[ReplicationOutput], seconds: float) -> RunResult:
    """Tables and summaries from the replications' outputs."""
    kpi_frames, interval_frames = [], []
    for output in outputs:
        kpis = pd.DataFrame(output.kpis, columns=["metric", "scope", "value"])
        kpis.insert(0, "seed", output.seed)
        kpis.insert(0, "replication", output.replication)
        kpi_frames.append(kpis)
        intervals = pd.DataFrame(output.intervals, columns=["interval", "metric", "scope", "value"])
        intervals.insert(0, "seed", output.seed)
        intervals.insert(0, "replication", output.replication)
        interval_frames.append(intervals)
    replications = pd.concat(kpi_frames, ignore_index=True)
    intervals = pd.concat(interval_frames, ignore_index=True)
    summary = clip_to_range(summarise(replications, ["metric", "scope"]))
    interval_summary = clip_to_range(summarise(intervals, ["interval", "metric", "scope"]))
    labels = interval_summary["interval"].map(scenario.clock.interval_labels)
    interval_summary.insert(1, "start", labels.str[0])
    interval_summary.insert(2, "end", labels.str[1])
    return RunResult(
        scenario=scenario, replications=replications, intervals=intervals, summary=summary,
        interval_summary=interval_summary, targets=evaluate_targets(summary, scenario.targets),
        flags=capacity_flags(scenario), seconds=seconds, outputs=outputs,
    )


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
                      seed: int | None = None) -> Comparison:
    """Run every scenario with the first one's seed and replications (common random numbers), and
    compare each with the first by paired differences."""
    first = next(iter(scenarios.values()))
    replications = replications or first.replications
    seed = first.seed if seed is None else seed
    runs = {name: run_scenario(scenario, replications=replications, seed=seed)
            for name, scenario in scenarios.items()}
    baseline = next(iter(runs.values()))
    tables = []
    for name, result in runs.items():
        table = result.summary.copy()
        table.insert(0, "scenario", name)
        diff = paired_differences(baseline.replications, result.replications)
        tables.append(table.merge(diff, on=["metric", "scope"], how="left"))
    return Comparison(runs, pd.concat(tables, ignore_index=True))
