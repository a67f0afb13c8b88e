"""The one family of exceptions a user can meet.

Every error that reaches a user is a :class:`SimulatorError`; the command line
turns it into a clean message and an exit code (2 for bad input, 1 for a
failure while running) instead of a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass


class SimulatorError(Exception):
    """A failure the user should read as a message, not as a traceback."""

    exit_code = 1


class InputError(SimulatorError):
    """Bad input: a missing, unreadable or invalid file or option."""

    exit_code = 2


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a scenario file, located as precisely as YAML allows."""

    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class ScenarioError(InputError):
    """A scenario file with one or more problems; all of them are reported together."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        count = len(self.problems)
        heading = f"{count} problem{'s' if count != 1 else ''} in the scenario:"
        super().__init__("\n".join([heading] + [f"  {p}" for p in self.problems]))


class Terminated(BaseException):
    """The process was asked to end (SIGTERM, SIGHUP): raised where the signal arrives so that running work
    is cancelled and half-written results are removed, as for Ctrl-C. Not an Exception, so no ``except
    Exception`` swallows it."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum
