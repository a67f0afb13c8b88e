"""The catalogue of KPIs: one name, kind and definition each (docs/kpis.md explains them).

The catalogue is plain data so that the scenario (targets), the metrics, the
console table and the docs all use exactly the same names. ``scopes`` says where a
KPI is measured: ``contact`` scopes (``all``, ``channel:``, ``segment:``, ``demand:``),
``step:`` (a step of a process), ``pool:``, ``automation:``, and ``all`` alone for
whole-operation figures such as cost.
"""

from __future__ import annotations

from dataclasses import dataclass

CONTACT = frozenset({"all", "channel", "segment", "demand"})
STEP = frozenset({"step"})
STAFF = frozenset({"all", "pool"})


@dataclass(frozen=True)
class Kpi:
    name: str
    kind: str          # "count", "share" (0..1), "duration" (minutes), "money", "score" (1..5)
    better: str        # "higher", "lower" or "" (neither: a volume)
    definition: str
    scopes: frozenset[str] = CONTACT   # scope kinds where it is reported

    @property
    def counted(self) -> bool:
        """A share of contacts (or requests): its numerator and denominator are counts."""
        return self.name in COUNTED_SHARES


KPIS: tuple[Kpi, ...] = (
    Kpi("offered", "count", "",
        "contacts that arrived after the warm-up (at a step: requests for the step, rework included)",
        CONTACT | STEP),
    Kpi("contained", "count", "",
        "offered contacts resolved by automation (a menu, a bot, self-service) without a person"),
    Kpi("answered", "count", "higher",
        "offered contacts that reached the start of a step done by a person"),
    Kpi("abandoned", "count", "lower",
        "offered contacts that gave up while waiting, before a person served them (at a step: gave up "
        "waiting for that step)", CONTACT | STEP),
    Kpi("short_abandoned", "count", "",
        "abandoned within service_level.short_abandon of arriving: left out of service level; shown when set"),
    Kpi("abandon_rate", "share", "lower",
        "abandoned / contacts that queued for a person (answered + abandoned + left waiting at the end); "
        "real-time contacts (at a step: abandoned there / requests for the step)", CONTACT | STEP),
    Kpi("blocked", "count", "lower",
        "offered contacts that found every line of their channel busy (a busy signal) and never entered; shown "
        "where a channel has lines"),
    Kpi("block_rate", "share", "lower", "blocked / offered (Erlang B's blocking probability); real-time contacts"),
    Kpi("balked", "count", "lower",
        "offered contacts that had to wait, saw the line and left at once; shown where a channel has balking"),
    Kpi("balk_rate", "share", "lower", "balked / offered; real-time contacts"),
    Kpi("unfinished", "count", "lower",
        "offered real-time contacts still in the system when the simulation ended (nobody stayed to serve "
        "them); in a scope of deferrable work, open items left at the end"),
    Kpi("wait_mean", "duration", "lower",
        "average speed of answer (ASA): time queued before the first step done by a person, over real-time "
        "contacts a person answered (a bot's service is not waiting; queueing for a busy bot is)"),
    Kpi("wait_p50", "duration", "lower", "median speed of answer over answered real-time contacts"),
    Kpi("wait_p90", "duration", "lower", "90th percentile of the speed of answer"),
    Kpi("wait_p95", "duration", "lower", "95th percentile of the speed of answer"),
    Kpi("service_level", "share", "higher",
        "answered by a person within the threshold / (answered by a person + abandoned while waiting for one + "
        "left waiting at the end + turned away: blocked or balked), short abandons left out; real-time contacts with a threshold (at a step: "
        "served there within the channel's threshold / requests for the step)", CONTACT | STEP),
    Kpi("queue_time_mean", "duration", "lower",
        "mean time spent waiting in queues over all steps, over real-time contacts that left (an abandoner's "
        "wait included; at a step: mean wait for that step over its requests)", CONTACT | STEP),
    Kpi("queue_time_p90", "duration", "lower", "90th percentile of the queue time (at a step: of its waits)",
        CONTACT | STEP),
    Kpi("after_call_work_mean", "duration", "", "mean after-call work (wrap-up) per service of a step: the agent "
        "busy after the customer has moved on; shown for steps with after_call_work", STEP),
    Kpi("handle_time_mean", "duration", "", "average handling time (AHT) of a step: from the start of its service "
        "to its end, plus its after-call work",
        STEP),
    Kpi("time_in_system_mean", "duration", "lower",
        "mean time from arrival to departure (completion or abandonment), over contacts that left"),
    Kpi("time_with_automation_mean", "duration", "",
        "mean time with automation (a menu, a bot) per contact, over the contacts of time_in_system_mean"),
    Kpi("time_served_mean", "duration", "",
        "mean time served by people per contact, each step's first service only, over the same contacts"),
    Kpi("time_rework_mean", "duration", "lower",
        "mean time per contact on steps done again after a caught error (a step's later services), over the "
        "same contacts; with queue_time_mean and the two above, where a contact's time in the system goes"),
    Kpi("response_time_mean", "duration", "lower",
        "deferrable work (email, back office): mean time from arrival to the first step done by a person, in "
        "opening time"),
    Kpi("response_within_target", "share", "higher",
        "deferrable contacts answered by a person within the channel's response_target / deferrable contacts "
        "that needed a person and were due within the simulated days (a run shorter than the target cannot "
        "judge it)"),
    Kpi("backlog_end", "count", "lower",
        "deferrable contacts (email, back office) offered but not yet completed at the last closing time"),
    Kpi("utilisation", "share", "",
        "busy agent-time / paid agent-time (shifts with their breaks and absences, plus overtime); at a step: "
        "of the pools with its skill, or of the automation", STAFF | STEP | {"automation"}),
    Kpi("occupancy", "share", "",
        "busy agent-time / agent-time at work and available (on duty, or finishing a contact after a shift "
        "ended or a break began): the queueing texts' utilisation", STAFF),
    Kpi("slot_utilisation", "share", "",
        "busy slot-time / staffed slot-time: a contact of a channel where agents hold k at once (chat) "
        "counts 1/k of an agent; shown when a channel has concurrency", frozenset({"pool"})),
    Kpi("overtime", "duration", "lower",
        "agent-time worked after shifts ended: finishing the contact in hand, and serving the queue after the "
        "last closing", STAFF),
    Kpi("overtime_share", "share", "lower", "overtime / scheduled paid agent-time", STAFF),
    Kpi("error_rate", "share", "lower",
        "completed contacts with at least one error reaching the customer / completed contacts"),
    Kpi("rework_rate", "share", "lower", "completed contacts with at least one step redone / completed contacts"),
    Kpi("defect_rate", "share", "lower",
        "completed contacts in which a step with a defect_rate left a defect, found later or not / completed "
        "contacts (at a step that makes defects: defects left / its services)", CONTACT | STEP),
    Kpi("detection_rate", "share", "higher",
        "defects an inspection (a later step's detection) found / defects made, of completed contacts (at a "
        "step that makes defects: of its own); the rest reached the customer (error_rate)", CONTACT | STEP),
    Kpi("complaints", "count", "lower",
        "complaints that arrived (contacts of a complaint stream, from customers who met an error, gave up or "
        "waited long)"),
    Kpi("complaint_rate", "share", "lower",
        "contacts (completed or abandoned, complaints aside) whose customer complained about them / those "
        "contacts"),
    Kpi("recovery_rate", "share", "higher",
        "complaints resolved (completed, no error reaching the customer) within recovery.within / complaints "
        "due within the simulated days (one still open past its deadline was not recovered)"),
    Kpi("churn_proxy", "share", "lower",
        "a proxy, to calibrate: the mean chance a customer leaves after their contact, base + per_point x (5 - "
        "satisfaction) + after_failure (retention:), over first contacts that left; shown where retention is set"),
    Kpi("value_lost", "money", "lower",
        "the churn the service caused (the proxy above its segment's base) x the value per customer kept "
        "(retention.value, by segment), summed over the scope's customers"),
    Kpi("recontact_rate", "share", "lower",
        "completed contacts whose error brings the customer back / completed contacts"),
    Kpi("fcr", "share", "higher",
        "first-contact resolution: completed first contacts (not repeats) with no error reaching the customer "
        "and no recontact / completed first contacts"),
    Kpi("repeat_contacts", "count", "lower", "offered contacts that are customers coming back after an error"),
    Kpi("retrial_contacts", "count", "lower", "offered contacts that are customers trying again after abandoning"),
    Kpi("callback_rate", "share", "", "contacts that queued for a person and took a call back instead of waiting "
                                      "on the line / contacts that queued for a person"),
    Kpi("containment_rate", "share", "higher",
        "contacts resolved by an automation step / contacts that went through an automation step"),
    Kpi("satisfaction_mean", "score", "higher",
        "mean satisfaction proxy (1 to 5) over contacts that left: see docs/satisfaction.md"),
    Kpi("satisfied_share", "share", "higher", "contacts that left with a satisfaction proxy of 4 or more"),
    Kpi("occupancy_peak", "share", "lower",
        "the highest occupancy of any reporting interval after the warm-up (busy / at work): the busiest "
        "hour, which the day's occupancy hides", STAFF),
    Kpi("longest_work_run", "duration", "lower",
        "each agent's longest run of back-to-back work (pauses under a minute do not break it), averaged over "
        "the agents at work", STAFF),
    Kpi("workload_spread", "score", "lower",
        "how unevenly the work fell on the agents: the cv of their occupancy, each agent's busy time over its "
        "time at work (0: even; a part-timer at a full-timer's pace is even)", STAFF),
    Kpi("breaks_late", "share", "lower",
        "breaks that started late: more than wellbeing.break_grace (2 minutes) after they were due, the agent "
        "still busy with a contact (and the break that much shorter); where pools have breaks", STAFF),
    Kpi("break_lost_mean", "duration", "lower",
        "the minutes of break lost to the contact in hand, averaged over the breaks due", STAFF),
    Kpi("wellbeing_index", "score", "higher",
        "a proxy, to calibrate: 100 less points for the busiest interval's occupancy above 85%, overtime, "
        "runs of work over an hour, uneven work and late breaks (wellbeing: weights; docs/kpis.md)", STAFF),
    Kpi("leavers", "count", "lower",
        "agents who left during the run (attrition: the seat empty from the next day); shown where a pool has "
        "attrition", STAFF),
    Kpi("attrition_per_month", "share", "lower",
        "the monthly attrition the run used: the pool's per_month, or with attrition.wellbeing the rate its "
        "wellbeing index gives (per_month x 2 ^ ((at - index) / doubles_every))", frozenset({"pool"})),
    Kpi("hires", "count", "",
        "new hires who took an empty seat during the run (after the hiring lead time)", STAFF),
    Kpi("cost_staff", "money", "lower",
        "paid staff hours after the warm-up (breaks and absences included) x cost_per_hour, plus overtime hours "
        "x overtime_rate", STAFF),
    Kpi("cost_automation", "money", "lower", "contacts handled by each automation x its cost_per_contact",
        frozenset({"all", "automation"})),
    Kpi("cost_training", "money", "lower", "trainees of each course x its cost_per_person", frozenset({"all"})),
    Kpi("cost_failure", "money", "lower",
        "quality_costs charges: per error reaching a customer, per repeat contact, per abandon and per complaint "
        "(counted in cost_total); shown where quality_costs is set", frozenset({"all"})),
    Kpi("cost_total", "money", "lower", "cost_staff + cost_automation + cost_training + cost_failure",
        frozenset({"all"})),
    Kpi("cost_per_contact", "money", "lower", "cost_total / completed contacts", frozenset({"all"})),
    Kpi("coq_prevention", "money", "lower", "cost of quality, prevention: training (cost_training)",
        frozenset({"all"})),
    Kpi("coq_appraisal", "money", "lower",
        "cost of quality, appraisal: staff time (at cost_per_hour) of inspection steps' first pass",
        frozenset({"all"})),
    Kpi("coq_internal_failure", "money", "lower",
        "cost of quality, internal failure: staff time of steps done again after a caught error or a found "
        "defect", frozenset({"all"})),
    Kpi("coq_external_failure", "money", "lower",
        "cost of quality, external failure: cost_failure plus the staff time of repeat contacts errors brought",
        frozenset({"all"})),
    Kpi("cost_of_quality", "money", "lower",
        "prevention + appraisal + internal failure + external failure", frozenset({"all"})),
    Kpi("cost_of_quality_share", "share", "lower", "cost_of_quality / cost_total", frozenset({"all"})),
)

KPI_BY_NAME: dict[str, Kpi] = {kpi.name: kpi for kpi in KPIS}

# Shares whose numerator and denominator count contacts or requests (not agent-time): their interval is
# never narrower than the binomial (Wilson) interval of the counts (simulator.analysis).
COUNTED_SHARES = frozenset({"abandon_rate", "service_level", "error_rate", "rework_rate", "recontact_rate", "fcr",
                            "callback_rate", "block_rate", "balk_rate", "containment_rate", "satisfied_share", "response_within_target",
                            "defect_rate", "detection_rate", "complaint_rate", "recovery_rate"})

# Words a planner may use in `targets:` for a KPI name.
TARGET_ALIASES: dict[str, str] = {"abandonment": "abandon_rate", "wait": "wait_mean", "asa": "wait_mean"}

DEFAULT_SERVICE_LEVEL_THRESHOLD = 20 / 60  # minutes: 80/20 is the industry's default phrasing

# KPIs that mean something for real-time contacts only, and for deferrable work only (a target naming
# one in a channel of the other kind is refused).
REAL_TIME_KPIS = frozenset({"abandoned", "short_abandoned", "abandon_rate", "wait_mean", "wait_p50", "wait_p90",
                            "wait_p95", "service_level", "callback_rate", "blocked", "block_rate", "balked",
                            "balk_rate"})
DEFERRABLE_KPIS = frozenset({"response_time_mean", "response_within_target", "backlog_end"})


def scope_kind(scope: str) -> str:
    """``all``, or the part of a scope before its colon (``channel``, ``step``, ...)."""
    return "all" if scope == "all" else scope.split(":", 1)[0]


def headline_pairs(scenario, defaults: tuple[str, ...]) -> list[tuple[str, str]]:
    """(KPI, scope) to lead with, for a scenario: each target's own KPI and scope, then for each channel
    a target names its mean wait (or response time, for deferrable work), then ``defaults`` in scope all."""
    pairs = [(t.kpi, t.scope) for t in scenario.targets]
    for target in scenario.targets:
        if target.scope.startswith("channel:"):
            deferrable = scenario.channel(target.scope.split(":", 1)[1]).deferrable
            pairs.append(("response_time_mean" if deferrable else "wait_mean", target.scope))
    pairs += [(metric, "all") for metric in defaults]
    return list(dict.fromkeys(pairs))


# What a practitioner calls each KPI (contact-centre and WFM usage), for charts, reports and the explorer
LABELS = {
    "offered": "Contacts offered", "contained": "Contained by automation", "answered": "Answered by a person",
    "abandoned": "Abandoned", "short_abandoned": "Short abandons", "abandon_rate": "Abandonment rate",
    "blocked": "Blocked (busy signal)", "block_rate": "Blocking rate", "balked": "Balked (saw the line, left)",
    "balk_rate": "Balking rate", "unfinished": "Unfinished at the end", "wait_mean": "Average speed of answer",
    "wait_p50": "Median wait", "wait_p90": "90th percentile wait", "wait_p95": "95th percentile wait",
    "service_level": "Service level", "queue_time_mean": "Mean queue time (all steps)",
    "queue_time_p90": "90th percentile queue time", "handle_time_mean": "Average handling time",
    "after_call_work_mean": "Average after-call work",
    "time_in_system_mean": "Mean time in system", "response_time_mean": "Mean response time",
    "time_with_automation_mean": "Time with automation", "time_served_mean": "Time served by people",
    "time_rework_mean": "Time on rework",
    "response_within_target": "Answered within the response target", "backlog_end": "Backlog at the end",
    "utilisation": "Utilisation", "occupancy": "Occupancy", "slot_utilisation": "Slot utilisation (concurrency)",
    "overtime": "Overtime", "overtime_share": "Overtime share of paid hours", "error_rate": "Error rate",
    "cost_failure": "Failure charges", "coq_prevention": "Cost of quality: prevention",
    "coq_appraisal": "Cost of quality: appraisal", "coq_internal_failure": "Cost of quality: internal failure",
    "coq_external_failure": "Cost of quality: external failure", "cost_of_quality": "Cost of quality",
    "cost_of_quality_share": "Cost of quality (% of cost)",
    "complaints": "Complaints", "complaint_rate": "Complaint rate", "recovery_rate": "Recovery rate",
    "leavers": "Leavers (attrition)", "hires": "New hires", "attrition_per_month": "Attrition a month", "occupancy_peak": "Occupancy, busiest interval",
    "longest_work_run": "Longest run of work", "workload_spread": "Spread of work across agents",
    "wellbeing_index": "Staff wellbeing (proxy)", "breaks_late": "Breaks started late",
    "break_lost_mean": "Break time lost",
    "churn_proxy": "Churn (proxy)", "value_lost": "Customer value lost (proxy)",
    "rework_rate": "Rework rate", "defect_rate": "Defect rate", "detection_rate": "Detection rate (inspection)",
    "recontact_rate": "Repeat-contact rate", "fcr": "First-contact resolution",
    "repeat_contacts": "Repeat contacts", "retrial_contacts": "Retrials after abandoning",
    "callback_rate": "Call-back rate", "containment_rate": "Containment rate",
    "satisfaction_mean": "Satisfaction proxy (1-5)", "satisfied_share": "Satisfied (proxy 4 or more)",
    "cost_staff": "Staff cost", "cost_automation": "Automation cost", "cost_training": "Training cost",
    "cost_total": "Total cost", "cost_per_contact": "Cost per completed contact",
}
UNITS = {"share": "%", "duration": "minutes", "money": "currency", "score": "1-5", "count": ""}


def kpi_label(metric: str, with_unit: bool = False) -> str:
    """The KPI's name as practitioners say it (and, with ``with_unit``, its unit in brackets)."""
    from simulator.i18n import kpi_name

    label = kpi_name(metric) or LABELS.get(metric, metric.replace("_", " ").capitalize())
    kind = KPI_BY_NAME[metric].kind if metric in KPI_BY_NAME else "count"
    return f"{label} ({UNITS[kind]})" if with_unit and UNITS.get(kind) else label


def markdown_table() -> str:
    """The catalogue as the Markdown table in docs/kpis.md (``servicesim kpis --markdown`` prints it)."""
    rows = [f"| `{kpi.name}` | {kpi.kind} | {', '.join(sorted(kpi.scopes))} | {kpi.definition} |" for kpi in KPIS]
    return "\n".join(["| KPI | kind | scopes | definition |", "| --- | --- | --- | --- |", *rows]) + "\n"
