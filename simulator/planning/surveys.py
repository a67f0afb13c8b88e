"""The satisfaction proxy fitted to survey answers (docs/satisfaction.md, "Calibrating to survey data").

Each surveyed contact's proxy components are computed from the log as the simulation computes them:
responsiveness from its wait against the channel's tolerance, reliability (1; ``repeat_reliability`` for a
logged repeat), assurance from the level of the agent who answered (their pool's level for the skill,
level 3 when the agent is not known). Components the log cannot vary (no repeats logged, agents of one
level) cannot be told apart: they enter as one column and its coefficient is split in the base
scenario's proportions. The rescaled score, (score - 1) / 4, is regressed on the components by non-negative
least squares without intercept (scipy.optimize.nnls); the coefficients, normalised, are the weights.
Each channel's tolerance is chosen on a grid (a quarter to four times the current one) as the one that
fits best; ``abandoned`` is the abandoners' mean score.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from simulator.data.history import ContactLog
from simulator.errors import InputError
from simulator.scenario.model import Scenario

TOLERANCE_GRID = np.geomspace(0.25, 4, 17)


def _responsiveness(wait_min: np.ndarray, tolerance: np.ndarray) -> np.ndarray:
    return np.clip(1 - (wait_min - tolerance) / (2 * tolerance), 0, 1)


def fit_satisfaction(scenario: Scenario, log: ContactLog, surveys: pd.DataFrame) -> dict:
    frame = log.frame
    if "contact_id" not in frame:
        raise InputError("--surveys needs a contact_id column in the log, to join the answers to contacts")
    joined = surveys.merge(frame.assign(contact_id=frame["contact_id"].astype(str)), on="contact_id", how="inner")
    if len(joined) < 20:
        raise InputError(f"only {len(joined)} survey answers match a contact of the log (need 20 or more)")
    settings = scenario.satisfaction
    abandoned = joined["outcome"].eq("abandoned").to_numpy()
    served = joined[~abandoned & joined["outcome"].isin(["answered", "contained"])]
    score = (served["score"].to_numpy() - 1) / 4
    wait = served["wait_s"].to_numpy(dtype=float) / 60
    channels = served["channel"].astype(str).to_numpy() if "channel" in served else np.full(len(served), "")
    reliability = np.where(served["repeat"].fillna(0).to_numpy() > 0, settings.repeat_reliability, 1.0) \
        if "repeat" in served else np.ones(len(served))
    assurance = _assurance(scenario, served)
    # components the log cannot vary (no repeats, one level of agent) cannot be told apart: they enter as
    # one column, their coefficient split in the base scenario's proportions
    merge = reliability.std() < 1e-9 and assurance.std() < 1e-9
    split = np.array([settings.reliability, settings.assurance]) / (settings.reliability + settings.assurance)
    best = None
    tolerances = {c: settings.tolerance_of(c) for c in np.unique(channels)}
    for channel in tolerances:   # each channel's tolerance in turn, the others held
        for factor in TOLERANCE_GRID:
            trial = dict(tolerances, **{channel: settings.tolerance_of(channel) * factor})
            tol = np.array([trial[c] for c in channels])
            design = np.column_stack([_responsiveness(wait, tol), reliability, assurance])
            if merge:
                merged = design[:, 1:] @ split
                pair, residual = nnls(np.column_stack([design[:, 0], merged]), score)
                coefficients = np.array([pair[0], pair[1] * split[0], pair[1] * split[1]])
            else:
                coefficients, residual = nnls(design, score)
            if best is None or residual < best[0]:
                best = (residual, trial, coefficients, design)
        tolerances = best[1]
    residual, tolerances, coefficients, design = best
    predicted = design @ coefficients
    total = float(np.sum((score - score.mean()) ** 2))
    r_squared = 1 - float(np.sum((score - predicted) ** 2)) / total if total > 0 else float("nan")
    weights = coefficients / coefficients.sum() if coefficients.sum() > 0 else np.array([0.4, 0.4, 0.2])
    abandoned_score = float(joined.loc[abandoned, "score"].mean()) if abandoned.any() else settings.abandoned
    return {"surveys": int(len(joined)), "merged_reliability_and_assurance": bool(merge),
            "served": int(len(served)), "abandoned_surveys": int(abandoned.sum()),
            "r_squared": round(r_squared, 4), "coefficients": [round(float(c), 4) for c in coefficients],
            "settings": {"tolerance": {c: f"{t:.3g}min" for c, t in tolerances.items() if c},
                         "weights": {"responsiveness": round(float(weights[0]), 3),
                                     "reliability": round(float(weights[1]), 3),
                                     "assurance": round(float(weights[2]), 3)},
                         "abandoned": round(abandoned_score, 3)}}


def _assurance(scenario: Scenario, served: pd.DataFrame) -> np.ndarray:
    levels = {p.name: (max(level for _, level in p.skills) if p.skills else 3) for p in scenario.staff}
    if "agent" not in served:
        return np.full(len(served), 0.5)
    pools = served["agent"].astype(str).str.rsplit("-", n=1).str[0]
    return ((pools.map(levels).fillna(3).to_numpy(dtype=float) - 1) / 4)
