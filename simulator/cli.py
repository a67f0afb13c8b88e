"""The ``servicesim`` command line: a thin layer over :mod:`simulator.experiment`.

Every user error is a :class:`~simulator.errors.SimulatorError`; it is printed
as a message (no traceback) and sets the exit code: 2 for bad input, 1 for a
failure while running.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import click

from simulator import __version__
from simulator.errors import SimulatorError


class _CleanErrors(click.Group):
    """Turn SimulatorError into a message and an exit code; anything else is a failure (exit 1)."""

    def invoke(self, ctx: click.Context):
        try:
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
            click.echo("interrupted; no results were written", err=True)
            ctx.exit(130)
        except Exception as exc:  # a failure while running: say what, without a traceback
            click.echo(f"error: the run failed: {type(exc).__name__}: {exc}", err=True)
            ctx.exit(1)


@click.group(cls=_CleanErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="servicesim")
def main() -> None:
    """Simulate service delivery: staffing, waits, abandonment and utilisation, with confidence intervals."""


def _warn(scenario, quiet: bool) -> None:
    if not quiet:
        for warning in scenario.warnings:
            click.echo(f"warning: {warning}", err=True)


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.option("--replications", "-r", type=click.IntRange(min=1), help="Override the scenario's replications.")
@click.option("--seed", "-s", type=click.IntRange(min=0), help="Override the scenario's seed.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("results"), show_default=True,
              help="Folder that receives <scenario-slug>/<run-id>/.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout (no table).")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors (and the JSON, with --json).")
def run(scenario_file: Path, replications: int | None, seed: int | None, out_dir: Path, as_json: bool,
        quiet: bool) -> None:
    """Run SCENARIO's replications, print its KPIs and write its results folder."""
    from simulator.console import render_run
    from simulator.experiment import run_scenario
    from simulator.output import summary_records, write_results
    from simulator.scenario import load_scenario

    scenario = load_scenario(scenario_file)
    _warn(scenario, quiet or as_json)
    result = run_scenario(scenario, replications=replications, seed=seed)
    folder = write_results(result, out_dir)
    if as_json:
        click.echo(json.dumps({"scenario": result.scenario.name, "results": str(folder),
                               "summary": summary_records(result)}, indent=1))
    elif not quiet:
        click.echo(render_run(result))
        click.echo(f"\nResults: {folder}")


@main.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
def validate(scenario_file: Path) -> None:
    """Check SCENARIO without running it; exit 2 and list every problem if it is invalid."""
    from simulator.capacity import capacity_flags
    from simulator.scenario import load_scenario

    scenario = load_scenario(scenario_file)
    _warn(scenario, False)
    streams = len(scenario.demand)
    agents = sum(p.headcount for p in scenario.staff)
    click.echo(f"{scenario_file}: valid. '{scenario.name}': {streams} demand stream{'s' * (streams != 1)}, "
               f"{len(scenario.processes)} process(es), {agents} staff in {len(scenario.staff)} pool(s).")
    for flag in capacity_flags(scenario):
        click.echo(f"{'UNSTABLE' if flag.kind == 'unstable' else 'peak'}: {flag.message}")


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


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
