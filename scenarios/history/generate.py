"""Write the shipped history files from truth.yaml (run from the project root: python scenarios/history/generate.py).

- volumes.csv: contacts offered per 15 minutes and channel over twelve weeks (what a WFM system exports);
- contact_log.csv.gz: one row per contact of the last two weeks (what an ACD exports);
- surveys.csv: survey answers (1-5) for one contact in five of the log, from a known satisfaction rule:
  responsiveness weight 0.5 with a phone tolerance of 40 s (chat 2 min), abandoned callers scoring 1.5.

The files are generated, not real; docs/forecasting.md runs the planning loop on them and on a real bank's
call volumes (benchmarks/forecast_bank_calls.py).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from simulator.experiment import run_scenario
from simulator.output import contact_log
from simulator.scenario import load_scenario

HERE = Path(__file__).resolve().parent
LOG_DAYS = 10


def surveys(log: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    chosen = log.sample(frac=0.2, random_state=7)
    tolerance = np.where(chosen["channel"].eq("phone"), 40 / 60, 2.0)
    wait = chosen["wait_s"].to_numpy() / 60
    responsiveness = np.clip(1 - (wait - tolerance) / (2 * tolerance), 0, 1)
    served = 1 + 4 * (0.5 * responsiveness + 0.5 * 0.85) + rng.normal(0, 0.5, len(chosen))
    score = np.where(chosen["outcome"].eq("abandoned"), 1.5 + rng.normal(0, 0.5, len(chosen)), served)
    return pd.DataFrame({"contact_id": chosen["contact_id"].to_numpy(),
                         "score": np.clip(np.rint(score), 1, 5).astype(int)}).sort_values("contact_id")


def main() -> None:
    truth = run_scenario(load_scenario(HERE / "truth.yaml"), keep_tables=True)
    log = contact_log(truth)
    log["arrival"] = pd.to_datetime(log["arrival"])
    start = log["arrival"].dt.floor("15min")
    volumes = (log.assign(start=start).groupby(["start", "channel"]).size().rename("volume").reset_index()
               .sort_values(["start", "channel"]))
    volumes["start"] = volumes["start"].dt.strftime("%Y-%m-%d %H:%M")
    volumes[["start", "channel", "volume"]].to_csv(HERE / "volumes.csv", index=False)
    dates = sorted(log["arrival"].dt.date.unique())
    recent = log[log["arrival"].dt.date >= dates[-LOG_DAYS]].copy()
    recent["arrival"] = recent["arrival"].dt.strftime("%Y-%m-%d %H:%M:%S")
    recent.to_csv(HERE / "contact_log.csv.gz", index=False, compression="gzip")
    surveys(recent, np.random.default_rng(5)).to_csv(HERE / "surveys.csv", index=False)
    print(f"volumes.csv: {len(volumes)} rows, {dates[0]} to {dates[-1]}; contact_log.csv.gz: {len(recent)} contacts "
          f"from {dates[-LOG_DAYS]}; surveys.csv")


if __name__ == "__main__":
    main()
