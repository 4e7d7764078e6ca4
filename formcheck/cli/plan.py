"""`formcheck plan`: today's target for each exercise of a routine, from its stored sessions, and why."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Annotated

import typer
from rich.markup import escape

from formcheck.cli.console import err, fail, out, say_error
from formcheck.coach.progression import Planned, routine_sessions, todays_plan
from formcheck.coach.routine import Routine, load_routine
from formcheck.errors import FormcheckError
from formcheck.reports import history


def stored_sessions(routine: Routine) -> list[history.StoredSession]:
    """This routine's stored sessions; an unusable history costs one line and the file's own targets."""
    try:
        return routine_sessions(routine, history.list_sessions(routine.id))
    except history.HistoryError as exc:
        say_error(f"{exc}; today's targets are the routine file's own")
        return []


def this_week(sessions: list[history.StoredSession], today: date | None = None) -> int:
    """Sessions since Monday."""
    today = today or date.today()
    monday = today - timedelta(days=today.weekday())
    return sum(datetime.fromisoformat(s.saved_at).date() >= monday for s in sessions)


def plan_lines(routine: Routine, plan: list[Planned], sessions: list[history.StoredSession]) -> list[str]:
    week = f"; this week {this_week(sessions)} of {routine.per_week}" if routine.per_week else ""
    lines = [f"[bold]{escape(routine.name)}[/] ({escape(str(routine.path))}): "
             f"{len(sessions)} session{'' if len(sessions) == 1 else 's'} of this routine so far{week}"]
    lines += [f"  {escape(p.name)}: {escape(p.reason)}" for p in plan]
    return lines


def plan_command(
    routine_file: Annotated[str, typer.Option("--routine", help="A routine file, or a bundled routine's name.")]
    = "back_pain",
    as_json: Annotated[bool, typer.Option("--json", help="Print the plan as JSON.")] = False,
) -> None:
    """Today's target for each exercise of a routine, from its stored sessions, and why."""
    try:
        routine = load_routine(routine_file)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    sessions = stored_sessions(routine)
    plan = todays_plan(routine, sessions)
    if as_json:
        typer.echo(json.dumps({"routine": routine.name, "key": routine.key, "sessions": len(sessions),
                               "exercises": [p.as_json() for p in plan]}, indent=2))
        return
    for line in plan_lines(routine, plan, sessions):
        out.print(line, highlight=False, soft_wrap=True)


def say_changes(plan: list[Planned], console=err) -> None:
    """Before a routine starts: each target that changed today, and why."""
    for p in plan:
        if p.change in ("up", "back"):
            console.print(f"Today: {escape(p.name)}, {escape(p.reason)}", highlight=False, soft_wrap=True)
