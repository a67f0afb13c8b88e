"""Readers of what organisations export (interval volumes, contact logs, surveys): one place, used by
every command that reads history (forecast, calibrate, backtest)."""
