"""The command line. Thin: options in, the pipeline called, FormcheckError turned into one line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn
from rich.table import Table

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

            result = analyze_video(video, spec, model, video_out, progress=advance)
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


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
