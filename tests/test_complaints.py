"""Complaints and recovery: customers who met an error, gave up or waited long complain (shares per
cause, by segment) as contacts of a complaint stream with its own process, skill and targets; a complaint
resolved in time raises the satisfaction proxy of the contact complained about."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.metrics.compute import satisfaction_scores
from simulator.model.customers import Customers
from simulator.model.records import COMPLAINT
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams
from simulator.replication import tables_of
from simulator.scenario.model import Complaints
from tests.conftest import assert_in_ci, build


def desk(complaints: dict | None = None, error_rate: float = 0.2, **extra) -> dict:
    """Calls (2-minute, 10 agents: nobody waits long) whose answer is wrong with ``error_rate``; wrong
    answers bring complaints by email to a complaints team."""
    rule = {"after_error": 0.5, "delay": {"constant": {"value": 30}}} if complaints is None else complaints
    return {
        "name": "complaints", "clock": {"horizon": 2400, "warmup": 120, "interval": 2400}, "seed": 12,
        "replications": 10,
        "channels": {"phone": {"patience": {"exponential": {"mean": 5}}}, "email": {"deferrable": True}},
        "segments": {"premium": {"share": 0.3}, "standard": {"share": 0.7}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 120}, "process": "call"},
                   "complaints": {"channel": "email", "complaints": rule, "process": "complaint"}},
        "processes": {"call": {"steps": [{"name": "answer", "skill": "phone", "duration": {"exponential": {"mean": 2}},
                                          "error_rate": error_rate}]},
                      "complaint": {"steps": [{"name": "resolve", "skill": "complaints", "duration": 10}]}},
        "staff": {"agents": {"headcount": 10, "skills": {"phone": 3}},
                  "complaints_team": {"headcount": 2, "skills": {"complaints": 3}}},
        **extra,
    }


def test_a_wrong_answer_brings_its_complaint_after_the_delay_to_the_complaints_team():
    """#0's answer goes wrong (its error draw 0 < 0.2); with every such customer complaining, 30 minutes
    after it left its complaint arrives, a contact of the complaint stream, served by the team."""
    scenario = build(desk({"after_error": 1.0, "delay": {"constant": {"value": 30}}}))
    people = Customers([0.0, 1.0], np.zeros(2, dtype=np.int64), np.ones(2, dtype=np.int64), [math.inf] * 2,
                       [[(0, 2.0, 0.0, 1.0)], [(0, 2.0, 0.9, 1.0)]])
    system = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    records = system.run()
    [(number, arrived, demand, segment, about, kind)] = records.rows("repeats")
    assert (arrived, demand, segment, about, kind) == (32.0, 1, 1, 0, COMPLAINT)
    complaint_services = [row for row in records.rows("services") if int(row[0]) == number]
    assert [(int(row[1]), row[4], row[5]) for row in complaint_services] == [(1, 32.0, 42.0)]
    tables = tables_of(system)
    assert tables.complaint.tolist() == [False, False, True]
    assert not tables.repeat_contact.any()   # a complaint is not a repeat contact


def test_the_complaint_rate_is_the_share_who_complain_times_the_error_rate():
    result = run_scenario(build(desk()))
    assert_in_ci(result.kpi("complaint_rate", "demand:calls"), 0.5 * 0.2, slack=0.02)
    assert_in_ci(result.kpi("error_rate", "demand:calls"), 0.2)
    assert result.value("offered", "demand:complaints") == pytest.approx(result.value("complaints"))


def test_causes_combine_independently_and_segments_scale_them():
    rule = Complaints(after_error=0.3, after_abandon=0.5)
    assert rule.share_for((0.3, 0.5), 1.0) == pytest.approx(1 - 0.7 * 0.5)
    assert rule.share_for((0.3,), 2.0) == pytest.approx(0.6)
    assert rule.share_for((0.8,), 2.0) == 1.0
    result = run_scenario(build(desk({"after_error": 0.4, "by_segment": {"premium": 2}})))
    assert_in_ci(result.kpi("complaint_rate", "segment:premium"), 0.8 * 0.2, slack=0.03)
    assert_in_ci(result.kpi("complaint_rate", "segment:standard"), 0.4 * 0.2, slack=0.03)


def test_long_waits_and_abandons_bring_complaints_too():
    """Two agents for 2 a minute (load 4 Erlangs): long waits and abandons, and no errors at all."""
    mapping = desk({"after_abandon": 0.5, "after_long_wait": {"over": 3, "share": 0.2}}, error_rate=0)
    mapping["staff"]["agents"]["headcount"] = 4
    result = run_scenario(build(mapping), replications=4)
    assert result.value("complaints") > 0 and result.value("abandon_rate") > 0.05


def test_a_complaint_resolved_in_time_wins_the_customer_back():
    """Recovery raises the proxy of the contact complained about to 5: the errors' customers score 5."""
    plain = desk()
    recovered = desk({"after_error": 1.0, "recovery": {"within": d1_minutes(), "satisfaction": 5}})
    scores = {}
    for name, mapping in (("plain", plain), ("recovered", recovered)):
        result = run_scenario(build(mapping), replications=1, keep_tables=True)
        tables = result.outputs[0].tables
        scores[name] = (result, tables, satisfaction_scores(tables, result.scenario))
    result, tables, score = scores["recovered"]
    won_back = tables.repeat_of[tables.complaint & (tables.outcome == 0)]
    assert len(won_back) > 20 and np.all(score[won_back] == 5)
    assert result.value("recovery_rate") == pytest.approx(1.0)
    assert result.value("satisfaction_mean", "demand:calls") > scores["plain"][0].value("satisfaction_mean",
                                                                                       "demand:calls")


def d1_minutes() -> float:
    return 24 * 60


def test_complaints_cost_their_charge_and_their_handling_time():
    mapping = desk(quality_costs={"per_complaint": 25})
    mapping["staff"]["complaints_team"]["cost_per_hour"] = 60
    result = run_scenario(build(mapping), replications=1, keep_tables=True)
    tables = result.outputs[0].tables
    counted = tables.arrived_at >= 120
    complaints = int((counted & tables.complaint).sum())
    handling = sum(end - start for contact, start, end in zip(tables.service_contact, tables.service_start,
                                                              tables.service_end)
                   if tables.complaint[contact] and counted[contact])
    assert result.value("cost_failure") == pytest.approx(25 * complaints)
    assert result.value("coq_external_failure") == pytest.approx(25 * complaints + handling)


@pytest.mark.parametrize("change, message", [
    ({"arrivals": {"per_hour": 3}}, "takes no arrivals"),
    ({"complaints": {"delay": 5}}, "needs a share of customers who complain"),
    ({"complaints": {"after_error": 0.2, "by_segment": {"gold": 2}}}, "by_segment.gold: names no segment"),
    ({"complaints": {"after_error": 0.2, "recovery": {"within": 60, "satisfaction": 7}}}, "satisfaction: must be"),
])
def test_bad_complaint_streams_are_refused(change, message):
    mapping = desk()
    mapping["demand"]["complaints"].update(change)
    with pytest.raises(ScenarioError, match=message):
        build(mapping)


def test_only_one_stream_takes_complaints():
    mapping = desk()
    mapping["demand"]["more"] = dict(mapping["demand"]["complaints"])
    with pytest.raises(ScenarioError, match="only one demand stream can take complaints"):
        build(mapping)


def test_a_complaint_still_open_past_its_deadline_counts_as_not_recovered():
    """One complaints agent, 1000 minutes a complaint; four wrong answers bring four complaints at 32-35.
    The first is resolved in time (1000 minutes: within 1500), the second and third late (at 2032, and
    at 3032, finished after the close), the fourth never started: still open at the end (2400), past its
    deadline (35 + 1500). One of four recovered; counting only the complaints that left says one of three."""
    from simulator.metrics.compute import replication_kpis

    mapping = desk({"after_error": 1.0, "delay": {"constant": {"value": 30}}, "recovery": {"within": 1500}})
    mapping["clock"]["warmup"] = 0
    mapping["processes"]["complaint"]["steps"][0]["duration"] = 1000
    mapping["staff"]["complaints_team"]["headcount"] = 1
    scenario = build(mapping)
    people = Customers([0.0, 1.0, 2.0, 3.0], np.zeros(4, dtype=np.int64), np.ones(4, dtype=np.int64),
                       [math.inf] * 4, [[(0, 2.0, 0.0, 1.0)]] * 4)
    system = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    system.run()
    tables = tables_of(system)
    assert tables.departed_at[tables.complaint & (tables.outcome == 0)].tolist() == [1032.0, 2032.0, 3032.0]
    assert (tables.complaint & (tables.outcome == 2)).sum() == 1
    rows = {(r[0], r[1]): r for r in replication_kpis(tables, scenario)}
    metric, scope, value, recovered, due, _ = rows[("recovery_rate", "all")]
    assert (recovered, due) == (1, 4) and value == pytest.approx(1 / 4)


def test_a_recovery_window_that_ends_after_the_run_is_not_judged():
    """The same complaints with 3000 minutes to recover them: none is due by the end (2400), so the run
    cannot tell whether the open one will be resolved in time, and gives no rate."""
    from simulator.metrics.compute import replication_kpis

    mapping = desk({"after_error": 1.0, "delay": {"constant": {"value": 30}}, "recovery": {"within": 3000}})
    mapping["clock"]["warmup"] = 0
    mapping["processes"]["complaint"]["steps"][0]["duration"] = 1000
    mapping["staff"]["complaints_team"]["headcount"] = 1
    scenario = build(mapping)
    people = Customers([0.0], np.zeros(1, dtype=np.int64), np.ones(1, dtype=np.int64), [math.inf],
                       [[(0, 2.0, 0.0, 1.0)]])
    system = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    system.run()
    rows = {(r[0], r[1]): r for r in replication_kpis(tables_of(system), scenario)}
    assert rows[("recovery_rate", "all")][4] == 0 and math.isnan(rows[("recovery_rate", "all")][2])
