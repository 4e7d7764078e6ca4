"""The command line. Thin: options in, the pipeline called, FormcheckError turned into one line."""

from __future__ import annotations

import csv
import io
import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from formcheck import history
from formcheck.errors import FormcheckError
from formcheck.pose import MODEL_NAMES, resolve_model
from formcheck.report import (
    SCHEMA,
    atomic_write,
    build_report,
    check_writable,
    measure_series,
    not_counted_message,
    write_csv,
    write_json,
)
from formcheck.specs import ExerciseSpec, exercise_ids, load_spec

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="formcheck: a camera-based form coach for lower-back-pain exercises.")
out = Console()
err = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False, soft_wrap=True)
    return typer.Exit(code=1)


@app.command()
def exercises() -> None:
    """List the exercises, their cues and what each cue means."""
    try:
        for ex in exercise_ids():
            spec = load_spec(ex)
            table = Table(title=f"{spec.id}: {spec.name} ({spec.mode})", title_justify="left",
                          show_header=True, expand=False)
            table.add_column("cue")
            table.add_column("what it means")
            for cue in spec.cues:
                table.add_row(cue.name, cue.explain or cue.message)
            out.print(table)
            out.print(spec.summary, style="dim")
            out.print()
    except FormcheckError as exc:
        raise fail(str(exc)) from None


def _fmt_s(t: float) -> str:
    return f"{int(t // 60)}:{t % 60:04.1f}"


def _print_verdict(line: str, item: dict, spec: ExerciseSpec) -> None:
    """A rep's or hold's verdict in words, and what could not be judged and why."""
    if item["faults"]:
        out.print(line + "[red]" + escape("; ".join(spec.cue(f).message for f in item["faults"])) + "[/]",
                  highlight=False)
    else:
        out.print(line + "[green]good[/]", highlight=False)
    for u in item.get("unjudged", []):
        measure = spec.cue(u["cue"]).measure or ""
        what = spec.measures[measure].label if measure in spec.measures else spec.messages[f"metric_{measure}"]
        out.print(f"    [yellow]could not judge the {escape(what)}: {escape(u['reason'])}[/]", highlight=False)


def print_summary(report: dict, spec: ExerciseSpec) -> None:
    status = "" if report["complete"] else " [yellow](stopped early: partial result)[/]"
    out.print(f"[bold]{spec.name}[/] - {report['source']['path']}{status}")
    if spec.mode == "reps":
        out.print(f"Reps: [bold]{report['rep_count']}[/]   good form: [bold]{report['good_reps']}[/]")
        for rep in report["reps"]:
            line = f"  rep {rep['index']} at {_fmt_s(rep['start_s'])}-{_fmt_s(rep['end_s'])}, " \
                   f"held {rep['hold_s']:.1f} s: "
            _print_verdict(line, rep, spec)
    else:
        per_side = ", ".join(f"{spec.cycle.side_name(side)} {secs:.1f} s"
                             for side, secs in report["side_totals"].items())
        out.print(f"Holds: [bold]{len(report['holds'])}[/]" + (f"   per side: {per_side}" if per_side else ""))
        for hold in report["holds"]:
            side = f"{spec.cycle.side_name(hold['side'])}, " if spec.cycle.side_from else ""
            line = (f"  hold {hold['index']}, {side}{_fmt_s(hold['start_s'])}-"
                    f"{_fmt_s(hold['end_s'])}: {hold['seconds']:.1f} s in the stretch, "
                    f"{hold['good_form_s']:.1f} s with good form: ")
            _print_verdict(line, hold, spec)
    view = [w for w in report["warnings"] if spec.cue(w["cue"]).view]
    for w in view:
        out.print(f"  [yellow]{_fmt_s(w['start_s'])}-{_fmt_s(w['end_s'])}: {w['message']}[/]",
                  highlight=False)
    for item in report.get("not_counted", []):
        message = not_counted_message(spec, item)
        out.print(f"  [yellow]{_fmt_s(item['start_s'])}-{_fmt_s(item['end_s'])}: {message}[/]", highlight=False)
    out.print(f"Pose found in {report['pose_coverage'] * 100:.0f}% of frames.")


@app.command()
def analyze(
    video: Annotated[Path, typer.Argument(help="A recorded video file.")],
    exercise: Annotated[str, typer.Option("--exercise", "-e", help="Exercise id; see `formcheck exercises`.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report (formcheck.report/1) here.")] = None,
    video_out: Annotated[Path | None, typer.Option("--video", help="Write the annotated H.264 video here.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write per-frame measures here.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")] = None,
    model: Annotated[str, typer.Option(help=f"Pose model: {'|'.join(MODEL_NAMES)} or a .task file.")] = "full",
    save: Annotated[bool, typer.Option("--save/--no-save", help="Keep the session in the history.")] = True,
) -> None:
    """Analyze a recorded video: reps, holds, form faults; optional report and annotated video."""
    try:
        spec = load_spec(exercise)
        if not video.exists():
            raise FormcheckError(f"video not found: {video}")
        if video.is_dir():
            raise FormcheckError(f"{video} is a folder, not a video file")
        for path in (json_out, video_out, csv_out, html_out):
            if path is not None:
                check_writable(path)
        if video_out is not None and video_out.suffix.lower() not in (".mp4", ".mov", ".mkv"):
            raise FormcheckError(f"--video {video_out}: use a .mp4, .mov or .mkv file name")
        resolve_model(model)
        from formcheck.analysis import analyze_video  # MediaPipe loads only when needed

        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      TaskProgressColumn(), TextColumn("{task.fields[fps]:.1f} fps"),
                      TimeRemainingColumn(), console=err, transient=True) as bar:
            task = bar.add_task("analyzing", total=None, fps=0.0)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=max(total, done))
                bar.update(task, fps=bar.tasks[task].speed or 0.0)

            result = analyze_video(video, spec, model, video_out, progress=advance)
        report = build_report(result.session, result.info, result.model, result.complete)
        if json_out:
            write_json(json_out, report)
        if csv_out:
            write_csv(csv_out, result.session)
        series = measure_series(result.session)
        if html_out:
            write_session_html(html_out, report, spec, series)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    print_summary(report, spec)
    for label, path in (("report", json_out), ("annotated video", video_out), ("measures", csv_out),
                        ("HTML report", html_out)):
        if path:
            out.print(f"Wrote {label}: {path}", highlight=False)
    if save:
        say_saved(history.save_session(report, "analyze", source=str(video.resolve()), series=series))
    if not result.complete:
        raise typer.Exit(code=130)


@app.command()
def live(
    exercise: Annotated[str, typer.Option("--exercise", "-e", help="Exercise id, or 'auto' to recognise it.")],
    camera: Annotated[int, typer.Option(help="Webcam index.")] = 0,
    source: Annotated[Path | None, typer.Option(help="Play this video file as if it were the camera.")] = None,
    realtime: Annotated[bool, typer.Option(help="With --source: frames arrive at their own pace, slow "
                                           "processing drops frames.")] = True,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Save the session report here (default: a new file under "
        "~/.local/share/formcheck/sessions).")] = None,
    voice: Annotated[bool, typer.Option(help="Speak the cues (espeak-ng).")] = True,
    window: Annotated[bool, typer.Option(help="Show the live window (--no-window: headless run).")] = True,
    model: Annotated[str, typer.Option(help=f"Pose model: {'|'.join(MODEL_NAMES)} or a .task file.")] = "full",
    max_seconds: Annotated[float | None, typer.Option(help="Stop after this many seconds.")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Keep the session in the history.")] = True,
) -> None:
    """Practise in front of the webcam: live corrections, counts, hold clock, spoken cues.

    Keys: q or Esc quits, space pauses, r resets the count, m mutes.
    """
    from formcheck.live import LiveOptions, default_report_path, run_live
    from formcheck.sources import CameraSource, RealtimeFileSource

    try:
        if exercise != "auto":
            load_spec(exercise)
        if source is not None and not realtime:
            raise FormcheckError("--source plays in real time in live mode; use `formcheck analyze` "
                                 "to process every frame of a file")
        json_path = json_out or default_report_path(exercise)
        if json_out is None:
            json_path.parent.mkdir(parents=True, exist_ok=True)
        check_writable(json_path)
        resolve_model(model)
        if source is not None and not source.is_file():
            raise FormcheckError(f"video not found: {source}")
        options = LiveOptions(exercise, model, voice, window, max_seconds)
        report = run_live(lambda: RealtimeFileSource(source) if source is not None else CameraSource(camera),
                          options)
        write_json(json_path, report)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    if report["exercise"] is None:
        out.print("No exercise was recognised: nothing was counted.")
    else:
        print_summary(report, load_spec(report["exercise"]))
    stats = report["live"]
    out.print(f"Live: {stats['processed_fps']:.1f} frames/s processed, {stats['dropped_frames']} dropped, "
              f"latency p50 {stats['latency_ms_p50']:.0f} ms, p95 {stats['latency_ms_p95']:.0f} ms.")
    out.print(f"Wrote report: {json_path}", highlight=False)
    if save and report["exercise"] is not None:
        say_saved(history.save_session(report, "live"))
    if report["live"].get("error"):
        err.print(f"[yellow]note:[/] {report['live']['error']}")


def say_saved(session_id: int | None) -> None:
    if session_id is not None:
        out.print(f"Saved as session {session_id} in {history.db_path()}", highlight=False, soft_wrap=True)


def write_session_html(path: Path, report: dict, spec: ExerciseSpec, series: dict | None,
                       session: history.StoredSession | None = None) -> None:
    """The HTML report; each rep's picture comes from the recording when it is still at hand."""
    from formcheck.html_report import session_html
    from formcheck.stills import top_pictures

    source = Path(session.source if session and session.source else report["source"]["path"])
    atomic_write(path, session_html(report, spec, series, top_pictures(report, spec, source), session))


history_app = typer.Typer(add_completion=False, help="The stored sessions: list, show again, delete.")
app.add_typer(history_app, name="history")
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
    try:
        sessions = history.list_sessions(exercise, _since(since))
    except FormcheckError as exc:
        raise fail(str(exc)) from None
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
    for row in rows:
        sides = ", ".join(f"{side[0].upper()} {secs:.1f}" for side, secs in sorted(row["side_totals"].items()))
        before, after = ("-" if row[k] is None else str(row[k]) for k in ("pain_before", "pain_after"))
        table.add_row(str(row["id"]), row["saved_at"][:16].replace("T", " "), row["exercise"],
                      str(row["rep_count"]), _share(row["good_form_share"]), sides or "-",
                      "-" if before == after == "-" else f"{before} -> {after}")
    out.print(table)


def _stored(session_id: int) -> history.StoredSession:
    stored = history.get(session_id)
    if stored is None:
        raise FormcheckError(f"no session {session_id} in {history.db_path()}; see `formcheck history`")
    return stored


@history_app.command("show")
def history_show(session_id: Annotated[int, typer.Argument(metavar="ID", help="A session id.")]) -> None:
    """Print one stored session's summary again."""
    try:
        stored = _stored(session_id)
        spec = load_spec(stored.report["exercise"])
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    out.print(f"Session {stored.id}, {stored.saved_at[:16].replace('T', ' ')} ({stored.kind})", highlight=False)
    print_summary(stored.report, spec)
    if stored.pain_before is not None or stored.pain_after is not None:
        out.print(f"Pain before: {stored.pain_before if stored.pain_before is not None else '-'}, "
                  f"after: {stored.pain_after if stored.pain_after is not None else '-'} (0-10)")


@history_app.command("delete")
def history_delete(session_id: Annotated[int, typer.Argument(metavar="ID", help="A session id.")]) -> None:
    """Delete one stored session."""
    try:
        _stored(session_id)
        history.delete(session_id)
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
    if not isinstance(report, dict) or report.get("schema") != SCHEMA:
        raise FormcheckError(f"{path} is not a formcheck report ({SCHEMA})")
    return report, None, None


@app.command("report")
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
            from formcheck.html_report import progress_html

            known = set(exercise_ids())
            if exercise is not None:
                load_spec(exercise)
            sessions = [s for s in history.list_sessions(exercise, _since(since)) if s.name in known]
            if not sessions:
                raise FormcheckError("no stored sessions" + (f" of {exercise}" if exercise else "")
                                     + f" in {history.db_path()}")
            specs = {name: load_spec(name) for name in sorted({s.name for s in sessions})}
            atomic_write(html_out, progress_html(sessions, specs))
        else:
            assert target is not None
            report, series, stored = _load_report(target)
            write_session_html(html_out, report, load_spec(report["exercise"]), series, stored)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    out.print(f"Wrote HTML report: {html_out}", highlight=False, soft_wrap=True)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
