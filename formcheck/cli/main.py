"""The command line. Thin: options in, the pipeline called, FormcheckError turned into one line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from formcheck import stop_signals
from formcheck.cli.batch import batch
from formcheck.cli.conclude import Ending, conclude
from formcheck.cli.console import MAX_CAMERA, err, fail, finite, out, print_summary, say_voice, session_html_text
from formcheck.cli.history import history_app, report_command
from formcheck.cli.plan import plan_command
from formcheck.cli.routine import routine_command
from formcheck.errors import FormcheckError
from formcheck.pose.landmarker import MODEL_NAMES, resolve_model
from formcheck.reports import history
from formcheck.reports.outputs import Output, plan_outputs
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
    fps: Annotated[float | None, typer.Option(
        "--fps", min=1, callback=finite, help="Analyse at most this many frames a second "
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
        from formcheck.analysis.analyze import analyze_video  # MediaPipe loads only when needed

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
    report = build_report(result.session, result.info, result.model, result.complete, reason,
                          result.notes, result.commands).as_dict()
    series = measure_series(result.session)
    texts = {"--json": lambda: report_json(report), "--csv": lambda: measures_csv(result.session),
             "--html": lambda: session_html_text(report, spec, series)}
    problems = [] if result.complete or interrupted else [f"{video}: {reason}; the result covers what decoded"]
    conclude(Ending(outputs=outputs, texts={o: texts[o.flag]() for o in outputs if o.flag in texts},
                    not_written={o: result.video_problem for o in outputs
                                 if o.flag == "--video" and result.video_problem},
                    summary=lambda console: print_summary(report, spec, console), problems=problems,
                    save=(lambda: history.save_session(report, "analyze", source=str(video.resolve()),
                                                       series=series)) if save else None,
                    interrupted=interrupted))


@app.command()
@stop_signals.handled
def live(
    exercise: Annotated[str, typer.Option("--exercise", "-e", help="Exercise id, or 'auto' to recognise it.")],
    camera: Annotated[int, typer.Option(help="Webcam index (0-99).", min=0, max=MAX_CAMERA)] = 0,
    source: Annotated[Path | None, typer.Option(help="Play this video file as if it were the camera.")] = None,
    realtime: Annotated[bool, typer.Option(help="With --source: frames arrive at their own pace, slow "
                                           "processing drops frames.")] = True,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Save the session report here (default: a new file under "
        "~/.local/share/formcheck/sessions).")] = None,
    voice: Annotated[bool, typer.Option(help="Speak the cues (espeak-ng).")] = True,
    listen: Annotated[bool, typer.Option(help="Hear voice commands from the microphone: stop, pause, go on, next, "
                                         "and pain numbers (needs the voice extra).")] = False,
    mic: Annotated[Path | None, typer.Option(help="Hear voice commands from this sound file, as if it were the "
                                             "microphone.")] = None,
    window: Annotated[bool, typer.Option(help="Show the live window (--no-window: headless run).")] = True,
    model: Annotated[str, typer.Option(help=f"Pose model: {'|'.join(MODEL_NAMES)} or a .task file.")] = "full",
    max_seconds: Annotated[float | None, typer.Option(
        callback=finite, help="Stop after this many seconds.")] = None,
    save: Annotated[bool, typer.Option("--save/--no-save", help="Keep the session in the history.")] = True,
) -> None:
    """Practise in front of the webcam: live corrections, counts, hold clock, spoken cues.

    Keys: q or Esc quits, space pauses, r resets the count, m mutes.
    """
    from formcheck.coach.live import LiveOptions, default_report_path
    from formcheck.coach.loop import run_live
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
        options = LiveOptions(exercise=exercise, model=model, voice=voice, window=window, max_seconds=max_seconds,
                              listen=listen, mic=mic)
        with stop_signals.working():
            run, series = run_live(lambda: RealtimeFileSource(source) if source is not None
                                   else CameraSource(camera), options)
            report = run.as_dict()
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    conclude(Ending(outputs=[report_out], texts={report_out: report_json(report)},
                    summary=lambda console: _live_summary(report, console),
                    problems=[report["incomplete_reason"]] if report["live"].get("error") else [],
                    save=(lambda: history.save_session(report, "live", series=series))
                    if save and report["exercise"] is not None else None))


def _live_summary(report: dict, console: Console) -> None:
    if report["exercise"] is None:
        console.print("No exercise was recognised: nothing was counted.")
    else:
        print_summary(report, load_spec(report["exercise"]), console)
    stats = report["live"]
    latency = ", ".join(f"{p} {stats[f'latency_ms_{p}']:.0f} ms" for p in ("p50", "p95")
                        if stats[f"latency_ms_{p}"] == stats[f"latency_ms_{p}"])  # NaN: no frame processed
    console.print(f"Live: {stats['processed_fps']:.1f} frames/s processed, {stats['dropped_frames']} dropped"
                  + (f", latency {latency}." if latency else "."), highlight=False)
    say_voice(report, console)


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(stop_signals.exit_code())


if __name__ == "__main__":
    main()
