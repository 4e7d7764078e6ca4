"""The end of every run (analyze, live, the routine): write the outputs, say the summary and what was
written, name each problem in one line, keep the session, and exit with the right code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import typer
from rich.console import Console
from rich.markup import escape

from formcheck import stop_signals
from formcheck.cli.console import err, out, say_error, say_saved
from formcheck.reports.outputs import Output, write_each


@dataclass(kw_only=True)
class Ending:
    outputs: list[Output]  # every output asked for, in the order they are named
    texts: dict[Output, str]  # what to write for those written now (the others were written during the run)
    summary: Callable[[Console], None]  # says the result in words
    not_written: dict[Output, str] = field(default_factory=dict)  # outputs of the run that failed (video): why
    problems: list[str] = field(default_factory=list)  # said after the summary, exit code 1
    save: Callable[[], int | None] | None = None  # keeps the session in the history: its id
    interrupted: bool = False  # a stop signal or Ctrl-C ended the run: its exit code


def conclude(ending: Ending) -> None:
    failed = write_each(list(ending.texts.items())) | ending.not_written
    outputs = ending.outputs
    console = err if any(o.to_stdout for o in outputs) else out
    ending.summary(console)
    for o in outputs:
        if o not in failed and not o.to_stdout:
            console.print(f"Wrote {o.label}: {escape(str(o.path))}", highlight=False)
    problems = ending.problems + [f"could not write the {o.label} {o.path}: {why}" for o, why in failed.items()]
    for line in problems:
        say_error(line)
    if ending.save is not None:
        say_saved(ending.save(), console)
    if ending.interrupted or stop_signals.caught:  # a signal while the outputs were written is honoured now
        raise typer.Exit(code=stop_signals.exit_code())
    if problems:
        raise typer.Exit(code=1)
