"""The command line. Thin: options in, the pipeline called, FormcheckError turned into one line."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from formcheck import stop_signals
from formcheck.cli.batch import batch
from formcheck.cli.console import err, fail, out, print_summary, say_error, say_saved, session_html_text
from formcheck.cli.history import history_app, report_command
from formcheck.cli.plan import plan_command
from formcheck.cli.routine import routine_command
from formcheck.errors import FormcheckError
from formcheck.pose.landmarker import MODEL_NAMES, resolve_model
from formcheck.reports import history
from formcheck.reports.outputs import Output, plan_outputs, write_each
from formcheck.reports.report import build_report, measure_series, measures_csv, report_json
from formcheck.spec.specs import exercise_ids, load_spec
from formcheck.video.files import VideoFile, check_video_path

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="formcheck: a camera-based form coach for lower-back-pain exercises.")
app.add_typer(history_app, name="history")
app.command("report")(report_command)
app.command()(batch)
app.command("routine")(routine_command)
app.command("plan")(plan_command)

@app.command()
def exercises() -> None:
    """List the exercises, their cues and what each cue means."""
    try:
        for ex in exercise_ids():
            spec = load_spec(ex)
            table = Table(title=escape(f"{spec.id}: {spec.name} ({spec.mode})"), title_justify="left",
                          show_header=True, expand=False)
            table.add_column("cue")
            table.add_column("what it means")
            for cue in spec.cues:
                table.add_row(escape(cue.name), escape(cue.explain or cue.message))
            out.print(table)
            out.print(escape(spec.summary), style="dim")
            out.print()
    except FormcheckError as exc:
        raise fail(str(exc)) from None


@app.command()
@stop_signals.handled
def analyze(
    video: Annotated[Path, typer.Argument(help="A recorded video file.")],
    exercise: Annotated[str, typer.Option("--exercise", "-e", help="Exercise id; see `formcheck exercises`.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report (formcheck.report/1) here.")] = None,
    video_out: Annotated[Path | None, typer.Option("--video", help="Write the annotated H.264 video here.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write per-frame measures here.")] = None,
    html_out: Annotated[Path | None, typer.Option("--html", help="Write a self-contained HTML report here.")] = None,
    model: Annotated[str, typer.Option(help=f"Pose model: {'|'.join(MODEL_NAMES)} or a .task file.")] = "full",
    save: Annotated[bool, typer.Option("--save/--no-save", help="Keep the session in the history.")] = True,
    fps: Annotated[float | None, typer.Option("--fps", min=1, help="Analyse at most this many frames a second "
                                              "(the annotated video keeps only those).")] = None,
) -> None:
    """Analyze a recorded video: reps, holds, form faults; optional report and annotated video.

    `--json -` or `--csv -` writes to standard output; the summary then goes to standard error.
    """
    try:
        spec = load_spec(exercise)
        check_video_path(video)
        outputs = plan_outputs(video, [Output("--json", "report", json_out), Output("--video", "annotated video",
                               video_out), Output("--csv", "measures", csv_out), Output("--html", "HTML report",
                               html_out)])
        if video_out is not None and video_out.suffix.lower() not in (".mp4", ".mov", ".mkv"):
            raise FormcheckError(f"--video {video_out}: use a .mp4, .mov or .mkv file name")
        resolve_model(model)
        VideoFile(video).close()  # a readable video with a frame, before the model loads
        from formcheck.analysis.pipeline import analyze_video  # MediaPipe loads only when needed

        with Progress(TextColumn("[progress.description]{task.description}"), BarColumn(),
                      TaskProgressColumn(), TextColumn("{task.fields[fps]:.1f} fps"),
                      TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal) as bar:
            task = bar.add_task("analyzing", total=None, fps=0.0)

            def advance(done: int, total: int) -> None:
                bar.update(task, completed=done, total=max(total, done))
                bar.update(task, fps=bar.tasks[task].speed or 0.0)

            with stop_signals.working():
                result = analyze_video(video, spec, model, video_out, progress=advance, max_fps=fps)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    interrupted = result.interrupted
    reason = stop_signals.stopped_reason() if interrupted else result.incomplete_reason
    report = build_report(result.session, result.info, result.model, result.complete, reason, result.notes)
    series = measure_series(result.session)
    texts = {"--json": lambda: report_json(report), "--csv": lambda: measures_csv(result.session),
             "--html": lambda: session_html_text(report, spec, series)}
    failed = write_each([(o, texts[o.flag]()) for o in outputs if o.flag in texts])
    for o in outputs:
        if o.flag == "--video" and result.video_problem:
            failed[o] = result.video_problem
    problems = [] if result.complete or interrupted else [f"{video}: {reason}; the result covers what decoded"]
    problems += [f"could not write the {o.label} {o.path}: {why}" for o, why in failed.items()]
    summary = err if any(o.to_stdout for o in outputs) else out
    print_summary(report, spec, summary)
    for o in outputs:
        if o not in failed and not o.to_stdout:
            summary.print(f"Wrote {o.label}: {escape(str(o.path))}", highlight=False)
    for line in problems:
        say_error(line)
    if save:
        say_saved(history.save_session(report, "analyze", source=str(video.resolve()), series=series), summary)
    if interrupted or stop_signals.caught:  # a signal while the outputs were written is honoured once they are
        raise typer.Exit(code=stop_signals.exit_code())
    if problems:
        raise typer.Exit(code=1)


@app.command()
@stop_signals.handled
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
    from formcheck.coach.live import LiveOptions, default_report_path, run_live
    from formcheck.video.live_sources import CameraSource, RealtimeFileSource

    try:
        if exercise != "auto":
            load_spec(exercise)
        if source is not None and not realtime:
            raise FormcheckError("--source plays in real time in live mode; use `formcheck analyze` "
                                 "to process every frame of a file")
        json_path = json_out or default_report_path(exercise)
        if json_out is None:
            json_path.parent.mkdir(parents=True, exist_ok=True)
        if source is not None:
            check_video_path(source)
        (report_out,) = plan_outputs(source, [Output("--json", "report", json_path)])
        resolve_model(model)
        options = LiveOptions(exercise, model, voice, window, max_seconds)
        with stop_signals.working():
            report = run_live(lambda: RealtimeFileSource(source) if source is not None else CameraSource(camera),
                              options)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    stats = report["live"]
    if stop_signals.caught:
        stats["ended_by"] = signal.Signals(stop_signals.caught[0]).name
    if stats.get("error"):
        report["incomplete_reason"] = f"the source failed: {stats['error']}"
    failed = write_each([(report_out, report_json(report))])
    summary = err if report_out.to_stdout else out
    if report["exercise"] is None:
        summary.print("No exercise was recognised: nothing was counted.")
    else:
        print_summary(report, load_spec(report["exercise"]), summary)
    latency = ", ".join(f"{p} {stats[f'latency_ms_{p}']:.0f} ms" for p in ("p50", "p95")
                        if stats[f"latency_ms_{p}"] == stats[f"latency_ms_{p}"])  # NaN: no frame processed
    summary.print(f"Live: {stats['processed_fps']:.1f} frames/s processed, {stats['dropped_frames']} dropped"
                  + (f", latency {latency}." if latency else "."), highlight=False)
    if not failed and not report_out.to_stdout:
        summary.print(f"Wrote report: {escape(str(json_path))}", highlight=False)
    problems = [report["incomplete_reason"]] if stats.get("error") else []
    problems += [f"could not write the report {json_path}: {why}" for why in failed.values()]
    for line in problems:
        say_error(line)
    if save and report["exercise"] is not None:
        say_saved(history.save_session(report, "live"), summary)
    if stop_signals.caught:
        raise typer.Exit(code=stop_signals.exit_code())
    if problems:
        raise typer.Exit(code=1)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(stop_signals.exit_code())


if __name__ == "__main__":
    main()
