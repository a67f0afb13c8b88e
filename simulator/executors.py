"""Where replications run: in this process, or spread over local processes.

Every replication depends only on the scenario and its own number, so where it
runs changes nothing: results are collected in task order and are identical to a
run in one process. Local processes use the standard library's
``ProcessPoolExecutor`` (the platform's default start method; nothing is changed
process-wide).
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable

from simulator.replication import ReplicationOutput, run_replication
from simulator.scenario.model import Scenario

Task = tuple[Scenario, int, bool]   # (scenario, replication number, keep the full record)


def default_jobs() -> int:
    """All the machine's cores."""
    return os.cpu_count() or 1


def run_tasks(tasks: list[Task], jobs: int = 1,
              progress: Callable[[int], None] | None = None) -> list[ReplicationOutput]:
    """Run every task, on ``jobs`` local processes when more than one; results in task order."""
    if jobs <= 1 or len(tasks) <= 1:
        outputs = []
        for task in tasks:
            outputs.append(run_replication(*task))
            if progress is not None:
                progress(1)
        return outputs
    with ProcessPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
        futures = [pool.submit(run_replication, *task) for task in tasks]
        if progress is not None:
            for _ in as_completed(futures):
                progress(1)
        return [future.result() for future in futures]
