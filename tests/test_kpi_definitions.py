"""What the numbers mean: speed of answer and service level to a person, contained contacts, short
abandons, thresholds per channel and segment, per-step KPIs, targets in every form, verdicts and headlines.
Hand-checked cases."""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.analysis import evaluate_targets
from simulator.cli import main
from simulator.errors import ScenarioError
from simulator.experiment import compare_scenarios
from simulator.metrics.compute import replication_kpis
from simulator.model.customers import Customers
from simulator.replication import run_model
from simulator.scenario import load_variants
from simulator.scenario.model import Target
from tests.conftest import SCENARIOS, build, values


def menu_centre(**extra) -> dict:
    """A menu (ample capacity, 1 minute) in front of one agent (2-minute calls); SL within 1 minute."""
    mapping = {
        "name": "menu", "clock": {"horizon": 60, "interval": 60}, "replications": 1,
        "channels": {"phone": {"patience": {"exponential": {"mean": 3}}}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 1}, "process": "call"}},
        "processes": {"call": {"steps": [
            {"name": "menu", "automation": "ivr", "duration": 1, "containment": 0.5},
            {"name": "talk", "skill": "s", "duration": 2}]}},
        "automation": {"ivr": {"capacity": 10}},
        "staff": {"agents": {"headcount": 1, "skills": {"s": 3}}},
        "service_level": {"within": "1min"},
    }
    mapping.update(extra)
    return mapping


def kpis_of(mapping: dict, arrivals, patience, contained) -> dict:
    """KPIs of hand-made callers: ``contained[i]`` says whether the menu resolves caller i."""
    scenario = build(mapping)
    routes = [[(0, 1.0, 1.0, 0.0 if c else 1.0), (1, 2.0, 1.0, 1.0)] for c in contained]
    count = len(arrivals)
    people = Customers(list(arrivals), np.zeros(count, dtype=np.int64), np.zeros(count, dtype=np.int64),
                       list(patience), routes)
    _, tables = run_model(scenario, 0, customers=people)
    return values(replication_kpis(tables, scenario))


def test_speed_of_answer_and_service_level_are_measured_to_a_person():
    """Callers at 0, 0, 0.5 and 0.6, through a 1-minute menu. #0 is resolved by the menu (contained).
    #1 reaches the agent at 1 (no queue: wait 0), served 1-3. #2 leaves the menu at 1.5 and waits until 3
    (1.5 min, over the threshold). #3 leaves the menu at 1.6 and gives up after 0.2 min.
    Service level = 1 within / (2 answered + 1 abandoned) = 1/3; the contained call is in neither."""
    kpis = kpis_of(menu_centre(), [0.0, 0.0, 0.5, 0.6], [math.inf, math.inf, math.inf, 0.2], [True, False, False, False])
    assert kpis[("contained", "all")] == 1 and kpis[("answered", "all")] == 2 and kpis[("abandoned", "all")] == 1
    assert kpis[("wait_mean", "all")] == pytest.approx((0 + 1.5) / 2)      # the menu's minute is not waiting
    assert kpis[("service_level", "all")] == pytest.approx(1 / 3)
    assert kpis[("abandon_rate", "all")] == pytest.approx(1 / 3)          # of the three that queued for a person
    assert kpis[("queue_time_mean", "step:call.talk")] == pytest.approx((0 + 1.5 + 0.2) / 3)
    assert kpis[("abandon_rate", "step:call.talk")] == pytest.approx(1 / 3)
    assert kpis[("service_level", "step:call.talk")] == pytest.approx(1 / 3)
    assert kpis[("queue_time_mean", "step:call.menu")] == 0


def test_queueing_for_a_busy_bot_is_waiting():
    """A menu of capacity 1: #1 (arriving at 0.5) waits 0.5 for it, then reaches the free agent at 2."""
    mapping = menu_centre(automation={"ivr": {"capacity": 1}})
    kpis = kpis_of(mapping, [0.0, 0.5], [math.inf, math.inf], [True, False])
    assert kpis[("wait_mean", "all")] == pytest.approx(0.5)
    assert kpis[("queue_time_mean", "step:call.menu")] == pytest.approx(0.25)


def test_short_abandons_are_left_out_of_service_level_but_not_of_abandonment():
    mapping = menu_centre(service_level={"within": "1min", "short_abandon": "15s"})
    kpis = kpis_of(mapping, [0.0, 0.5, 0.6], [math.inf, math.inf, 0.2], [False, False, False])
    # #0 answered at 1 (wait 0), #1 waits 3 - 1.5 = 1.5, #2 gives up after 0.2 min (12 s: short)
    assert kpis[("short_abandoned", "all")] == 1
    assert kpis[("service_level", "all")] == pytest.approx(1 / 2)
    assert kpis[("abandon_rate", "all")] == pytest.approx(1 / 3)


def test_service_level_is_reported_only_where_a_threshold_applies():
    no_threshold = menu_centre()
    del no_threshold["service_level"]
    kpis = kpis_of(no_threshold, [0.0], [math.inf], [False])
    assert ("service_level", "all") not in kpis and ("wait_mean", "all") in kpis
    scenario = build(no_threshold)
    assert not scenario.measures_service_level


def centre(**extra) -> dict:
    mapping = {
        "name": "thresholds", "clock": {"horizon": 120, "interval": 60}, "replications": 2,
        "channels": {"phone": {}, "chat": {}, "email": {"deferrable": True, "response_target": "4h"}},
        "segments": {"premium": {"share": 0.3, "priority": 0}, "standard": {"share": 0.7, "priority": 1}},
        "demand": {d: {"channel": d, "arrivals": {"per_hour": 30}, "process": "serve"} for d in ("phone", "chat",
                                                                                              "email")},
        "processes": {"serve": {"steps": [{"name": "work", "skill": "s", "duration": 3}]}},
        "staff": {"agents": {"headcount": 3, "skills": {"s": 3}}},
    }
    mapping.update(extra)
    return mapping


def test_thresholds_per_channel_and_segment_and_several_targets_per_kpi():
    scenario = build(centre(
        service_level={"within": "20s", "channels": {"chat": "1min"}},
        targets=[{"kpi": "service_level", "at_least": 0.8, "scope": "channel:phone"},
                 {"kpi": "service_level", "at_least": 0.8, "scope": "channel:chat"},
                 {"kpi": "service_level", "within": "10s", "at_least": 0.9, "scope": "segment:premium"},
                 {"kpi": "queue_time_mean", "at_most": 5, "scope": "step:serve.work"},
                 {"kpi": "response_within_target", "at_least": 0.9, "scope": "channel:email"}]))
    assert scenario.threshold("phone") == pytest.approx(1 / 3) and scenario.threshold("chat") == 1.0
    assert scenario.threshold("email") is None                     # deferrable: no service level
    assert scenario.service_level.of_scope("segment:premium") == pytest.approx(1 / 6)
    assert [t.within for t in scenario.targets][:3] == pytest.approx([1 / 3, 1.0, 1 / 6])
    _, tables = run_model(scenario, 3)
    kpis = values(replication_kpis(tables, scenario))
    real_time = tables.channel != 2
    answered = real_time & ~np.isnan(tables.answered_at)
    phone = answered & (tables.channel == 0)
    assert kpis[("service_level", "channel:phone")] == pytest.approx((tables.wait[phone] <= 1 / 3 + 1e-12).mean())
    premium = answered & (tables.segment == 0)
    assert kpis[("service_level", "segment:premium")] == pytest.approx((tables.wait[premium] <= 1 / 6 + 1e-12).mean())
    # all: each contact against its own channel's threshold; email never mixes into a wait
    limit = np.where(tables.channel == 0, 1 / 3, 1.0)
    assert kpis[("service_level", "all")] == pytest.approx((tables.wait[answered] <= limit[answered] + 1e-12).mean())
    assert kpis[("wait_mean", "all")] == pytest.approx(tables.wait[answered].mean())
    assert ("wait_mean", "channel:email") not in kpis and ("response_time_mean", "channel:email") in kpis


@pytest.mark.parametrize("targets, service_level, message", [
    ([{"kpi": "service_level", "at_least": 0.8, "scope": "channel:email"}], None,
     "service_level is for real-time channels; email is deferrable"),
    ([{"kpi": "service_level", "within": "30s", "at_least": 0.8, "scope": "channel:phone"}], {"within": "20s"},
     "30s disagrees with the threshold already set for channel:phone (20s)"),
    ([{"kpi": "utilisation", "at_most": 0.9, "scope": "channel:phone"}], None,
     "utilisation is measured in scopes all, automation, pool, step, not channel"),
    ([{"kpi": "service_level", "within": "20s", "at_least": 0.8, "scope": "step:serve.work"}], None,
     "a step's service level uses each contact's channel threshold"),
    ([{"kpi": "queue_time_mean", "at_most": 5, "scope": "step:serve.wrok"}], None,
     "names nothing in this scenario; did you mean 'step:serve.work'?"),
    ([{"kpi": "service_levle", "at_least": 0.8}], None, "unknown KPI; did you mean 'service_level'?"),
    ([{"kpi": "service_level", "at_least": 0.8, "at_most": 0.9}], None, "needs exactly one of at_least or at_most"),
])
def test_targets_that_cannot_mean_anything_are_refused(targets, service_level, message):
    extra = {"targets": targets}
    if service_level:
        extra["service_level"] = {"channels": {"phone": "20s"}}
    with pytest.raises(ScenarioError) as error:
        build(centre(**extra))
    assert message in str(error.value)


def test_the_mapping_form_of_targets_keeps_working_and_sets_its_scopes_threshold():
    scenario = build(centre(targets={"service_level": {"within": "30s", "at_least": 0.8, "scope": "channel:phone"},
                                     "abandonment": {"at_most": 0.05}}))
    assert scenario.threshold("phone") == 0.5 and scenario.threshold("chat") is None
    assert [(t.kpi, t.scope) for t in scenario.targets] == [("service_level", "channel:phone"), ("abandon_rate", "all")]


def test_a_service_level_target_without_a_threshold_gets_twenty_seconds():
    scenario = build(centre(targets=[{"kpi": "service_level", "at_least": 0.8}]))
    assert scenario.service_level.default == pytest.approx(1 / 3)
    assert scenario.targets[0].within == pytest.approx(1 / 3) and scenario.threshold("chat") == pytest.approx(1 / 3)


def test_a_verdict_is_met_missed_or_ci_spans_target():
    summary = pd.DataFrame({"metric": ["service_level"] * 3, "scope": ["a", "b", "c"], "mean": [0.85, 0.75, 0.81],
                            "ci_low": [0.82, 0.70, 0.78], "ci_high": [0.88, 0.79, 0.84]})
    targets = tuple(Target("service_level", 0.8, "at_least", scope) for scope in "abc")
    verdicts = evaluate_targets(summary, targets)
    assert verdicts["status"].tolist() == ["met", "missed", "ci_spans_target"]
    assert verdicts["mean_meets"].tolist() == [True, False, True]


def test_compare_leads_with_the_targets_and_two_more_phone_agents_shorten_the_phone_wait(tmp_path):
    scenarios = load_variants(SCENARIOS / "contact_centre.yaml", {"clock.days": 1, "replications": 4})
    comparison = compare_scenarios({k: scenarios[k] for k in ("baseline", "plus_two_agents")})
    phone = comparison.difference("plus_two_agents", "wait_mean", "channel:phone")
    assert phone["diff_ci_high"] < 0
    assert comparison.difference("plus_two_agents", "wait_mean")["diff_ci_high"] < 0   # all: real-time only
    result = CliRunner().invoke(main, ["compare", str(SCENARIOS / "contact_centre.yaml"), "-r", "3", "--set",
                                       "clock.days=1", "--no-charts", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    order = [text.index(f"\n{title}  ") for title in ("service_level (channel:phone)", "service_level (channel:chat)",
                                                        "abandon_rate", "response_within_target (channel:email)",
                                                        "wait_mean (channel:phone)", "service_level ",
                                                        "utilisation")]
    assert order == sorted(order)
    assert text.index("Targets and flags:") < order[0]


def test_the_run_header_says_which_thresholds_apply(tmp_path):
    result = CliRunner().invoke(main, ["run", str(SCENARIOS / "contact_centre.yaml"), "-r", "2", "--set",
                                       "clock.days=1", "--no-charts", "--out", str(tmp_path)])
    assert ("Service level: phone: answered by a person within 20s; chat: answered by a person within 1.0 min; "
            "email: deferrable, judged by response within 24.0 h and backlog; abandons within 5s left out"
            in result.stdout)


def test_the_public_service_centre_with_two_phone_agents_misses_its_phone_target_at_the_top(tmp_path):
    result = CliRunner().invoke(main, ["run", str(SCENARIOS / "public_service_centre.yaml"), "--no-charts",
                                       "--set", "staff.phone_team.headcount=2", "--out", str(tmp_path)])
    lines = result.stdout.splitlines()
    phone = next(line for line in lines if "service_level" in line and "channel:phone" in line)
    assert phone.strip().startswith("MISSED") and lines.index(phone) < 8
    share = float(re.search(r"(\d+\.\d)%  \[", phone).group(1)) / 100
    assert share < 0.3                                     # far below the 70% target
    assert any(line.strip().startswith("UNSTABLE: skill 'phone'") for line in lines[:12])


@pytest.mark.parametrize("path", ["contact_centre.yaml", "lessons/process_redesign.yaml",
                                  "lessons/chatbot.yaml"])
def test_where_a_contacts_time_goes_adds_up_to_its_time_in_the_system(path):
    """Queue + automation + first service + rework = time in system, contact by contact, so the means
    agree in every channel (nothing else holds a contact: hand-offs queue, and chats are served in full)."""
    from simulator.experiment import run_replication
    from simulator.scenario import load_variants
    from tests.conftest import SCENARIOS, values

    for scenario in load_variants(SCENARIOS / path).values():
        kpis = values(run_replication(scenario, 0).kpis)
        scopes = {scope for metric, scope in kpis if metric == "time_in_system_mean"}
        for scope in scopes:
            parts = [kpis.get((metric, scope), 0.0) for metric in ("queue_time_mean", "time_with_automation_mean",
                                                                   "time_served_mean", "time_rework_mean")]
            assert sum(parts) == pytest.approx(kpis[("time_in_system_mean", scope)], rel=1e-9), (scenario.name, scope)
        used = {d.process for d in scenario.demand}
        steps = [step for process in scenario.processes if process.name in used for step in process.steps]
        assert (kpis.get(("time_rework_mean", "all"), 0) > 0) == any(step.rework and step.error_rate for step in steps)
        assert (kpis.get(("time_with_automation_mean", "all"), 0) > 0) == any(step.automation for step in steps)


def shared_pool(load_a: float, load_b: float, headcount: int = 10) -> dict:
    """Two skills, one pool that has both: each skill alone fits in the pool, both together may not."""
    return {"name": "shared", "clock": {"horizon": "8h", "interval": "1h"}, "replications": 2,
            "channels": {"phone": {}},
            "demand": {"a": {"channel": "phone", "arrivals": {"per_hour": load_a * 12}, "process": "pa"},
                       "b": {"channel": "phone", "arrivals": {"per_hour": load_b * 12}, "process": "pb"}},
            "processes": {"pa": {"steps": [{"name": "s", "skill": "sa", "duration": 5}]},
                          "pb": {"steps": [{"name": "s", "skill": "sb", "duration": 5}]}},
            "staff": {"team": {"headcount": headcount, "skills": {"sa": 3, "sb": 3}},
                      "extra": {"headcount": 1, "skills": {"sb": 3}}}}


def test_skills_sharing_a_pool_are_flagged_unstable_when_together_they_exceed_it():
    """8 + 8 Erlangs for 10 + 1 agents: each skill passes alone (10 and 11 agents have it), the pair does
    not (at most 11 / 16 = 69% of the load can be served); 4 + 4 passes."""
    from simulator.capacity import capacity_flags
    from tests.conftest import build

    flags = capacity_flags(build(shared_pool(8, 8)))
    (flag,) = [f for f in flags if f.kind == "unstable"]
    assert flag.skill == "sa + sb" and "at most 69% of it can be served" in flag.message
    assert "'team', 'extra'" in flag.message
    assert not [f for f in capacity_flags(build(shared_pool(4, 4))) if f.kind == "unstable"]
    # one skill over its own capacity is flagged on its own, not again as a group
    alone = [f for f in capacity_flags(build(shared_pool(12, 1))) if f.kind == "unstable"]
    assert [f.skill for f in alone] == ["sa"]


def test_the_shared_pool_flag_is_in_the_json_output(tmp_path):
    import json

    import yaml

    path = tmp_path / "shared.yaml"
    path.write_text(yaml.safe_dump(shared_pool(8, 8)))
    result = CliRunner().invoke(main, ["run", str(path), "--json", "--no-charts", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    flags = json.loads(result.stdout)["flags"]
    assert any(f["kind"] == "unstable" and f["about"] == "sa + sb" for f in flags), flags
