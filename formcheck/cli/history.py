"""`formcheck history` and `formcheck report`: the stored sessions, and their HTML reports."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from formcheck.cli.console import err, exercise_name, fail, out, print_routine, print_summary, session_html_text
from formcheck.errors import FormcheckError, describe
from formcheck.reports import history
from formcheck.reports.outputs import check_writable, write_text
from formcheck.reports.report import report_problem
from formcheck.spec.specs import exercise_ids, load_spec

history_app = typer.Typer(add_completion=False, help="The stored sessions: list, show again, delete.")
CSV_COLUMNS = ("id", "saved_at", "kind", "exercise", "source", "complete", "rep_count", "good_reps",
               "good_form_share", "pain_before", "pain_after", "patient")


def _since(value: str | None) -> str | None:
    if value is not None:
        try:
            date.fromisoformat(value)
        except ValueError:
            raise fail(f"--since: expected a date YYYY-MM-DD, got {value!r}") from None
    return value


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


@history_app.callback(invoke_without_command=True)
def history_list(
    ctx: typer.Context,
    exercise: Annotated[str | None, typer.Option("--exercise", "-e", help="Only this exercise (or routine).")] = None,
    since: Annotated[str | None, typer.Option(help="Only sessions on or after this date, YYYY-MM-DD.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list, one object a session.")] = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV, one row a session.")] = False,
) -> None:
    """The stored sessions as a table, oldest first (`history show ID`, `history delete ID`)."""
    if ctx.invoked_subcommand is not None:
        return
    damaged: list[int] = []
    try:
        sessions = history.list_sessions(exercise, _since(since), damaged)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    for session_id in damaged:
        err.print(f"note: {history.damaged_message(session_id)}", highlight=False, soft_wrap=True)
    rows = [s.summary() for s in sessions]
    if as_json:
        typer.echo(json.dumps([row | {"report": s.report} for row, s in zip(rows, sessions, strict=True)], indent=2))
        return
    if as_csv:
        buf = io.StringIO()
        # one column of seconds held for each side any listed session has ("left_s", "right_s" for the lunge)
        sides = list(dict.fromkeys(side for row in rows for side in row["side_totals"]))
        writer = csv.DictWriter(buf, [*CSV_COLUMNS, *(f"{side}_s" for side in sides)], extrasaction="ignore",
                                lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow(row | {f"{side}_s": row["side_totals"].get(side) for side in sides})
        typer.echo(buf.getvalue(), nl=False)
        return
    if not rows:
        out.print(f"No sessions stored yet in {history.db_path()}.", highlight=False, soft_wrap=True)
        return
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, collapse_padding=True)  # fits 80 columns
    for column in ("id", "date", "exercise", "reps", "good", "held s", "pain"):
        table.add_column(column, no_wrap=True)
    for row, session in zip(rows, sessions, strict=True):
        sides = ", ".join(f"{side[0].upper()} {secs:.1f}" for side, secs in sorted(row["side_totals"].items()))
        before, after = ("-" if row[k] is None else str(row[k]) for k in ("pain_before", "pain_after"))
        table.add_row(str(row["id"]), row["saved_at"][:16].replace("T", " "), _named(session),
                      str(row["rep_count"]), _share(row["good_form_share"]), sides or "-",
                      "-" if before == after == "-" else f"{before} -> {after}")
    out.print(table)


def _named(session: history.StoredSession) -> str:
    """The exercise's name from its spec; a routine's name from its file, as the report recorded it."""
    if session.kind == "routine":
        return (session.report.get("routine") or {}).get("name") or session.name
    return exercise_name(session.name)


def _check_id(session_id: int) -> None:
    if not 1 <= session_id <= history.MAX_ID:  # SQLite's integers end at 2**63 - 1
        raise FormcheckError(f"no session {session_id}: session ids are whole numbers from 1 (see `formcheck history`)")


def _stored(session_id: int) -> history.StoredSession:
    _check_id(session_id)
    stored = history.get(session_id)
    if stored is None:
        raise FormcheckError(f"no session {session_id} in {history.db_path()}; see `formcheck history`")
    return stored


@history_app.command("show")
def history_show(session_id: Annotated[int, typer.Argument(metavar="ID", help="A session id.")]) -> None:
    """Print one stored session's summary again."""
    try:
        stored = _stored(session_id)
        spec = load_spec(stored.report["exercise"]) if "routine" not in stored.report else None
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    out.print(f"Session {stored.id}, {stored.saved_at[:16].replace('T', ' ')} ({stored.kind})", highlight=False)
    if spec is None:
        print_routine(stored.report)  # it says the pain itself
        return
    print_summary(stored.report, spec)
    if stored.pain_before is not None or stored.pain_after is not None:
        out.print(f"Pain before: {stored.pain_before if stored.pain_before is not None else '-'}, "
                  f"after: {stored.pain_after if stored.pain_after is not None else '-'} (0-10)")


@history_app.command("delete")
def history_delete(session_id: Annotated[int, typer.Argument(metavar="ID", help="A session id.")]) -> None:
    """Delete one stored session."""
    try:
        _check_id(session_id)
        if not history.delete(session_id):  # a damaged row goes too
            raise FormcheckError(f"no session {session_id} in {history.db_path()}; see `formcheck history`")
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    out.print(f"Deleted session {session_id}.")


def _load_report(target: str) -> tuple[dict, dict | None, history.StoredSession | None]:
    """A stored session by id, or a report JSON file: the report, its per-frame series, the stored row."""
    if target.isdigit():
        stored = _stored(int(target))
        return stored.report, stored.series, stored
    path = Path(target)
    if not path.is_file():
        raise FormcheckError(f"report not found: {path} (give a session id from `formcheck history` "
                             "or a report JSON file)")
    try:
        report = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        report = None
    except OSError as exc:
        raise FormcheckError(f"cannot read {path}: {describe(exc)}") from None
    problem = report_problem(report)
    if problem:
        raise FormcheckError(f"{path} cannot be read as a report: {problem}")
    return report, None, None


def report_command(
    target: Annotated[str | None, typer.Argument(
        metavar="[ID|REPORT.json]", help="A session id from `formcheck history`, or a report JSON file.")] = None,
    html_out: Annotated[Path, typer.Option("--html", help="Write the self-contained HTML report here.")] = ...,
    progress: Annotated[bool, typer.Option("--history", help="Progress across the stored sessions.")] = False,
    exercise: Annotated[str | None, typer.Option("--exercise", "-e", help="With --history: only this "
                                                 "exercise.")] = None,
    since: Annotated[str | None, typer.Option(help="With --history: sessions on or after YYYY-MM-DD.")] = None,
) -> None:
    """An HTML report of one session, or (--history) of progress across sessions."""
    try:
        check_writable(html_out)
        if progress == (target is not None):
            raise FormcheckError("give either a session (ID or REPORT.json) or --history")
        if progress:
            from formcheck.reports.progress import per_exercise, progress_html

            known = set(exercise_ids())
            if exercise is not None:
                load_spec(exercise)
            stored = history.list_sessions(None, _since(since))
            sessions = [s for s in per_exercise(stored) if s.name in known and exercise in (None, s.name)]
            if not sessions:
                raise FormcheckError("no stored sessions" + (f" of {exercise}" if exercise else "")
                                     + f" in {history.db_path()}")
            specs = {name: load_spec(name) for name in sorted({s.name for s in sessions})}
            kept = {s.id for s in sessions}  # a routine session: one of its exercises is shown
            write_text(html_out, progress_html([s for s in stored if s.id in kept], specs))
        else:
            assert target is not None
            report, series, stored = _load_report(target)
            if "routine" in report:
                from formcheck.render.stills import top_pictures
                from formcheck.reports.routine_page import as_prescribed, routine_html

                ids = {step["exercise"] for step in report["routine"].get("steps") or []}
                ids |= {p["exercise"] for p in report["routine"].get("pain", {}).get("during") or []}
                specs = {i: load_spec(i) for i in ids}
                pictures = {k: top_pictures(segment, as_prescribed(specs[step["exercise"]], step["target"]),
                                            Path(segment["source"]["path"]))
                            for k, (step, segment) in enumerate(zip(report["routine"]["steps"],
                                                                    report.get("segments") or [], strict=False))}
                write_text(html_out, routine_html(report, specs, stored, pictures))
                out.print(f"Wrote HTML report: {html_out}", highlight=False, soft_wrap=True)
                return
            write_text(html_out, session_html_text(report, load_spec(report["exercise"]), series, stored))
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    out.print(f"Wrote HTML report: {html_out}", highlight=False, soft_wrap=True)
