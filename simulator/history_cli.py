"""The commands that start from history: ``forecast``, ``calibrate`` and ``backtest`` (registered on
the ``servicesim`` group by :mod:`simulator.cli`). Thin: they read options, call the planning modules
and print what was written."""

from __future__ import annotations

import json
from pathlib import Path

import click

from simulator.errors import InputError


def history_options(command):
    """How to read a user's export, declared once for every command that reads history."""
    options = [
        click.option("--column", "columns", multiple=True, metavar="NAME=COLUMN",
                     help="The file's name for a documented column (repeatable): --column arrival=CallStart."),
        click.option("--timezone", metavar="ZONE",
                     help="Convert date-times with an offset to this zone's local time (default: the wall "
                          "time as written)."),
        click.option("--skip-bad-rows", is_flag=True, help="Skip and count rows with bad values instead of stopping."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _read_options(columns, timezone, skip_bad_rows):
    from simulator.data.tables import ReadOptions

    return ReadOptions.from_cli(columns, timezone, skip_bad_rows)


def _minutes(text: str | None, option: str) -> float | None:
    from simulator.units import parse_duration

    if text is None:
        return None
    try:
        minutes = parse_duration(text)
    except (ValueError, TypeError) as exc:
        raise InputError(f"{option} must be a duration such as 15min or 1h, got {text!r} ({exc})") from None
    if not 1 <= minutes <= 60:
        raise InputError(f"{option} must be from 1 to 60 minutes, got {text!r}")
    return minutes


@click.command()
@click.argument("history_file", metavar="HISTORY", type=click.Path(path_type=Path))
@click.option("--out", "-o", "out_file", type=click.Path(path_type=Path), default=Path("forecast.csv"),
              show_default=True, help="The forecast file (its summary is written beside it, as .yaml).")
@click.option("--days", type=click.IntRange(min=1), help="Open days to forecast after the history (default: a week).")
@click.option("--method", default="auto", show_default=True,
              help="auto (chosen by backtest), weekday_average, smoothing or svd.")
@click.option("--level", type=click.FloatRange(0.5, 0.99), default=0.8, show_default=True,
              help="Coverage of the prediction interval (low, high).")
@click.option("--interval", metavar="DURATION", help="Reporting interval (default: the history's own; 30min for a log).")
@click.option("--backtest", "backtest_days", type=click.IntRange(min=1),
              help="Also report each method's one-day-ahead errors over the last N days (table and chart).")
@click.option("--channel", "channels", multiple=True, help="Forecast only this channel (repeatable).")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@history_options
def forecast(history_file: Path, out_file: Path, days: int | None, method: str, level: float, interval: str | None,
             backtest_days: int | None, channels: tuple[str, ...], as_json: bool, columns: tuple[str, ...],
             timezone: str | None, skip_bad_rows: bool) -> None:
    """Forecast the next open days' volumes per interval from HISTORY (interval volumes or a contact log)."""
    from simulator.data.history import read_volumes
    from simulator.planning.forecast import AUTO_BACKTEST_DAYS, daily_history, forecast as make_forecast
    from simulator.planning.forecast_files import backtest_table, summary, write_forecast

    volumes = read_volumes(history_file, _read_options(columns, timezone, skip_bad_rows),
                           _minutes(interval, "--interval"))
    wanted = list(channels) or volumes.channels
    unknown = sorted(set(wanted) - set(volumes.channels))
    if unknown:
        raise InputError(f"--channel {unknown[0]}: not in {history_file} (channels: {', '.join(volumes.channels)})")
    forecasts = []
    for channel in wanted:
        history = daily_history(volumes, channel)
        forecasts.append(make_forecast(history, days or len(history.open_weekdays), method, level,
                                       backtest_days or AUTO_BACKTEST_DAYS))
    written = write_forecast(forecasts, history_file, out_file, level, backtest_days is not None)
    info = summary(forecasts, history_file, out_file, level)
    if as_json:
        click.echo(json.dumps(info, indent=1, default=str))
        return
    click.echo(volumes.report.describe() + f" ({volumes.source}, {volumes.grain:g}-minute intervals)")
    for item in forecasts:
        entry = info["channels"][item.channel]
        click.echo(f"\n{item.channel}: {entry['method']}, day-to-day uncertainty {item.spread.uncertainty:.3f}")
        for note in item.notes:
            click.echo(f"  {note}")
        if item.history.holidays:
            click.echo(f"  holidays in the history (left out): {', '.join(entry['history']['holidays'][:6])}"
                       f"{' ...' if len(item.history.holidays) > 6 else ''}")
    if backtest_days is not None:
        table = backtest_table(forecasts)
        click.echo("\nOne-day-ahead errors (RMSE and MAPE per interval; the daily total's MAPE):")
        for _, row in table.iterrows():
            change = f"{row.vs_benchmark:+.1%} vs benchmark" if row.method != "weekday_average" else "benchmark"
            click.echo(f"  {row.channel:<10} {row.method:<16} RMSE {row.rmse:8.2f}  MAPE {row.mape:6.1%}  "
                       f"daily {row.daily_total_mape:6.1%}  {change}{'  (chosen)' if row.chosen else ''}")
    click.echo("\nWritten: " + ", ".join(str(p) for p in written))


@click.command()
@click.argument("log_file", metavar="LOG", type=click.Path(path_type=Path))
@click.option("--scenario", "scenario_file", required=True, type=click.Path(path_type=Path),
              help="The base scenario: its staff and everything the log does not say are kept.")
@click.option("--out", "-o", "out_file", type=click.Path(path_type=Path), default=Path("fitted.yaml"),
              show_default=True, help="The fitted scenario (its fit report is written beside it).")
@click.option("--surveys", "surveys_file", type=click.Path(path_type=Path),
              help="Survey answers (contact_id, score) to fit the satisfaction proxy to.")
@click.option("--scale", type=click.Choice(["1-5", "0-10"]), help="The surveys' scale (default: from the scores).")
@click.option("--forecast", "forecast_file", type=click.Path(path_type=Path),
              help="Arrivals from this forecast (servicesim forecast's file) instead of the log: a plan for its days.")
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
              help="Seed of the bootstrap and subsampling.")
@click.option("--json", "as_json", is_flag=True, help="Print the fitted parameters as JSON.")
@history_options
def calibrate(log_file: Path, scenario_file: Path, out_file: Path, surveys_file: Path | None, scale: str | None,
              forecast_file: Path | None, seed: int, as_json: bool, columns: tuple[str, ...], timezone: str | None,
              skip_bad_rows: bool) -> None:
    """Fit a scenario's demand, handling times and patience (and satisfaction) to a contact LOG."""
    from simulator.data.history import read_contact_log, read_surveys
    from simulator.output import write_files
    from simulator.planning.calibrate import calibrate as fit, calibration_json
    from simulator.fit_report import summary_lines, write_fit_report
    from simulator.planning.fitted_scenario import fitted_yaml
    from simulator.planning.surveys import fit_satisfaction
    from simulator.scenario import load_scenario

    scenario = load_scenario(scenario_file)
    options = _read_options(columns, timezone, skip_bad_rows)
    log = read_contact_log(log_file, options, skip=() if surveys_file else ("contact_id",))
    calibration = fit(scenario, log, seed)
    if surveys_file is not None:
        surveys = read_surveys(surveys_file, _read_options((), None, skip_bad_rows), scale)
        calibration.satisfaction = fit_satisfaction(scenario, log, surveys)
    text = fitted_yaml(scenario_file, scenario, calibration, log_file, out_file, forecast_file)
    report = out_file.with_name(out_file.stem + "_report.html")

    def write_fitted(path: Path) -> None:
        path.write_text(text, encoding="utf-8")
        load_scenario(path)   # it must run as it is (in the same folder, so its files are found)
    written = write_files({out_file: write_fitted, report: lambda p: write_fit_report(calibration, scenario, p)})
    info = calibration_json(calibration)
    if as_json:
        click.echo(json.dumps(info, indent=1, default=str))
        return
    click.echo("\n".join(summary_lines(calibration)))
    click.echo("\nWritten: " + ", ".join(str(p) for p in written))


def _percent_or_minutes(metric: str, value: float) -> str:
    if value != value:   # NaN
        return "-"
    return f"{value * 60:.0f}s" if metric == "wait_mean" else f"{value:.1%}"


@click.command()
@click.argument("scenario_file", metavar="SCENARIO", type=click.Path(path_type=Path))
@click.argument("log_file", metavar="LOG", type=click.Path(path_type=Path))
@click.option("--replications", "-r", type=click.IntRange(min=2), help="Override the scenario's replications.")
@click.option("--seed", "-s", type=click.IntRange(min=0), help="Override the scenario's seed.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=Path("results"), show_default=True,
              help="Folder that receives <scenario-slug>/<run-id>-backtest/.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Processes to run replications on (default: all cores).")
@click.option("--json", "as_json", is_flag=True, help="Print the whole-log comparison and error summary as JSON.")
@history_options
def backtest(scenario_file: Path, log_file: Path, replications: int | None, seed: int | None, out_dir: Path,
             jobs: int | None, as_json: bool, columns: tuple[str, ...], timezone: str | None,
             skip_bad_rows: bool) -> None:
    """Simulate SCENARIO over LOG's days with LOG's volumes and compare service level, speed of answer,
    abandonment and occupancy per interval and per day."""
    from simulator.data.history import read_contact_log
    from simulator.executors import default_jobs
    from simulator.output import write_folder
    from simulator.planning.backtest import backtest as run_backtest, log_scenario
    from simulator.scenario import load_scenario

    scenario = load_scenario(scenario_file)
    log = read_contact_log(log_file, _read_options(columns, timezone, skip_bad_rows), skip=("contact_id",))
    on_log = log_scenario(scenario_file, scenario, log, replications, seed)
    result = run_backtest(on_log, log, jobs=jobs or default_jobs())

    def write(folder: Path) -> None:
        from simulator.history_charts import backtest_chart
        result.intervals.round(6).to_csv(folder / "backtest_intervals.csv", index=False)
        result.days.round(6).to_csv(folder / "backtest_days.csv", index=False)
        result.overall.round(6).to_csv(folder / "backtest_overall.csv", index=False)
        result.summary.round(6).to_csv(folder / "backtest_summary.csv", index=False)
        backtest_chart(result, folder / "backtest.png")
    folder = write_folder(out_dir, on_log.slug, "backtest", write)
    if as_json:
        click.echo(json.dumps({"results": str(folder), "overall": result.overall.to_dict("records"),
                               "summary": result.summary.to_dict("records")}, indent=1, default=float))
        return
    click.echo(f"{on_log.name}: backtest over {len(on_log.clock.dates)} days of {log_file} "
               f"({on_log.replications} replications)")
    click.echo("\nWhole log: observed against the simulation (mean, 95% CI, and the 95% range of one replication)")
    for _, row in result.overall.iterrows():
        verdict = "OUTSIDE the simulated range" if row.outside else "consistent"
        f = lambda v: _percent_or_minutes(row.metric, v)   # noqa: E731
        click.echo(f"  {row.scope:<14} {row.metric:<14} observed {f(row.observed):>7}  simulated {f(row.sim_mean):>7} "
                   f"[{f(row.ci_low)}, {f(row.ci_high)}]  range [{f(row.pi_low)}, {f(row.pi_high)}]  {verdict}")
    click.echo("\nPer interval and per day: share outside the simulated range (about 5% if the model is right)")
    for _, row in result.summary.iterrows():
        click.echo(f"  {row.scope:<14} {row.metric:<14} intervals {row.intervals_outside:6.1%}  days "
                   f"{row.days_outside:6.1%}  mean abs. error per interval "
                   f"{_percent_or_minutes(row.metric, row.interval_mae)}")
    click.echo(f"\nResults: {folder}")
