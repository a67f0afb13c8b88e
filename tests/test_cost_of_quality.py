"""The cost of quality: prevention (training), appraisal (inspection time), internal failure (steps done
again) and external failure (charges per error, repeat, abandon and complaint, and the repeat contacts'
time). Checked as exact identities on one replication's own records, and on the shipped scenarios."""

from __future__ import annotations

from collections import Counter

import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.experiment import run_scenario
from simulator.model.records import REWORKED
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS, build


def line(**extra) -> dict:
    """Items made (1 minute, by makers at 60 an hour) and checked (30 s, checkers at 30 an hour), with
    defects (20%, 75% found) that bring the customer back an hour later when they escape."""
    return {
        "name": "quality costs", "clock": {"horizon": 600, "interval": 600}, "seed": 3, "replications": 1,
        "channels": {"work": {}},
        "demand": {"items": {"channel": "work", "arrivals": {"per_hour": 50}, "process": "item"}},
        "processes": {"item": {"steps": [
            {"name": "make", "skill": "make", "duration": 1, "defect_rate": 0.2,
             "on_error": {"recontact_after": 60}},
            {"name": "check", "skill": "check", "duration": 0.5, "detection": 0.75}]}},
        "staff": {"makers": {"headcount": 3, "skills": {"make": 3}, "cost_per_hour": 60},
                  "checkers": {"headcount": 2, "skills": {"check": 3}, "cost_per_hour": 30}},
        "quality_costs": {"per_error": 40, "per_repeat": 5, "per_abandon": 2},
        **extra,
    }


def test_each_part_is_what_the_records_add_up_to():
    result = run_scenario(build(line()), keep_tables=True)
    tables = result.outputs[0].tables
    rate = {0: 1.0, 1: 0.5}   # money a minute: makers, checkers
    seen, first_checks, redone = Counter(), 0.0, 0.0
    for contact, step, pool, start, end in zip(tables.service_contact, tables.service_step, tables.service_pool,
                                               tables.service_start, tables.service_end):
        seen[(contact, step)] += 1
        cost = (end - start) * rate[int(pool)]
        if seen[(contact, step)] > 1:
            redone += cost
        elif step == 1:
            first_checks += cost
    escaped = sum(1 for kind in tables.error_kind if kind != REWORKED)
    repeats = int((tables.repeat_of >= 0).sum())
    repeat_time = sum((end - start) * rate[int(pool)] for contact, pool, start, end in
                      zip(tables.service_contact, tables.service_pool, tables.service_start, tables.service_end)
                      if tables.repeat_of[contact] >= 0)
    charges = 40 * escaped + 5 * repeats + 2 * int((tables.outcome == 1).sum())
    assert escaped and repeats and redone   # the run has every kind of failure
    assert result.value("coq_appraisal") == pytest.approx(first_checks)
    assert result.value("coq_internal_failure") == pytest.approx(redone)
    assert result.value("cost_failure") == pytest.approx(charges)
    assert result.value("coq_external_failure") == pytest.approx(charges + repeat_time)
    assert result.value("coq_prevention") == 0
    assert result.value("cost_of_quality") == pytest.approx(first_checks + redone + charges + repeat_time)
    total = result.value("cost_staff") + result.value("cost_automation") + charges
    assert result.value("cost_total") == pytest.approx(total)
    assert result.value("cost_of_quality_share") == pytest.approx(result.value("cost_of_quality") / total)


def test_training_is_prevention():
    scenario = load_scenario(SCENARIOS / "claims_back_office.yaml")
    result = run_scenario(scenario, replications=2)
    assert result.value("coq_prevention") == result.value("cost_training") == pytest.approx(0.3 * 10 * 900)


def test_without_quality_costs_the_totals_are_unchanged_and_nothing_is_charged():
    mapping = line()
    del mapping["quality_costs"]
    result = run_scenario(build(mapping))
    assert "cost_failure" not in set(result.summary.metric)
    assert result.value("cost_total") == pytest.approx(result.value("cost_staff") + result.value("cost_automation"))
    textbook = run_scenario(load_scenario(SCENARIOS / "mmc_textbook.yaml"), replications=2)
    assert "cost_of_quality" not in set(textbook.summary.metric)   # nothing in it concerns quality


def test_compare_shows_each_variants_cost_of_quality_in_its_four_parts(tmp_path):
    shown = CliRunner().invoke(main, ["compare", str(SCENARIOS / "claims_back_office.yaml"), "-r", "2",
                                      "--no-charts", "--out", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    header = next(text for text in shown.output.splitlines() if text.startswith("cost of quality"))
    assert header.split()[3:] == ["prevention", "appraisal", "internal", "failure", "external", "failure",
                                  "total", "cost_per_contact"]
    assert sum(text.startswith(("baseline ", "assessors_at_level_4 ", "checkers_at_level_5 "))
               for text in shown.output.splitlines()[shown.output.splitlines().index(header):]) == 3


@pytest.mark.parametrize("name", ["claims_back_office", "contact_centre"])
def test_the_shipped_scenarios_report_the_breakdown(name):
    result = run_scenario(load_scenario(SCENARIOS / f"{name}.yaml"), replications=2)
    parts = [result.value(metric) for metric in ("coq_prevention", "coq_appraisal", "coq_internal_failure",
                                                 "coq_external_failure")]
    assert result.value("cost_of_quality") == pytest.approx(sum(parts))
    assert result.value("coq_external_failure") > 0
