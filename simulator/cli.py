"""The ``servicesim`` command line: a thin layer over :mod:`simulator.experiment`.

Every user error is a :class:`~simulator.errors.SimulatorError`; it is printed
as a message (no traceback) and sets the exit code: 2 for bad input, 1 for a
failure while running.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from typing import Callable
from pathlib import Path

import click

from simulator import __version__
from simulator.errors import InputError, SimulatorError, Terminated
from simulator.executors import default_jobs
from simulator.scenario.reader import MAX_REPLICATIONS


class _CleanErrors(click.Group):
    """Turn SimulatorError into a message and an exit code; anything else is a failure (exit 1)."""

    def invoke(self, ctx: click.Context):
        try:
            with _end_cleanly_on(signal.SIGTERM, signal.SIGHUP):
                return super().invoke(ctx)
        except SimulatorError as exc:
            click.echo(f"error: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:  # the reader went away (`servicesim run ... | head`): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(1)
        except KeyboardInterrupt:
            signal.signal(signal.SIGINT, signal.SIG_IGN)   # a second Ctrl-C while exiting changes nothing
            click.echo("interrupted; no results were written", err=True)
            _leave_now(ctx, 130)
        except Terminated as stop:
            click.echo(f"stopped by {signal.Signals(stop.signum).name}; no results were written", err=True)
            _leave_now(ctx, 128 + stop.signum)
        except Exception as exc:  # a failure while running: say what, without a traceback
            click.echo(f"error: the run failed: {type(exc).__name__}: {exc}", err=True)
            ctx.exit(1)


_PROGRAM = False   # True when this process is the `servicesim` program (not a command invoked from Python)


def _leave_now(ctx: click.Context, code: int) -> None:
    """End a stopped command. The program leaves at once, as a stopped program should: everything it
    wrote is cleaned up by then (results appear whole or not at all), and Python's exit would otherwise
    wait for the process pool's manager thread, which a signal during the pool's start can leave blocked
    (seen once in some hundred stops under load). Called from Python (tests, notebooks), it exits as
    click does."""
    if _PROGRAM:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    ctx.exit(code)


def program() -> None:
    """The ``servicesim`` program (the console script, and ``python -m simulator.cli``)."""
    global _PROGRAM
    _PROGRAM = True
    main()


@click.group(cls=_CleanErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="servicesim")
@click.option("--lang", type=click.Choice(["en", "ko"]), default=None, envvar="SERVICESIM_LANG",
              help="Language of the console, report, charts, animation and lesson sheets: en (default) or ko "
                   "(Korean). KPI code names, files and columns stay as they are.")
def main(lang: str | None) -> None:
    """Simulate service delivery: staffing, waits, abandonment and utilisation, with confidence intervals."""
    from simulator.i18n import set_language

    set_language(lang or "en")


@contextlib.contextmanager
def _end_cleanly_on(*signals: signal.Signals):
    """While a command runs, SIGTERM and SIGHUP stop it as Ctrl-C does: work cancelled, workers ended,
    nothing half-written, and the exit code 128 + the signal's number. The previous handlers come back
    after it."""
    def stop(signum, frame):
        raise Terminated(signum)

    previous = {}
    for number in signals:
        try:
            previous[number] = signal.signal(number, stop)
        except (ValueError, OSError):   # not the main thread (a test runner's), or no such signal here
            pass
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


SET_HELP = "Change the scenario before running: a dotted path and a YAML value (repeatable)."


def _overrides(assignments: tuple[str, ...]) -> dict:
    from simulator.scenario.overrides import parse_assignment

    return dict(parse_assignment(text) for text in assignments)


JOBS_HELP = "Processes (or Dask workers) to run replications on (default: all cores); results are identical."


def _engine(jobs: int | None, executor: str, address: str | None):
    from simulator.executors import Engine

    if address and executor != "dask":
        raise InputError("--address goes with --executor dask")
    return Engine(executor, jobs or default_jobs(), address)


def _svg_charts(context: click.Context, parameter: click.Parameter, svg: bool) -> None:
    from simulator.chart_formats import set_chart_formats

    set_chart_formats(svg)


def run_options(folder: str, with_json: bool = True, with_files: bool = True):
    """The options of every command that runs replications, declared once (``with_files``: the charts and
    report switches, for commands that write them)."""
    options = [
        click.option("--replications", "-r", type=click.IntRange(1, MAX_REPLICATIONS),
                     help="Override the scenario's replications (the baseline's, when comparing)."),
        click.option("--seed", "-s", type=click.IntRange(min=0), help="Override the scenario's seed."),
        click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("results"),
                     show_default=True, help=f"Folder that receives {folder}."),
        click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors (and the JSON, with --json)."),
        click.option("--set", "assignments", multiple=True, metavar="PATH=VALUE", help=SET_HELP),
        click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help=JOBS_HELP),
        click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
                     help="local processes, or a Dask cluster (a local one unless --address)."),
        click.option("--address", metavar="tcp://HOST:PORT",
                     help="With --executor dask: the scheduler of a running cluster."),
        click.option("--no-charts", "no_charts", is_flag=True, help="Write no charts."),
        click.option("--svg", is_flag=True, expose_value=False, callback=_svg_charts,
                     help="Write each chart as SVG too (beside the PNG), for slides and print."),
        click.option("--report", "with_report", is_flag=True, help="Also write report.html (self-contained)."),
    ]
    if not with_files:
        options = options[:-3]
    if with_json:
        options.insert(3, click.option("--json", "as_json", is_flag=True,
                                       help="Print the results as JSON on stdout (no table)."))

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command
    return decorate


@contextlib.contextmanager
def _progress(total: int, label: str, quiet: bool):
    """A progress bar on stderr (replications done, time left), shown only on a terminal and not --quiet."""
    if quiet or total < 2 or not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=total, label=label, file=sys.stderr, show_eta=True, show_pos=True) as bar:
        yield bar.update


def _search_counter(label: str) -> Callable[[int], None]:
    """Progress of a search whose number of runs is not known in advance: runs so far and time taken,
    on one line of stderr."""
    started, done = time.perf_counter(), []

    def count(runs: int) -> None:
        done.append(runs)
        click.echo(f"\r{label}: {len(done)} ({time.perf_counter() - started:.0f} s)", err=True, nl=False)
    return count


def _warn(scenario, quiet: bool) -> None:
    if not quiet:
        for warning in scenario.warnings:
            click.echo(f"warning: {warning}", err=True)


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@run_options("<scenario-slug>/<run-id>/")
@click.option("--contacts", is_flag=True, help="Also write contacts.csv.gz: every contact of every replication.")
def run(scenario_file: Path, replications: int | None, seed: int | None, out_dir: Path, as_json: bool,
        quiet: bool, assignments: tuple[str, ...], jobs: int | None, executor: str, address: str | None,
        no_charts: bool, with_report: bool, contacts: bool) -> None:
    """Run SCENARIO's replications, print its KPIs and write its results folder."""
    from simulator.chart_process import chart_process
    from simulator.experiment import run_scenario, with_overrides
    from simulator.scenario import load_scenario

    with contextlib.ExitStack() as stack:
        # first of all, the charts' process starts loading matplotlib (chart_process.py)
        painter = chart_process(not no_charts)
        if painter is not None:
            stack.enter_context(painter)
        scenario = load_scenario(scenario_file, _overrides(assignments))
        if painter is not None:   # the charts that need only the scenario are drawn during the run
            painter.preview(with_overrides(scenario, replications, seed))
        _warn(scenario, quiet or as_json)
        total = (replications or scenario.replications) * (2 if scenario.clock.warmup_auto else 1)
        # --contacts: each replication's records go to disk as it finishes, so memory holds one at a time
        if contacts:
            from simulator.output import ContactsSpool

            spool = stack.enter_context(ContactsSpool(scenario))
        else:
            spool = None
        with _progress(total, "replications", quiet or as_json) as progress:
            result = run_scenario(scenario, replications=replications, seed=seed, keep_tables=contacts,
                                  jobs=_engine(jobs, executor, address), progress=progress,
                                  on_output=spool.add if spool is not None else None)
        from simulator.output import run_json, write_results   # the write-up: after the simulation

        folder = write_results(result, out_dir, contacts=contacts, charts=not no_charts, report=with_report,
                               spool=spool, painter=painter)
    if as_json:
        click.echo(json.dumps(run_json(result, folder), indent=1))
    elif not quiet:
        from simulator.console import render_run

        click.echo(render_run(result))
        click.echo(f"\nResults: {folder}")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--set", "assignments", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
def validate(scenario_file: Path, assignments: tuple[str, ...]) -> None:
    """Check SCENARIO (and its variants) without running it; exit 2 and list every problem if invalid."""
    from simulator.capacity import capacity_flags
    from simulator.scenario import load_variants

    variants = load_variants(scenario_file, _overrides(assignments))
    scenario = variants["baseline"]
    _warn(scenario, False)
    streams = len(scenario.demand)
    agents = sum(p.headcount for p in scenario.staff)
    click.echo(f"{scenario_file}: valid. '{scenario.name}': {streams} demand stream{'s' * (streams != 1)}, "
               f"{len(scenario.processes)} process(es), {agents} staff in {len(scenario.staff)} pool(s).")
    if len(variants) > 1:
        click.echo(f"Variants: {', '.join(name for name in variants if name != 'baseline')}: valid.")
    from simulator.console import describe_service_level
    click.echo(describe_service_level(scenario))
    for flag in capacity_flags(scenario):
        click.echo(f"{'UNSTABLE' if flag.kind == 'unstable' else 'peak'}: {flag.message}")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.argument("others", metavar="[OTHER ...]", nargs=-1, type=click.Path(path_type=Path))
@run_options("<scenario-slug>/<run-id>-compare/")
def compare(scenario_file: Path, others: tuple[Path, ...], replications: int | None, seed: int | None,
            out_dir: Path, as_json: bool, quiet: bool, assignments: tuple[str, ...], jobs: int | None,
            executor: str, address: str | None, no_charts: bool, with_report: bool) -> None:
    """Compare SCENARIO's baseline with each of its variants (and any OTHER scenario files), on the same
    customers, by paired differences with 95% confidence intervals."""
    from simulator.console import render_comparison
    from simulator.experiment import compare_scenarios
    from simulator.output import write_comparison
    from simulator.scenario import load_scenario, load_variants

    overrides = _overrides(assignments)
    scenarios = load_variants(scenario_file, overrides)
    for other in others:
        name = other.stem if other.stem not in scenarios else f"{other.stem}-{len(scenarios)}"
        scenarios[name] = load_scenario(other, overrides)
    if len(scenarios) < 2:
        raise InputError(f"{scenario_file}: nothing to compare: give the scenario variants: or name other "
                         "scenario files")
    for scenario in scenarios.values():
        _warn(scenario, quiet or as_json)
    total = len(scenarios) * (replications or scenarios["baseline"].replications)
    with _progress(total, "scenarios x replications", quiet or as_json) as progress:
        comparison = compare_scenarios(scenarios, replications=replications, seed=seed,
                                       jobs=_engine(jobs, executor, address), progress=progress)
    folder = write_comparison(comparison, out_dir, charts=not no_charts, report=with_report)
    if as_json:
        from simulator.output import comparison_json
        click.echo(json.dumps(comparison_json(comparison, folder), indent=1))
    elif not quiet:
        click.echo(render_comparison(comparison))
        click.echo(f"\nResults: {folder}")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--vary", "varies", multiple=True, required=True, metavar="PATH=START:STOP[:STEP]|A,B,C",
              help="A parameter and its values (repeatable: several make a grid).")
@run_options("<scenario-slug>/<run-id>-sweep/")
def sweep(scenario_file: Path, varies: tuple[str, ...], replications: int | None, seed: int | None,
          out_dir: Path, as_json: bool, quiet: bool, assignments: tuple[str, ...], jobs: int | None,
          executor: str, address: str | None, no_charts: bool, with_report: bool) -> None:
    """Run SCENARIO at every point of a grid of parameter values, on the same customers; a row per point
    with every KPI and its 95% confidence interval."""
    from simulator.console import render_sweep
    from simulator.output import write_sweep
    from simulator.scenario import load_scenario
    from simulator.sweep import parse_vary, run_sweep

    grid = [parse_vary(text) for text in varies]
    base = load_scenario(scenario_file, _overrides(assignments))
    _warn(base, quiet or as_json)
    points = 1
    for _, values in grid:
        points *= len(values)
    with _progress(points * (replications or base.replications), "points x replications", quiet or as_json) as bar:
        result = run_sweep(scenario_file, grid, _overrides(assignments), replications, seed,
                           _engine(jobs, executor, address), bar)
    folder = write_sweep(result, out_dir, charts=not no_charts, report=with_report)
    if as_json:
        from simulator.output import sweep_json
        click.echo(json.dumps(sweep_json(result, folder), indent=1))
    elif not quiet:
        click.echo(render_sweep(result))
        click.echo(f"\nResults: {folder}")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--vary", "varies", multiple=True, required=True, metavar="PATH=START:STOP[:STEP]|A,B,C",
              help="A parameter and its values (repeatable: a slider each).")
@run_options("<scenario-slug>/<run-id>-explore/", with_json=False, with_files=False)
def explore(scenario_file: Path, varies: tuple[str, ...], replications: int | None, seed: int | None,
            out_dir: Path, quiet: bool, assignments: tuple[str, ...], jobs: int | None, executor: str,
            address: str | None) -> None:
    """Run a grid of parameter values on the same customers and write explorer.html: one self-contained
    page with a slider per parameter, the KPI table, the verdicts and charts following them."""
    from simulator.explorer import write_explorer
    from simulator.output import write_folder
    from simulator.scenario import load_scenario
    from simulator.sweep import parse_vary, run_sweep

    grid = [parse_vary(text) for text in varies]
    base = load_scenario(scenario_file, _overrides(assignments))
    _warn(base, quiet)
    points = 1
    for _, values in grid:
        points *= len(values)
    with _progress(points * (replications or base.replications), "points x replications", quiet) as bar:
        result = run_sweep(scenario_file, grid, _overrides(assignments), replications, seed,
                           _engine(jobs, executor, address), bar)

    def write(folder: Path) -> None:
        write_explorer(result, folder)
        result.table().to_csv(folder / "sweep.csv", index=False)
    folder = write_folder(out_dir, base.slug, "explore", write)
    if not quiet:
        click.echo(f"{base.name}: {points} settings simulated on the same customers")
        click.echo(f"\nExplorer: {folder / 'explorer.html'} (opens offline in any browser)")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--per-interval", is_flag=True, help="The requirement per reporting interval (one pool).")
@click.option("--pool", help="With --per-interval: the pool to vary (default: the first with a headcount).")
@click.option("--per-shift", is_flag=True,
              help="Vary each shift's count on its own (default: a pool's shifts are scaled together).")
@click.option("--around", type=click.IntRange(1, 20), metavar="N",
              help="Then run the answer's pool (--pool, or the first) from N below to N above it and lead with "
                   "each level's chance of meeting each target and its cost.")
@run_options("<scenario-slug>/<run-id>-staff/")
def staff(scenario_file: Path, per_interval: bool, pool: str | None, per_shift: bool, around: int | None,
          replications: int | None, seed: int | None,
          out_dir: Path, as_json: bool, quiet: bool, assignments: tuple[str, ...], jobs: int | None, executor: str,
          address: str | None, no_charts: bool, with_report: bool) -> None:
    """The fewest agents that meet every target (per pool, or per interval), beside Erlang C's answer. A
    pool with a headcount varies it; a pool in shifts varies its shifts' counts, scaled together (or each
    on its own with --per-shift)."""
    from simulator.output import write_staffing
    from simulator.scenario import load_scenario
    from simulator.planning.staffing import find_staffing

    base = load_scenario(scenario_file, _overrides(assignments))
    _warn(base, quiet)
    show = not quiet and not as_json and sys.stderr.isatty()
    staffing = find_staffing(scenario_file, _overrides(assignments), replications, seed,
                             _engine(jobs, executor, address), per_interval, pool,
                             _search_counter("candidates run") if show else None, per_shift)
    if show:
        click.echo("", err=True)
    if around is not None:
        if per_interval:
            raise InputError("--around looks around a headcount answer; it does not apply with --per-interval")
        from simulator.planning.staffing import around_answer
        staffing.around = around_answer(scenario_file, _overrides(assignments), staffing, around, pool, replications,
                                        seed, _engine(jobs, executor, address))
    folder = write_staffing(staffing, base, out_dir, charts=not no_charts, report=with_report)
    if as_json:
        from simulator.output import staffing_json
        click.echo(json.dumps(staffing_json(staffing, folder), indent=1))
    elif not quiet:
        from simulator.console import render_staffing
        click.echo(render_staffing(staffing, base, replications or base.replications))
        click.echo(f"\nResults: {folder}")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--pool", help="The pool to roster (default: the first).")
@run_options("<scenario-slug>/<run-id>-roster/")
def roster(scenario_file: Path, pool: str | None, replications: int | None, seed: int | None, out_dir: Path,
           as_json: bool, quiet: bool, assignments: tuple[str, ...], jobs: int | None, executor: str,
           address: str | None, no_charts: bool, with_report: bool) -> None:
    """Turn a pool's requirement per interval into shifts at least cost (the pool's shift_rules), simulate
    the roster and mend it until every interval meets its targets; write roster.yaml, a scenario that runs
    as it is."""
    from simulator.console import render_roster
    from simulator.output import roster_json, write_roster
    from simulator.planning.roster import plan_roster
    from simulator.scenario import load_scenario

    base = load_scenario(scenario_file, _overrides(assignments))
    _warn(base, quiet or as_json)
    show = not quiet and not as_json and sys.stderr.isatty()
    plan = plan_roster(scenario_file, _overrides(assignments), replications, seed, _engine(jobs, executor, address),
                       pool, _search_counter("runs (requirement, then roster)") if show else None)
    if show:
        click.echo("", err=True)
    folder = write_roster(plan, out_dir, charts=not no_charts, report=with_report)
    if as_json:
        click.echo(json.dumps(roster_json(plan, folder), indent=1))
    elif not quiet:
        click.echo(render_roster(plan, replications or base.replications))
        click.echo(f"\nResults: {folder}")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--variant", help="Trace one of the scenario's variants instead of the baseline.")
@click.option("--contacts", "-n", type=click.IntRange(min=1), default=20, show_default=True,
              help="Follow N contacts, the first to arrive from --from on (and their repeats).")
@click.option("--from", "start", metavar="HH:MM", help="Show events from this clock time.")
@click.option("--until", "end", metavar="HH:MM", help="Show events until this clock time.")
@click.option("--step", is_flag=True, help="Wait for Enter between events (for live demonstrations).")
@click.option("--log", "log_file", type=click.Path(path_type=Path), help="Also write the events as a CSV event log.")
@click.option("--set", "assignments", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
def trace(scenario_file: Path, variant: str | None, contacts: int, start: str | None, end: str | None, step: bool,
          log_file: Path | None, assignments: tuple[str, ...]) -> None:
    """Narrate the journey of contacts in plain language, with clock times (replication 1)."""
    from simulator.scenario import load_variants
    from simulator.trace import trace_scenario

    variants = load_variants(scenario_file, _overrides(assignments))
    scenario = _variant(variants, variant, "--variant")
    window = _window(scenario, start, end)
    result = trace_scenario(scenario, contacts, window[0], window[1])
    if result.log.empty:
        click.echo("No event of the contacts followed falls in that window.", err=True)
    if log_file is not None:
        result.log.to_csv(log_file, index=False)
    waiting = step
    for line in result.lines():
        click.echo(line)
        if waiting and not sys.stdin.readline():   # Enter for the next event; at the end of piped input, run on
            waiting = False


def _variant(variants: dict, name: str | None, option: str):
    """The scenario called ``name`` among a file's variants (the baseline when no name is given)."""
    name = name or "baseline"
    if name not in variants:
        others = ", ".join(v for v in variants if v != "baseline") or "none: the scenario has no variants"
        raise InputError(f"{option} {name}: expected one of {others}")
    return variants[name]


def _window(scenario, start: str | None, end: str | None, day: int = 1) -> list[float | None]:
    """--from and --until (clock times on ``day``) as minutes of simulated time; None where not given."""
    from simulator.units import UnitError, format_clock, parse_clock

    clock = scenario.clock
    if not 1 <= day <= clock.days:
        raise InputError(f"--day {day}: the scenario has {clock.days} day{'s' * (clock.days != 1)}")
    try:
        window = [parse_clock(t) - (clock.open_at or 0.0) if t else None for t in (start, end)]
    except UnitError as exc:
        raise InputError(f"--from/--until: {exc}") from None
    for option, value in zip(("--from", "--until"), window):
        if value is not None and not 0 <= value <= clock.day_length:
            opening = clock.open_at or 0.0
            raise InputError(f"{option}: must be within opening hours "
                             f"({format_clock(opening)}-{format_clock(opening + clock.day_length)})")
    if None not in window and window[1] <= window[0]:
        raise InputError("--until must be later than --from")
    return [None if value is None else value + (day - 1) * clock.day_length for value in window]


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--out", "out_file", type=click.Path(path_type=Path), required=True, metavar="FILE.gif",
              help="The animation to write: .gif (always), .html (the GIF in a player that pauses, steps and "
                   "scrubs; one self-contained page) or .mp4 (when ffmpeg is installed).")
@click.option("--variant", help="Animate one of the scenario's variants instead of the baseline.")
@click.option("--compare", "compare_with", metavar="VARIANT",
              help="Draw this variant beside the baseline (or --variant), on the same customers.")
@click.option("--day", type=click.IntRange(min=1), default=1, show_default=True, help="Which day to show.")
@click.option("--from", "start", metavar="HH:MM", help="Start at this clock time (default: opening).")
@click.option("--until", "end", metavar="HH:MM", help="End at this clock time (default: closing).")
@click.option("--speed", metavar="DURATION",
              help="Simulated time per second of animation, e.g. 20min (default: the window in about 24 s).")
@click.option("--fps", type=click.IntRange(1, 50), default=10, show_default=True, help="Frames per second.")
@click.option("--set", "assignments", multiple=True, metavar="PATH=VALUE", help=SET_HELP)
def animate(scenario_file: Path, out_file: Path, variant: str | None, compare_with: str | None, day: int,
            start: str | None, end: str | None, speed: str | None, fps: int, assignments: tuple[str, ...]) -> None:
    """Animate a day of SCENARIO (replication 1): queues per skill, every agent as a tile, bots, and KPIs so far."""
    from simulator.scenario import load_variants

    variants = load_variants(scenario_file, _overrides(assignments))
    shown = [variant or "baseline"] + ([compare_with] if compare_with else [])
    scenarios = [_variant(variants, name, option) for name, option in zip(shown, ("--variant", "--compare"))]
    click.echo(f"{out_file}: {_animate(scenarios, shown, out_file, start, end, speed, fps, day)}")


def _animate(scenarios: list, titles: list[str], out_file: Path, start: str | None, end: str | None,
             speed: str | None, fps: int = 10, day: int = 1) -> str:
    """Film the scenarios over the window, write the animation, and describe it (frames, window, speed)."""
    from simulator.animate import write_animation
    from simulator.snapshots import film_scenario
    from simulator.units import format_duration

    times = film_times(scenarios[0], start, end, speed, fps, day)
    write_animation([film_scenario(scenario, times) for scenario in scenarios], titles, out_file, fps)
    clock, every = scenarios[0].clock, times[1] - times[0] if len(times) > 1 else 0.0
    return (f"{len(times)} frames, {clock.label(times[0])} to {clock.label(times[-1], closing=True)}, "
            f"{format_duration(every)} of the day a frame, {fps} frames a second ({len(times) / fps:.0f} s)")


def film_times(scenario, start: str | None, end: str | None, speed: str | None, fps: int = 10,
               day: int = 1):
    """The moments an animation shows: from ``start`` to ``end`` (clock times on ``day``; the whole day
    by default), one frame every ``speed / fps`` (``speed``: simulated time a second of film)."""
    from simulator.animate import nice_step
    from simulator.snapshots import frame_times
    from simulator.units import UnitError, parse_duration

    clock = scenario.clock
    first, last = _window(scenario, start, end, day)
    first = (day - 1) * clock.day_length if first is None else first
    last = day * clock.day_length if last is None else last
    try:
        every = parse_duration(speed) / fps if speed else nice_step(last - first)
    except UnitError as exc:
        raise InputError(f"--speed: {exc}") from None
    if every <= 0:
        raise InputError(f"--speed: must be a positive duration, got {speed!r}")
    return frame_times(scenario, every, first, last)


@main.command()
@click.argument("name", required=False)
@click.option("--replications", "-r", type=click.IntRange(1, MAX_REPLICATIONS), help="Override the lesson's replications.")
@click.option("--seed", "-s", type=click.IntRange(min=0), help="Override the lesson's seed.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("results"), show_default=True,
              help="Folder that receives <lesson-slug>/<run-id>-lesson/.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=None, help=JOBS_HELP)
@click.option("--no-animation", is_flag=True, help="Skip the animation (faster).")
@click.option("--quiet", "-q", is_flag=True, help="Print only where the results are.")
def lesson(name: str | None, replications: int | None, seed: int | None, out_dir: Path, jobs: int | None,
           no_animation: bool, quiet: bool) -> None:
    """List the lessons, or run lesson NAME (or a lesson sheet of your own, path/NAME.md): its comparison
    with paired CIs, charts, an animation, and a report whose lesson sheet carries the simulator's numbers."""
    from simulator.experiment import compare_scenarios, with_overrides
    from simulator.lessons import find_lesson, lessons_folder, list_lessons, render_sheet
    from simulator.output import write_comparison
    from simulator.scenario import load_variants

    if name is None:
        lessons = list_lessons()
        if not lessons:
            raise InputError(f"no lessons found in {lessons_folder()}: run from the project's folder, or give "
                             "the path of a lesson sheet (NAME.md)")
        width = max((len(item.name) for item in lessons), default=0)
        for item in lessons:
            click.echo(f"{item.name.ljust(width)}  {item.title}: {item.summary}")
        click.echo("\nRun one with: servicesim lesson NAME")
        return
    chosen = find_lesson(name)
    variants = load_variants(chosen.scenario_file, {})
    shown = ["baseline", chosen.animation.compare]
    films = [with_overrides(_variant(variants, title, f"{chosen.sheet_file}: animation.compare"), seed=seed)
             for title in shown]
    total = len(variants) * (replications or variants["baseline"].replications)
    with _progress(total, "scenarios x replications", quiet) as progress:
        comparison = compare_scenarios(variants, replications=replications, seed=seed,
                                       jobs=_engine(jobs, "local", None), progress=progress)
    sheet = render_sheet(chosen, comparison)
    said = []

    def lesson_files(folder: Path) -> None:
        (folder / "lesson.md").write_text(sheet, encoding="utf-8")
        if not no_animation:
            animation = chosen.animation
            said.append(_animate(films, shown, folder / "animation.gif", animation.start, animation.until,
                                 animation.speed, animation.fps))

    folder = write_comparison(comparison, out_dir, report=True, kind="lesson", extra=lesson_files)
    if not quiet:
        click.echo(sheet)
    click.echo(f"Report: {folder / 'report.html'}")
    for description in said:
        click.echo(f"Animation: {folder / 'animation.gif'}: {description}")


@main.command()
@click.argument("folder", metavar="RESULTS_DIR", type=click.Path(path_type=Path))
def report(folder: Path) -> None:
    """Write RESULTS_DIR/report.html: one self-contained page (charts embedded, no network)."""
    from simulator.report import write_report

    click.echo(write_report(folder))


@main.command()
@click.option("--markdown", is_flag=True, help="Print the table of docs/kpis.md.")
def kpis(markdown: bool) -> None:
    """List every KPI with its definition."""
    from simulator.kpis import KPIS, markdown_table

    if markdown:
        click.echo(markdown_table(), nl=False)
        return
    width = max(len(kpi.name) for kpi in KPIS)
    for kpi in KPIS:
        click.echo(f"{kpi.name.ljust(width)}  {kpi.kind:<8}  {kpi.definition}")


from simulator.history_cli import backtest, calibrate, forecast  # noqa: E402  (the history commands, own module)

for _command in (forecast, calibrate, backtest):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    program()

