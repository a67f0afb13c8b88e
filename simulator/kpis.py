"""The catalogue of KPIs: one name, kind and definition each (docs/kpis.md explains them).

The catalogue is plain data so that the scenario (targets), the metrics, the
console table and the docs all use exactly the same names.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kpi:
    name: str
    kind: str          # "count", "share" (0..1), "duration" (minutes), "money", "score" (1..5)
    better: str        # "higher", "lower" or "" (neither: a volume)
    definition: str


KPIS: tuple[Kpi, ...] = (
    Kpi("offered", "count", "", "contacts that arrived after the warm-up"),
    Kpi("answered", "count", "higher",
        "offered contacts that reached the start of their first service, by a person or a bot"),
    Kpi("abandoned", "count", "lower",
        "offered contacts that gave up while on hold, before a person served them (patience ran out)"),
    Kpi("abandon_rate", "share", "lower", "abandoned / offered"),
    Kpi("unfinished", "count", "lower",
        "offered contacts still in the system when the simulation ended (nobody on duty could serve them)"),
    Kpi("wait_mean", "duration", "lower",
        "mean speed of answer: arrival to the start of the first service, over answered contacts"),
    Kpi("wait_p50", "duration", "lower", "median speed of answer over answered contacts"),
    Kpi("wait_p90", "duration", "lower", "90th percentile of the speed of answer"),
    Kpi("wait_p95", "duration", "lower", "95th percentile of the speed of answer"),
    Kpi("service_level", "share", "higher",
        "answered within the threshold / (answered + abandoned without being answered)"),
    Kpi("queue_time_mean", "duration", "lower",
        "mean time spent waiting in queues over all steps, over every offered contact that left "
        "(an abandoner's wait included)"),
    Kpi("time_in_system_mean", "duration", "lower",
        "mean time from arrival to departure (completion or abandonment), over every offered "
        "contact that left"),
    Kpi("utilisation", "share", "",
        "busy agent-time / staffed agent-time after the warm-up, within the opening hours (an agent holding "
        "any chat is busy)"),
    Kpi("slot_utilisation", "share", "",
        "busy slot-time / staffed slot-time: a contact of a channel where agents hold k at once (chat) "
        "counts 1/k of an agent; shown when a channel has concurrency"),
    Kpi("error_rate", "share", "lower",
        "completed contacts with at least one error reaching the customer / completed contacts"),
    Kpi("rework_rate", "share", "lower", "completed contacts with at least one step redone / completed contacts"),
    Kpi("recontact_rate", "share", "lower",
        "completed contacts whose error brings the customer back / completed contacts"),
    Kpi("fcr", "share", "higher",
        "first-contact resolution: completed first contacts (not repeats) with no error reaching the customer "
        "and no recontact / completed first contacts"),
    Kpi("repeat_contacts", "count", "lower", "offered contacts that are customers coming back after an error"),
    Kpi("retrial_contacts", "count", "lower", "offered contacts that are customers trying again after abandoning"),
    Kpi("callback_rate", "share", "", "offered contacts that took a call back instead of waiting on the line"),
    Kpi("containment_rate", "share", "higher",
        "contacts resolved by an automation step / contacts that went through an automation step"),
    Kpi("satisfaction_mean", "score", "higher",
        "mean satisfaction proxy (1 to 5) over contacts that left: see docs/satisfaction.md"),
    Kpi("satisfied_share", "share", "higher", "contacts that left with a satisfaction proxy of 4 or more"),
    Kpi("backlog_end", "count", "lower",
        "deferrable contacts (email, back office) offered but not yet answered at the last closing time"),
    Kpi("response_within_target", "share", "higher",
        "deferrable contacts answered within the channel's response_target / deferrable contacts offered"),
    Kpi("cost_staff", "money", "lower",
        "paid staff hours after the warm-up (breaks and absences included) x cost_per_hour"),
    Kpi("cost_automation", "money", "lower", "contacts handled by each automation x its cost_per_contact"),
    Kpi("cost_training", "money", "lower", "trainees of each course x its cost_per_person"),
    Kpi("cost_total", "money", "lower", "cost_staff + cost_automation + cost_training"),
    Kpi("cost_per_contact", "money", "lower", "cost_total / completed contacts"),
)

KPI_BY_NAME: dict[str, Kpi] = {kpi.name: kpi for kpi in KPIS}

# Words a planner may use in `targets:` for a KPI name.
TARGET_ALIASES: dict[str, str] = {"abandonment": "abandon_rate", "wait": "wait_mean"}

DEFAULT_SERVICE_LEVEL_THRESHOLD = 20 / 60  # minutes: 80/20 is the industry's default phrasing


def markdown_table() -> str:
    """The catalogue as the Markdown table in docs/kpis.md (``servicesim kpis --markdown`` prints it)."""
    rows = [f"| `{kpi.name}` | {kpi.kind} | {kpi.definition} |" for kpi in KPIS]
    return "\n".join(["| KPI | kind | definition |", "| --- | --- | --- |", *rows]) + "\n"
