"""One replication: seed it, draw its customers, simulate it, compute its KPIs.

:func:`run_replication` is a plain top-level function of (scenario, replication
number): a replication's randomness depends only on the scenario's seed and its
own number, so it gives the same numbers wherever it runs (this process, another
process, another machine).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from simulator.metrics.compute import distribution_rows, interval_kpis, replication_kpis
from simulator.metrics.wellbeing import wellbeing_rows
from simulator.metrics.tables import ReplicationTables, build_tables
from simulator.model.customers import Customers, draw_customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.model.training import plan_training
from simulator.randomness import Streams, replication_seed
from simulator.scenario.model import Scenario


@dataclass
class ReplicationOutput:
    """The KPIs of one replication (and, on request, its full record). KPI rows carry a numerator
    and a denominator for ratio KPIs, and the sum of squares for means (NaN where they do not apply):
    see simulator.metrics.compute."""

    replication: int
    seed: int
    kpis: list[tuple[str, str, float, float, float, float]]
    intervals: list[tuple[int, str, str, float, float, float, float]]
    distributions: list[tuple[str, str, float, float, float, float, float]]
    tables: ReplicationTables | None = None
    series: tuple | None = None     # a pilot's warm-up series (warmup: auto)


def simulate(scenario: Scenario, seed: int) -> ReplicationTables:
    """Run the model once with ``seed``; return what it recorded, as columns."""
    return run_model(scenario, seed)[1]


def run_model(scenario: Scenario, seed: int, make_system: Callable[..., ServiceSystem] = ServiceSystem,
              customers: Customers | None = None) -> tuple[ServiceSystem, ReplicationTables]:
    """Run the model once with ``seed``: the system after the run, and what it recorded, as columns.

    ``make_system(scenario, customers, roster, streams, trained_levels)`` builds the system: the plain
    :class:`ServiceSystem`, or a subclass that watches it run (a narrated trace, an animation).
    ``customers`` replaces the customers the seed would draw (tests use hand-made ones).
    """
    rates = None
    if any(pool.attrition is not None and pool.attrition.wellbeing_at is not None for pool in scenario.staff):
        # attrition that follows wellbeing: a first pass at the given rates measures each pool's wellbeing,
        # which sets the rates of the run itself (on the same customers)
        _, first = _run_once(scenario, seed, ServiceSystem, customers)
        scenario, rates = with_wellbeing_attrition(scenario, first)
    system, tables = _run_once(scenario, seed, make_system, customers)
    if rates is not None:
        tables.attrition_rates = rates
    return system, tables


def _run_once(scenario: Scenario, seed: int, make_system: Callable[..., ServiceSystem],
              customers: Customers | None) -> tuple[ServiceSystem, ReplicationTables]:
    streams = Streams(seed)
    drawn = draw_customers(scenario, streams)
    customers = customers if customers is not None else drawn
    training = plan_training(scenario, streams)
    roster = build_roster(scenario, streams, training.off_floor)
    system = make_system(scenario, customers, roster, streams, training.before_the_run())
    system.schedule_training(training.during_the_run())
    system.run()
    return system, tables_of(system, training.cost)


def with_wellbeing_attrition(scenario: Scenario, tables: ReplicationTables) -> tuple[Scenario, tuple[float, ...]]:
    """The scenario with each pool's monthly attrition set by its wellbeing index in ``tables`` (a pass
    at the given rates), and those rates per pool (NaN for pools without attrition)."""
    import dataclasses

    kpis, intervals = replication_kpis(tables, scenario), interval_kpis(tables, scenario)
    index = {row[1]: row[2] for row in wellbeing_rows(tables, scenario, kpis, intervals) if row[0] == "wellbeing_index"}
    pools, rates = [], []
    for pool in scenario.staff:
        rule = pool.attrition
        if rule is None:
            pools.append(pool)
            rates.append(float("nan"))
            continue
        rate = rule.per_month_at(index.get(f"pool:{pool.name}", float("nan")))
        pools.append(dataclasses.replace(pool, attrition=dataclasses.replace(rule, per_month=rate, wellbeing_at=None)))
        rates.append(rate)
    return dataclasses.replace(scenario, staff=tuple(pools)), tuple(rates)


def tables_of(system: ServiceSystem, training_cost: float = 0.0) -> ReplicationTables:
    """What a system that has run recorded, as columns."""
    scenario, customers, recorder = system.scenario, system.customers, system.recorder
    channel_of_demand = np.array([[c.name for c in scenario.channels].index(d.channel) for d in scenario.demand],
                                 dtype=np.int64)
    agent_pool = np.array([agent.pool for agent in system.agents], dtype=np.int64)
    agent_levels = np.array([agent.levels for agent in system.agents], dtype=np.int64).reshape(
        len(system.agents), len(system.queues))
    return build_tables(recorder, customers.arrived_at, customers.demand, customers.segment,
                        channel_of_demand, agent_pool, agent_levels, np.array(system.step_resource, dtype=np.int64),
                        len(scenario.staff), system.roster, training_cost,
                        np.array([c.concurrency for c in scenario.channels], dtype=np.int64))


def run_replication(scenario: Scenario, replication: int, keep_tables: bool = False,
                    pilot: bool = False) -> ReplicationOutput:
    """Simulate replication number ``replication`` of ``scenario`` and compute its KPIs (or, as a
    ``pilot``, only the series that chooses an automatic warm-up)."""
    seed = replication_seed(scenario.seed, replication)
    tables = simulate(scenario, seed)
    if pilot:
        from simulator.warmup import warmup_series

        return ReplicationOutput(replication, seed, [], [], [], series=warmup_series(tables, scenario))
    kpis, intervals = replication_kpis(tables, scenario), interval_kpis(tables, scenario)
    kpis += wellbeing_rows(tables, scenario, kpis, intervals)
    return ReplicationOutput(replication, seed, kpis, intervals, distribution_rows(tables, scenario),
                             tables if keep_tables else None)
