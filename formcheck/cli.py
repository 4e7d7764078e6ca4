"""The command line. Thin: options in, the pipeline called, FormcheckError turned into one line."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

from formcheck import batch as batching
from formcheck.errors import FormcheckError
from formcheck.pose import MODEL_NAMES, resolve_model
from formcheck.report import build_report, check_writable, write_csv, write_json
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


def print_summary(report: dict, spec: ExerciseSpec) -> None:
    status = "" if report["complete"] else " [yellow](stopped early: partial result)[/]"
    out.print(f"[bold]{spec.name}[/] - {report['source']['path']}{status}")
    if spec.mode == "reps":
        out.print(f"Reps: [bold]{report['rep_count']}[/]   good form: [bold]{report['good_reps']}[/]")
        for rep in report["reps"]:
            line = f"  rep {rep['index']} at {_fmt_s(rep['start_s'])}-{_fmt_s(rep['end_s'])}, " \
                   f"held {rep['hold_s']:.1f} s: "
            if rep["faults"]:
                msgs = "; ".join(spec.cue(f).message for f in rep["faults"])
                out.print(line + f"[red]{msgs}[/]", highlight=False)
            else:
                out.print(line + "[green]good[/]", highlight=False)
    else:
        out.print(f"Holds: [bold]{len(report['holds'])}[/]   per side: "
                  + ", ".join(f"{side} {secs:.1f} s" for side, secs in report["side_totals"].items()))
        for hold in report["holds"]:
            line = (f"  hold {hold['index']}, {hold['side'] or '?'} leg forward, {_fmt_s(hold['start_s'])}-"
                    f"{_fmt_s(hold['end_s'])}: {hold['seconds']:.1f} s in the stretch, "
                    f"{hold['good_form_s']:.1f} s with good form: ")
            if hold["faults"]:
                msgs = "; ".join(spec.cue(f).message for f in hold["faults"])
                out.print(line + f"[red]{msgs}[/]", highlight=False)
            else:
                out.print(line + "[green]good[/]", highlight=False)
    view = [w for w in report["warnings"] if w["cue"] in ("body_not_visible", "wrong_view")]
    for w in view:
        out.print(f"  [yellow]{_fmt_s(w['start_s'])}-{_fmt_s(w['end_s'])}: {w['message']}[/]",
                  highlight=False)
    out.print(f"Pose found in {report['pose_coverage'] * 100:.0f}% of frames.")


@app.command()
def analyze(
    video: Annotated[Path, typer.Argument(help="A recorded video file.")],
    exercise: Annotated[str, typer.Option("--exercise", "-e", help="Exercise id; see `formcheck exercises`.")],
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the report (formcheck.report/1) here.")] = None,
    video_out: Annotated[Path | None, typer.Option("--video", help="Write the annotated H.264 video here.")] = None,
    csv_out: Annotated[Path | None, typer.Option("--csv", help="Write per-frame measures here.")] = None,
    model: Annotated[str, typer.Option(help=f"Pose model: {'|'.join(MODEL_NAMES)} or a .task file.")] = "full",
    fps: Annotated[float | None, typer.Option("--fps", min=1, help="Analyse at most this many frames a second "
                                              "(the annotated video keeps only those).")] = None,
) -> None:
    """Analyze a recorded video: reps, holds, form faults; optional report and annotated video."""
    try:
        spec = load_spec(exercise)
        if not video.exists():
            raise FormcheckError(f"video not found: {video}")
        if video.is_dir():
            raise FormcheckError(f"{video} is a folder, not a video file")
        for path in (json_out, video_out, csv_out):
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

            result = analyze_video(video, spec, model, video_out, progress=advance, max_fps=fps)
        report = build_report(result.session, result.info, result.model, result.complete)
        if json_out:
            write_json(json_out, report)
        if csv_out:
            write_csv(csv_out, result.session)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    print_summary(report, spec)
    for label, path in (("report", json_out), ("annotated video", video_out), ("measures", csv_out)):
        if path:
            out.print(f"Wrote {label}: {path}", highlight=False)
    if not result.complete:
        raise typer.Exit(code=130)


@app.command()
def batch(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the reports, summary.csv and index.html.")],
    inputs: Annotated[list[str] | None, typer.Argument(
        help="Video files, folders (searched recursively for videos) and globs.", show_default=False)] = None,
    exercise: Annotated[str | None, typer.Option(
        "--exercise", "-e", help="Exercise id for every file, or 'auto' to recognise each.")] = None,
    manifest: Annotated[Path | None, typer.Option(help="CSV of path,exercise[,patient] instead of INPUTS.")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes on this machine.")] = batching.DEFAULT_WORKERS,
    ray: Annotated[str | None, typer.Option(help="Run on a Ray cluster: its address, or 'local' to start "
                                            "one here (needs formcheck[ray]).")] = None,
    force: Annotated[bool, typer.Option(help="Redo files whose results are already in --out.")] = False,
    video_out: Annotated[bool, typer.Option("--video", help="Also write each annotated video.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Also write each file's per-frame measures.")] = False,
    html_out: Annotated[bool, typer.Option("--html", help="Also write each report as a page.")] = False,
    model: Annotated[str, typer.Option(help=f"Pose model: {'|'.join(MODEL_NAMES)} or a .task file.")] = "full",
    fps: Annotated[float | None, typer.Option("--fps", min=1, help="Analyse at most this many frames a second.")]
    = None,
) -> None:
    """Analyze many recordings on all cores (or a Ray cluster); a rerun goes on where the last stopped."""
    try:
        if manifest is not None and (inputs or exercise):
            raise FormcheckError("give either --manifest or INPUTS with --exercise, not both")
        if manifest is None and (not inputs or not exercise):
            raise FormcheckError("give INPUTS and --exercise ID|auto, or --manifest FILE.csv")
        jobs = batching.jobs_from_manifest(manifest) if manifest else batching.jobs_from_inputs(inputs, exercise)
        resolve_model(model)
        if out_dir.exists() and not out_dir.is_dir():
            raise FormcheckError(f"--out {out_dir} is a file, not a folder")
        options = batching.Options(model, fps, video_out, csv_out, html_out)
        with Progress(TextColumn("batch"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                      TextColumn("[red]{task.fields[failed]} failed"), TextColumn("{task.fields[fps]:.0f} frames/s"),
                      TimeRemainingColumn(), console=err, transient=True) as bar:
            task = bar.add_task("batch", total=None, failed=0, fps=0.0)
            started, frames = time.monotonic(), 0

            def advance(outcome: batching.Outcome | None, total: int) -> None:
                nonlocal frames
                if outcome is None:
                    bar.update(task, total=total)
                    return
                frames += outcome.report["frames_analyzed"] if outcome.report else 0
                bar.update(task, advance=1, failed=bar.tasks[task].fields["failed"] + (not outcome.ok),
                           fps=frames / max(time.monotonic() - started, 1e-6))

            result = batching.run_batch(jobs, out_dir, options, workers, ray, force,
                                        advance)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    for row in result.rows:
        if row["status"] == "failed":
            err.print(f"[red]failed:[/] {row['path']}: {row['reason']}", highlight=False, soft_wrap=True)
    stopped = " [yellow](stopped: rerun to go on)[/]" if result.interrupted else ""
    out.print(f"{result.done} analysed, {result.skipped} skipped (already done), {result.failed} failed{stopped}. "
              f"Wrote {out_dir / 'summary.csv'} and {out_dir / 'index.html'}", highlight=False)
    if result.interrupted:
        raise typer.Exit(code=130)
    if result.failed:
        raise typer.Exit(code=1)


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
    spec = load_spec(report["exercise"])
    print_summary(report, spec)
    stats = report["live"]
    out.print(f"Live: {stats['processed_fps']:.1f} frames/s processed, {stats['dropped_frames']} dropped, "
              f"latency p50 {stats['latency_ms_p50']:.0f} ms, p95 {stats['latency_ms_p95']:.0f} ms.")
    out.print(f"Wrote report: {json_path}", highlight=False)
    if report["live"].get("error"):
        err.print(f"[yellow]note:[/] {report['live']['error']}")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
