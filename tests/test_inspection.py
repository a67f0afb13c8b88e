"""Defects made upstream, found downstream: a step with ``defect_rate`` leaves defects (scaled by its
agent's level); a later step with ``detection`` finds each with that chance (its miss rate scaled by the
inspector's level) and sends the contact back to the maker; the defects it misses reach the customer.
Checked against the closed forms of one maker and one inspector, by a hand-made timeline, and on the
claims back office."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.model.customers import Customers
from simulator.model.records import REACHED_CUSTOMER, REWORKED
from simulator.model.roster import build_roster
from simulator.model.system import ServiceSystem
from simulator.randomness import Streams
from simulator.scenario import load_variants
from simulator.trace import trace_scenario
from tests.conftest import SCENARIOS, assert_in_ci, build


def line(defect_rate: float = 0.2, detection: float = 0.75, checker_level: int = 3, maker_level: int = 3,
         **maker) -> dict:
    """Items made (1 minute) and checked (30 s) by ample staff, an hour of 60 items after a warm-up."""
    return {
        "name": "inspection", "clock": {"horizon": 3000, "warmup": 300, "interval": 3000}, "seed": 5,
        "replications": 10, "channels": {"work": {}},
        "demand": {"items": {"channel": "work", "arrivals": {"per_hour": 60}, "process": "item"}},
        "processes": {"item": {"steps": [
            {"name": "make", "skill": "make", "duration": {"exponential": {"mean": 1}}, "defect_rate": defect_rate,
             **maker},
            {"name": "check", "skill": "check", "duration": {"exponential": {"mean": 0.5}}, "detection": detection},
        ]}},
        "staff": {"makers": {"headcount": 3, "skills": {"make": maker_level}},
                  "checkers": {"headcount": 2, "skills": {"check": checker_level}}},
    }


def test_rework_is_d_p_escapes_d_1_minus_p_over_1_minus_d_p_and_detection_is_p():
    """A found defect is made again on the redo with chance d: escapes are d (1 - p) (1 + d p + ...) =
    d (1 - p) / (1 - d p) (d (1 - p) on the first pass alone); a contact is reworked at least once with
    chance d p; the inspection finds p of the defects, and some defect is made in d of the contacts."""
    d, p = 0.2, 0.75
    result = run_scenario(build(line(d, p)))
    assert_in_ci(result.kpi("rework_rate"), d * p)
    assert_in_ci(result.kpi("error_rate"), d * (1 - p) / (1 - d * p))
    assert_in_ci(result.kpi("detection_rate"), p)
    assert_in_ci(result.kpi("defect_rate"), d)
    assert_in_ci(result.kpi("defect_rate", "step:item.make"), d)
    assert_in_ci(result.kpi("detection_rate", "step:item.make"), p)


def test_a_better_inspector_misses_fewer_and_a_better_maker_makes_fewer():
    """Level 5's error factor (0.5) halves the miss rate (detection 0.875) and the defect rate (0.1)."""
    checked = run_scenario(build(line(checker_level=5)))
    assert_in_ci(checked.kpi("detection_rate"), 1 - 0.25 * 0.5)
    made = run_scenario(build(line(maker_level=5)))
    assert_in_ci(made.kpi("defect_rate"), 0.1)
    assert_in_ci(made.kpi("rework_rate"), 0.1 * 0.75)


def timeline(draws: list[tuple[float, float]]) -> tuple[list[tuple[int, int]], list[tuple]]:
    """Hand-made items (arrival k minutes apart) with their maker's and checker's draws; d = 0.6 and
    p = 0.75 (a miss when the checker's draw is below 0.25). Returns (contact, step) of each service and
    the error records."""
    scenario = build(line(0.6, 0.75))
    count = len(draws)
    people = Customers([float(k) for k in range(count)], np.zeros(count, dtype=np.int64),
                       np.zeros(count, dtype=np.int64), [math.inf] * count,
                       [[(0, 1.0, make, 1.0), (1, 0.5, 1.0, check)] for make, check in draws])
    system = ServiceSystem(scenario, people, build_roster(scenario, Streams(0)), Streams(0))
    records = system.run()
    return ([(int(row[0]), int(row[1])) for row in records.rows("services")],
            [tuple(int(v) for v in row) for row in records.rows("errors")])


def test_a_defect_the_check_misses_reaches_the_customer_and_one_it_finds_is_made_again():
    """#0: no defect (draw 0.9 >= 0.6). #1: a defect (0.5 < 0.6) the check misses (0.1 < 0.25): it
    reaches the customer. #2: a defect (0.1) found (0.95 >= 0.25): make and check are done again."""
    services, errors = timeline([(0.9, 0.5), (0.5, 0.1), (0.1, 0.95)])
    assert [step for contact, step in services if contact == 0] == [0, 1]
    assert [step for contact, step in services if contact == 1] == [0, 1]
    assert [step for contact, step in services if contact == 2][:4] == [0, 1, 0, 1]
    assert (1, 0, REACHED_CUSTOMER) in errors
    assert (2, 0, REWORKED) in errors
    assert not [e for e in errors if e[0] == 0]


def test_the_trace_narrates_defects_found_and_missed():
    lines = trace_scenario(build(line()), contacts=60).lines()
    assert any("make leaves a defect" in text for text in lines)
    assert any("check finds the defect left by make -> redone from make" in text for text in lines)
    assert any("check misses the defect left by make" in text for text in lines)
    assert any("leaves with the defect make left" in text for text in lines)


def test_an_escaped_defect_can_bring_the_customer_back():
    result = run_scenario(build(line(on_error={"recontact_after": 30})), replications=4)
    assert result.value("repeat_contacts") > 0
    assert result.value("recontact_rate") == pytest.approx(result.value("error_rate"), rel=0.05)


@pytest.mark.parametrize("change, message", [
    ({"defect_rate": 0.1, "error_rate": 0.1}, "error_rate .* or defect_rate .*, not both"),
    ({"defect_rate": 0.1, "on_error": {"rework": "make"}}, "its on_error may only say recontact_after"),
    ({"defect_rate": 0}, "none has a defect_rate"),
    ({"defect_rate": 1.5}, "defect_rate: must be a number"),
])
def test_bad_quality_keys_are_refused(change, message):
    mapping = line()
    mapping["processes"]["item"]["steps"][0].update(change)
    with pytest.raises(ScenarioError, match=message):
        build(mapping)


def test_in_the_claims_back_office_better_assessors_cut_rework_and_escapes_and_better_checkers_find_more():
    scenarios = load_variants(SCENARIOS / "claims_back_office.yaml")
    baseline, assessors, checkers = (run_scenario(scenarios[name], replications=5) for name in
                                     ("baseline", "assessors_at_level_4", "checkers_at_level_5"))
    assert assessors.value("rework_rate") < baseline.value("rework_rate")
    assert assessors.value("error_rate") < baseline.value("error_rate")
    assert assessors.value("defect_rate") < baseline.value("defect_rate")
    assert checkers.value("detection_rate") > baseline.value("detection_rate")
    assert checkers.value("rework_rate") > baseline.value("rework_rate")   # more found, more sent back
    assert checkers.value("error_rate") < baseline.value("error_rate")
