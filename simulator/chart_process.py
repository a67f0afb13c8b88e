"""A run's charts, drawn by a process that got ready while the replications ran.

Drawing a run's charts needs matplotlib: over half a second of imports and font set-up before the first
line is drawn, more than half the issue's budget for a whole chart set. So ``servicesim run`` forks a
chart process as it starts; it loads matplotlib, and warms its text layout, while the replications run.
The charts read the run's tables (:class:`simulator.columns.Table`), not DataFrames, so the process
never imports pandas (another 0.4 s and 70 MB). When the run is summarised, the process is handed the
result and draws the charts (on every core: :func:`simulator.charts.run_charts`) while this process
writes the CSV files, then hands back the paths. A chart set then costs what drawing it costs. Charts
that read nothing but the scenario (the agent timeline, which simulates replication 1's first day
again) need not wait for the results: once the command has its scenario, :meth:`ChartProcess.preview`
hands it over and they are drawn as soon as the process is ready, while the replications run.

The chart process leaves Ctrl-C to the command (which ends it), ends on SIGTERM and dies with its
parent (:func:`simulator.executors._worker_signals`). Where processes cannot be forked (macOS, Windows),
the charts are drawn here, as before.
"""

from __future__ import annotations

import multiprocessing
import pickle
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from simulator.errors import SimulatorError

if TYPE_CHECKING:
    from simulator.experiment import RunResult
    from simulator.scenario import Scenario


class ChartProcess:
    """The process that draws a run's charts: :meth:`preview` hands it the scenario (optional),
    :meth:`start` the result, :meth:`paths` waits for the charts; :meth:`close` (or leaving the ``with``
    block) ends it whatever happened, and removes what it drew ahead."""

    def __init__(self):
        from simulator.executors import _signals_held

        context = multiprocessing.get_context("fork")
        self._connection, theirs = context.Pipe()
        with _signals_held():
            self._process = context.Process(target=_serve, args=(theirs,), name="servicesim-charts")
            self._process.start()
        theirs.close()
        self._drawing = False
        self._ahead: Path | None = None

    def preview(self, scenario: Scenario) -> None:
        """Hand over the scenario as it will be run (its seed and replications set): the charts that read
        only the scenario are drawn from now on, into a folder of their own (the results folder does not
        exist yet). Call it at most once, before :meth:`start`."""
        from simulator.chart_formats import chart_formats
        from simulator.i18n import language

        self._ahead = Path(tempfile.mkdtemp(prefix=".servicesim-charts-"))
        # the scenario goes through a file: a large one could fill the pipe, and this process would
        # wait for the chart process to finish getting ready before it could simulate
        (self._ahead / "scenario.pickle").write_bytes(pickle.dumps(scenario, protocol=pickle.HIGHEST_PROTOCOL))
        self._connection.send_bytes(pickle.dumps(("scenario", self._ahead, chart_formats(), language())))

    def start(self, result: RunResult, folder: Path) -> None:
        """Hand over the result: the charts are drawn into ``folder`` from now on."""
        from simulator.chart_formats import chart_formats
        from simulator.i18n import language

        slim = _without_records(result)
        self._connection.send_bytes(pickle.dumps(("result", slim, Path(folder), chart_formats(), language()),
                                                 protocol=pickle.HIGHEST_PROTOCOL))
        self._drawing = True

    def paths(self) -> list[Path]:
        """Wait for the charts (their paths, in the order of :data:`simulator.charts.RUN_CHARTS`); a
        failure in the chart process is raised here."""
        if not self._drawing:
            raise SimulatorError("the chart process was given nothing to draw")
        while not self._connection.poll(0.05):   # short waits: Ctrl-C is handled at once
            if not self._process.is_alive():
                raise SimulatorError("the chart process ended without drawing the charts")
        drawn, value = pickle.loads(self._connection.recv_bytes())
        self._drawing = False
        if not drawn:
            raise value
        return value

    def close(self) -> None:
        """End the process (at once if it is still drawing: an interrupted run leaves nothing running)."""
        try:
            self._connection.close()
        except OSError:
            pass
        process = self._process
        if process.is_alive():
            process.terminate()
            process.join(timeout=1.0)
            if process.is_alive():
                process.kill()
                process.join(timeout=1.0)
        else:
            process.join(timeout=1.0)
        if self._ahead is not None:   # what was drawn ahead and not moved into a results folder
            shutil.rmtree(self._ahead, ignore_errors=True)

    def __enter__(self) -> "ChartProcess":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def chart_process(charts: bool) -> ChartProcess | None:
    """A chart process getting ready, when charts are to be drawn and this platform can fork one."""
    if not charts or sys.platform in ("darwin", "win32") or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ChartProcess()


def _without_records(result: RunResult) -> RunResult:
    """The result without what charts never read (each replication's rows, the DataFrames built so far):
    the tables are sent, and DataFrames are built over there."""
    import dataclasses

    return dataclasses.replace(result, outputs=[], _frames={})


def _serve(connection) -> None:
    """In the chart process: get ready, draw ahead what the scenario allows when it comes, wait for the
    result, draw its charts, send back their paths."""
    from simulator.executors import _worker_signals

    _worker_signals()
    _get_ready()
    ahead = None
    try:
        message = pickle.loads(connection.recv_bytes())
        if message[0] == "scenario":
            ahead = _DrawnAhead(*message[1:])
            message = pickle.loads(connection.recv_bytes())
    except (EOFError, OSError):   # the run failed or was stopped before it had a result
        if ahead is not None:
            ahead.stop()
        return
    try:
        _, result, folder, formats, language = message
        from simulator.charts import run_charts

        _use(formats, language)
        if ahead is not None and ahead.scenario != result.scenario:   # an automatic warm-up changed it
            ahead.stop()
            ahead = None
        answer = (True, run_charts(result, folder, ahead=ahead.wait if ahead is not None else None))
    except BaseException as exc:   # noqa: BLE001 (handed to the command, which raises it)
        answer = (False, exc if _picklable(exc) else SimulatorError(f"drawing the charts failed: {exc!r}"))
    finally:
        if ahead is not None:
            ahead.stop()
    try:
        connection.send_bytes(pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL))
    except (BrokenPipeError, OSError):
        pass


class _DrawnAhead:
    """In the chart process: the charts that read only the scenario, drawn by a process of their own
    (forked: it starts warm) into ``folder`` while the replications run and, later, while the other
    charts are drawn."""

    def __init__(self, folder: Path, formats: tuple[str, ...], language: str):
        self.scenario = pickle.loads((folder / "scenario.pickle").read_bytes())
        context = multiprocessing.get_context("fork")
        self._connection, theirs = context.Pipe(duplex=False)
        self._process = context.Process(target=_draw_ahead, args=(theirs, self.scenario, folder, formats, language),
                                        name="servicesim-charts-ahead")
        self._process.start()
        theirs.close()

    def wait(self) -> dict[str, list[Path]]:
        """The charts' files by name; none if drawing them failed (they are drawn again, and fail there)."""
        while not self._connection.poll(0.05):
            if not self._process.is_alive() and not self._connection.poll(0):
                return {}
        try:
            return pickle.loads(self._connection.recv_bytes())
        except (EOFError, OSError):
            return {}

    def stop(self) -> None:
        if self._process.is_alive():
            self._process.terminate()
        self._process.join(timeout=1.0)
        self._connection.close()


def _draw_ahead(connection, scenario: Scenario, folder: Path, formats: tuple[str, ...], language: str) -> None:
    from simulator.charts import scenario_charts
    from simulator.executors import _worker_signals

    _worker_signals()
    _use(formats, language)
    try:
        drawn = scenario_charts(scenario, folder)
    except Exception:   # noqa: BLE001 (drawn again with the other charts, where the failure is reported)
        drawn = {}
    connection.send_bytes(pickle.dumps(drawn, protocol=pickle.HIGHEST_PROTOCOL))


def _use(formats: tuple[str, ...], language: str) -> None:
    """The command's chart formats and language, in the chart process."""
    from simulator.chart_formats import set_chart_formats
    from simulator.i18n import set_language

    set_chart_formats("svg" in formats)
    set_language(language)


def _get_ready() -> None:
    """Import what the charts need (matplotlib, not pandas: a run's charts read its tables) and lay out
    some text once (matplotlib's font cache and text engine load on first use), so the chart workers
    forked later start warm."""
    import io

    import matplotlib
    import matplotlib.artist

    # matplotlib builds the docstring of every Artist class's set() as it defines the class, a fifth of
    # its import time; nobody reads a docstring in this process, or in those forked from it
    matplotlib.artist.kwdoc = lambda artist: ""
    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    import simulator.charts  # noqa: F401
    import simulator.snapshots  # noqa: F401 (the agent timeline simulates replication 1's first day)
    import simulator.views  # noqa: F401

    figure = Figure(figsize=(2, 1), dpi=50, layout="constrained")
    FigureCanvasAgg(figure)
    axis = figure.add_subplot()
    axis.plot([0, 1], [0, 1], label="ready")
    axis.set_title("ready")
    axis.legend()
    figure.savefig(io.BytesIO(), format="png")


def _picklable(value: object) -> bool:
    try:
        pickle.dumps(value)
    except Exception:   # noqa: BLE001
        return False
    return True
