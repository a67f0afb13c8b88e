"""Where replications run: in this process, on local processes, or on a Dask cluster.

Every replication depends only on the scenario and its own number, so where it
runs changes nothing: results are collected in task order and are identical to a
run in one process. Local processes use the standard library's
``ProcessPoolExecutor`` (the platform's default start method; nothing is changed
process-wide); several machines use Dask's distributed scheduler (``pip install
"servicesim[cluster]"``), on a cluster at an address or on a local one it starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

from simulator.errors import InputError, SimulatorError

if TYPE_CHECKING:   # the model (and pandas) load when replications run, not when the command line starts
    from simulator.replication import ReplicationOutput
    from simulator.scenario.model import Scenario  # noqa: F401 (in the Task alias)

Task = tuple["Scenario", int, bool]   # (scenario, replication number, keep the full record)


def default_jobs() -> int:
    """All the machine's cores, or ``SERVICESIM_JOBS`` when set (a shared machine, or a test run that
    already keeps every core busy)."""
    given = os.environ.get("SERVICESIM_JOBS", "").strip()
    if given:
        if not given.isdigit() or int(given) < 1:
            raise InputError(f"SERVICESIM_JOBS must be a whole number >= 1, got {given!r}")
        return int(given)
    return os.cpu_count() or 1


EXECUTORS = ("local", "dask")


def give_back_freed_memory() -> None:
    """Return the memory a finished replication freed to the operating system (glibc's ``malloc_trim``).

    A replication's records are many blocks of a few MB; once freed, glibc keeps them for reuse rather
    than returning them, so pandas, loaded after the replications to summarise them, would sit on top of
    memory nobody uses (50 MB of a 200,000-customer run's peak). Elsewhere (macOS, musl) nothing happens."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL(None).malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM = None


@dataclass(frozen=True)
class Engine:
    """Where to run: ``local`` on ``jobs`` processes, or ``dask`` at ``address`` (a local cluster of
    ``jobs`` workers when there is none)."""

    kind: str = "local"
    jobs: int = 1
    address: str | None = None


def run_tasks(tasks: list[Task], jobs: int | Engine = 1, progress: Callable[[int], None] | None = None,
              on_output: Callable[[ReplicationOutput], None] | None = None) -> list[ReplicationOutput]:
    """Run every task where ``jobs`` says (a number of local processes, or an Engine); results in task
    order, identical wherever they ran. ``on_output`` is given each output in this process as soon as it
    arrives (in any order), before ``progress`` hears of it: a spool writes and drops its records there."""
    from simulator.replication import run_replication

    engine = jobs if isinstance(jobs, Engine) else Engine("local", jobs)

    def arrived(output: ReplicationOutput) -> None:
        if on_output is not None:
            on_output(output)
        if progress is not None:
            progress(1)

    if engine.kind == "dask":
        return _on_dask(tasks, engine, arrived)
    jobs = engine.jobs
    if jobs <= 1 or len(tasks) <= 1:
        outputs = []
        for task in tasks:
            outputs.append(run_replication(*task))
            give_back_freed_memory()
            arrived(outputs[-1])
        return outputs
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(tasks)), initializer=_worker_signals)
    try:
        with _signals_held():   # the workers are forked as the first tasks are submitted
            futures = [pool.submit(run_replication, *task) for task in tasks]
        for future in as_completed(futures):
            arrived(future.result())
        outputs = [future.result() for future in futures]
    except BaseException:   # Ctrl-C, SIGTERM or a failure: stop now, not after the queued replications
        _stop(pool)
        raise
    pool.shutdown()
    return outputs


_shared: object = None   # what map_locally's workers were given: one copy per worker, not one per item


def map_locally(function: Callable[[object, object], object], items: list, shared: object = None,
                jobs: int | None = None) -> list:
    """``function(shared, item)`` for every item, on up to ``jobs`` local processes (default: every core);
    results in item order. Workers are forked where the platform can, so they start with what this
    process has imported and ``shared`` without pickling either; ``function`` must be a module-level
    function. Interrupts stop the workers as :func:`run_tasks` does. Used to draw a chart set in parallel
    (not while other threads run: then here, in turn)."""
    import multiprocessing
    import threading

    jobs = min(jobs or default_jobs(), len(items))
    methods = multiprocessing.get_all_start_methods()
    forks = "fork" in methods and sys.platform != "darwin"
    # a process forked while other threads run (a Dask client leaves one) can inherit a lock one of them
    # held, and hang on it: then the items are done here, one after another
    if jobs <= 1 or (forks and threading.active_count() > 1):
        return [function(shared, item) for item in items]
    context = multiprocessing.get_context("fork" if forks else None)
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_take_shared, initargs=(shared,))
    try:
        with _signals_held():
            futures = [pool.submit(_call_with_shared, function, item) for item in items]
        results = [future.result() for future in futures]
    except BaseException:
        _stop(pool)
        raise
    pool.shutdown()
    return results


def _take_shared(shared: object) -> None:
    global _shared
    _worker_signals()
    _shared = shared


def _call_with_shared(function: Callable[[object, object], object], item: object) -> object:
    return function(_shared, item)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Cancel what is queued and end the workers at once (a replication in progress is not waited for),
    with further Ctrl-C ignored meanwhile, so a second one cannot interrupt the clean-up and hang."""
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        workers = list((getattr(pool, "_processes", None) or {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for worker in workers:
            if worker.is_alive():
                worker.terminate()
        deadline = time.monotonic() + 1.0   # a worker caught before its signal set-up may not die of SIGTERM
        for worker in workers:
            worker.join(timeout=max(deadline - time.monotonic(), 0.0))
        for worker in workers:
            if worker.is_alive():
                worker.kill()
                worker.join(timeout=1.0)
    finally:
        signal.signal(signal.SIGINT, previous)


STOPPING = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}


@contextlib.contextmanager
def _signals_held():
    """Ctrl-C, SIGTERM and SIGHUP held back while workers are forked (delivered at the end): a signal
    that lands inside fork's own clean-up is otherwise swallowed there, with a traceback on stderr, and
    a worker forked with the parent's handlers could not be stopped at once."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, STOPPING)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _worker_signals() -> None:
    """Workers leave Ctrl-C to the parent (which stops the run), end on SIGTERM, and, on Linux, are sent
    SIGTERM when the parent dies, however it dies: no worker outlives the command."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):   # forked while the parent held them back (_signals_held)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, STOPPING)
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, int(signal.SIGTERM))   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _on_dask(tasks: list[Task], engine: Engine, arrived: Callable[[ReplicationOutput], None]) -> list[ReplicationOutput]:
    from simulator.replication import run_replication

    try:
        from distributed import Client, LocalCluster, as_completed as dask_completed
    except ImportError:
        raise SimulatorError('--executor dask needs Dask: pip install "servicesim[cluster]"') from None
    cluster = None
    try:
        if engine.address:
            client = Client(engine.address, timeout="20s")
        else:
            cluster = LocalCluster(n_workers=max(engine.jobs, 1), threads_per_worker=1, processes=True,
                                   dashboard_address=None)
            client = Client(cluster)
    except OSError as exc:
        raise InputError(f"--address {engine.address}: cannot reach a Dask scheduler there ({exc})") from None
    try:
        futures = [client.submit(run_replication, *task, pure=False) for task in tasks]
        try:
            outputs = {}
            for future in dask_completed(futures):
                output = future.result()
                outputs[future.key] = output
                arrived(output)
            return [outputs[future.key] for future in futures]
        except BaseException:   # Ctrl-C or SIGTERM: the cluster drops what is queued
            client.cancel(futures)
            raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
