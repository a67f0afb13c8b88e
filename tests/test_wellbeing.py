"""Staff wellbeing: the busiest interval's occupancy, the longest run of back-to-back work, the spread of
work across agents and overtime, and the documented index (a proxy) that takes points off for each."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.experiment import run_scenario
from simulator.metrics.compute import interval_kpis, replication_kpis
from simulator.metrics.wellbeing import wellbeing_rows
from simulator.model.customers import Customers
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams
from simulator.replication import tables_of
from simulator.scenario import load_scenario
from simulator.scenario.model import Wellbeing
from tests.conftest import SCENARIOS, build, single_queue


def rows_of(arrivals: list[float], works: list[float], headcount: int) -> dict:
    mapping = single_queue(per_hour=1, duration=1, headcount=headcount, horizon=120, warmup=0, replications=1,
                           interval=60)
    scenario = build(mapping)
    count = len(arrivals)
    people = Customers(list(arrivals), np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64),
                       [math.inf] * count, [[(0, work, 1.0, 1.0)] for work in works])
    system = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    system.run()
    tables = tables_of(system)
    rows = wellbeing_rows(tables, scenario, replication_kpis(tables, scenario), interval_kpis(tables, scenario))
    return {(row[0], row[1]): row[2] for row in rows}


def test_a_pause_under_a_minute_does_not_break_a_run_of_work():
    """One agent: 0-5, 5.5-10 (a half-minute pause), then 20-25: its longest run is 10 minutes."""
    values = rows_of([0.0, 5.5, 20.0], [5.0, 4.5, 5.0], headcount=1)
    assert values[("longest_work_run", "pool:agents")] == pytest.approx(10.0)
    assert values[("workload_spread", "pool:agents")] == 0.0


def test_work_falling_on_one_agent_shows_in_the_spread():
    """Two agents; the first call (30 minutes) goes to one, the second (10) to the other: busy 30 and 10,
    cv = std / mean = 10 / 20."""
    values = rows_of([0.0, 1.0], [30.0, 10.0], headcount=2)
    assert values[("workload_spread", "pool:agents")] == pytest.approx(0.5)
    # the first hour: 40 busy minutes of 120 at work; the second: none
    assert values[("occupancy_peak", "pool:agents")] == pytest.approx(40 / 120)


def test_a_part_timer_at_the_pace_of_a_full_timer_is_an_even_spread():
    """One agent on 09:00-11:00, one on 09:00-10:00, each busy half the time it is at work (60 and 30
    minutes): the same occupancy, no spread, though their busy minutes differ (their cv is 1/3)."""
    mapping = {
        "name": "part time", "clock": {"open": "09:00", "close": "11:00", "interval": "1h"}, "seed": 1,
        "replications": 1, "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 1}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": 1}]}},
        "staff": {"agents": {"shifts": {"long": {"start": "09:00", "end": "11:00", "count": 1},
                                        "short": {"start": "09:00", "end": "10:00", "count": 1}},
                             "skills": {"s": 3}}},
    }
    scenario = build(mapping)
    # two calls at once: each agent takes one; the long shift's agent a second one later
    people = Customers([0.0, 0.0, 60.0], np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int64), [math.inf] * 3,
                       [[(0, 30.0, 1.0, 1.0)], [(0, 30.0, 1.0, 1.0)], [(0, 30.0, 1.0, 1.0)]])
    system = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    system.run()
    tables = tables_of(system)
    busy = np.bincount(tables.service_agent, weights=tables.service_end - tables.service_start)
    assert sorted(busy.tolist()) == [30.0, 60.0]
    rows = {(r[0], r[1]): r[2] for r in wellbeing_rows(tables, scenario, replication_kpis(tables, scenario),
                                                       interval_kpis(tables, scenario))}
    assert rows[("workload_spread", "pool:agents")] == pytest.approx(0.0, abs=1e-12)


def test_the_index_takes_the_documented_points_off():
    rule = Wellbeing()
    assert rule.index(0.80, 0.0, 30.0, 0.0) == 100.0
    assert rule.index(0.95, 0.02, 80.0, 0.1) == pytest.approx(100 - 2 * 10 - 1 * 2 - 2 * 2 - 20 * 0.1)
    assert rule.index(1.0, 0.5, 600.0, 1.0) == 0.0


def test_more_agents_make_the_work_kinder():
    tight = run_scenario(load_scenario(SCENARIOS / "mmc_textbook.yaml"), replications=4)
    easier = run_scenario(load_scenario(SCENARIOS / "mmc_textbook.yaml", {"staff.agents.headcount": 24}),
                          replications=4)
    assert easier.value("wellbeing_index", "pool:agents") > tight.value("wellbeing_index", "pool:agents")
    assert easier.value("occupancy_peak", "pool:agents") < tight.value("occupancy_peak", "pool:agents")
    assert tight.value("occupancy_peak", "pool:agents") >= tight.value("occupancy", "pool:agents")


def test_the_run_report_shows_the_wellbeing_view_before_the_kpi_tables(tmp_path):
    from click.testing import CliRunner

    from simulator.cli import main

    shown = CliRunner().invoke(main, ["run", str(SCENARIOS / "mmc_textbook.yaml"), "-r", "2", "--no-charts",
                                      "--report", "--out", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    report = (next(tmp_path.glob("*/*")) / "report.html").read_text()
    assert report.index("Staff wellbeing") < report.index("KPIs, all contacts")
    assert "Staff wellbeing" in shown.output


def break_rows(first_call: float, wellbeing: dict | None = None) -> tuple[list, dict]:
    """One agent, 09:00-11:00 on two days with a 30-minute break due at 10:00 (minutes 60 and 180); a
    call arrives at 50 (``first_call`` minutes long) and one at 130 (5 minutes: the second day's break is
    on time). The break times and the wellbeing rows by (metric, scope)."""
    mapping = {
        "name": "breaks", "clock": {"open": "09:00", "close": "11:00", "interval": "1h", "days": 2},
        "seed": 1, "replications": 1, "channels": {"phone": {}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 1}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": 1}]}},
        "staff": {"agents": {"shifts": {"day": {"start": "09:00", "end": "11:00", "count": 1}},
                             "breaks": [{"after": 60, "length": 30}], "skills": {"s": 3}}},
        **({"wellbeing": wellbeing} if wellbeing else {}),
    }
    scenario = build(mapping)
    people = Customers([50.0, 130.0], np.zeros(2, dtype=np.int64), np.zeros(2, dtype=np.int64), [math.inf] * 2,
                       [[(0, first_call, 1.0, 1.0)], [(0, 5.0, 1.0, 1.0)]])
    system = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    system.run()
    tables = tables_of(system)
    rows = {(r[0], r[1]): r for r in wellbeing_rows(tables, scenario, replication_kpis(tables, scenario),
                                                    interval_kpis(tables, scenario))}
    return tables.break_start.tolist(), rows


def test_a_break_due_while_the_agent_is_busy_starts_late_and_is_shorter():
    """The call from 50 to 70 holds the agent 10 minutes past the break's start: late, 10 minutes lost."""
    starts, rows = break_rows(20.0)
    assert starts == [60.0, 180.0]
    assert rows[("breaks_late", "pool:agents")][2] == pytest.approx(0.5)
    assert rows[("break_lost_mean", "pool:agents")][2] == pytest.approx(10.0 / 2)


@pytest.mark.parametrize("grace, late", [(None, 0.0), ("30s", 0.5), (0, 0.5), ("1.5min", 0.0)])
def test_a_break_is_late_only_beyond_the_grace_an_adherence_tool_allows(grace, late):
    """The call ends a minute after the break was due: within the default 2 minutes' grace it is not a
    late break (else every break due during a call would be, and the share would only restate occupancy),
    but the minute lost still counts in break_lost_mean."""
    _, rows = break_rows(11.0, None if grace is None else {"break_grace": grace})
    assert rows[("breaks_late", "pool:agents")][2] == pytest.approx(late)
    assert rows[("break_lost_mean", "pool:agents")][2] == pytest.approx(1.0 / 2)
