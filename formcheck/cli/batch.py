"""`formcheck batch`: many recordings on all cores or a Ray cluster, resumable."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from formcheck import stop_signals
from formcheck.batch.jobs import INDEX_NAME, SUMMARY_NAME, jobs_from_inputs, jobs_from_manifest
from formcheck.batch.manifest import Options
from formcheck.batch.run import run_batch
from formcheck.batch.runners import DEFAULT_WORKERS
from formcheck.batch.worker import Outcome
from formcheck.cli.console import err, fail, finite, out
from formcheck.errors import FormcheckError, path_text
from formcheck.pose.landmarker import MODEL_NAMES, resolve_model
from formcheck.reports import history

MAX_WORKERS = 256  # more processes than any machine's cores only costs memory (about 340 MB each)


@stop_signals.handled
def batch(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder for the reports, summary.csv and index.html.")],
    inputs: Annotated[list[str] | None, typer.Argument(
        help="Video files, folders (searched recursively for videos) and globs.", show_default=False)] = None,
    exercise: Annotated[str | None, typer.Option(
        "--exercise", "-e", help="Exercise id for every file, or 'auto' to recognise each.")] = None,
    manifest: Annotated[Path | None, typer.Option(help="CSV of path,exercise[,patient] instead of INPUTS.")] = None,
    workers: Annotated[int, typer.Option(min=1, max=MAX_WORKERS, help="Worker processes on this machine.")] \
    = DEFAULT_WORKERS,
    ray: Annotated[str | None, typer.Option(help="Run on a Ray cluster: its address, or 'local' to start "
                                            "one here (needs formcheck[ray]).")] = None,
    force: Annotated[bool, typer.Option(help="Redo files whose results are already in --out.")] = False,
    video_out: Annotated[bool, typer.Option("--video", help="Also write each annotated video.")] = False,
    csv_out: Annotated[bool, typer.Option("--csv", help="Also write each file's per-frame measures.")] = False,
    html_out: Annotated[bool, typer.Option("--html", help="Also write each report as a page.")] = False,
    model: Annotated[str, typer.Option(help=f"Pose model: {'|'.join(MODEL_NAMES)} or a .task file.")] = "full",
    fps: Annotated[float | None, typer.Option(
        "--fps", min=1, callback=finite, help="Analyse at most this many frames a second.")]
    = None,
    save: Annotated[bool, typer.Option("--save", help="Also keep each result in the history, with the "
                                       "manifest's patient.")] = False,
) -> None:
    """Analyze many recordings on all cores (or a Ray cluster); a rerun goes on where the last stopped."""
    try:
        if manifest is not None and (inputs or exercise):
            raise FormcheckError("give either --manifest or INPUTS with --exercise, not both")
        if manifest is None and (not inputs or not exercise):
            raise FormcheckError("give INPUTS and --exercise ID|auto, or --manifest FILE.csv")
        jobs = jobs_from_manifest(manifest) if manifest else jobs_from_inputs(inputs, exercise)
        by_rel = {job.rel: job for job in jobs}
        resolve_model(model)
        if out_dir.exists() and not out_dir.is_dir():
            raise FormcheckError(f"--out {out_dir} is a file, not a folder")
        options = Options(model, fps, video_out, csv_out, html_out)
        with Progress(TextColumn("batch"), BarColumn(), MofNCompleteColumn(), TextColumn("files"),
                      TextColumn("[red]{task.fields[failed]} failed"), TextColumn("{task.fields[fps]:.0f} frames/s"),
                      TimeRemainingColumn(), console=err, transient=True) as bar:
            task = bar.add_task("batch", total=None, failed=0, fps=0.0)
            started, frames = time.monotonic(), 0

            def advance(outcome: Outcome | None, total: int) -> None:
                nonlocal frames
                if outcome is None:
                    bar.update(task, total=total)
                    return
                frames += outcome.report["frames_analyzed"] if outcome.report else 0
                if save and outcome.ok and outcome.report:
                    job = by_rel[outcome.rel]
                    history.save_session(outcome.report, "batch", source=path_text(job.source.resolve()),
                                         patient=job.patient or None)
                bar.update(task, advance=1, failed=bar.tasks[task].fields["failed"] + (not outcome.ok),
                           fps=frames / max(time.monotonic() - started, 1e-6))

            with stop_signals.working():  # SIGTERM, SIGHUP and Ctrl-C stop it; the summary is still written
                result = run_batch(jobs, out_dir, options, workers, ray, force, advance)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    for row in result.rows:
        if row["status"] == "failed":
            err.print(f"[red]failed:[/] {row['path']}: {row['reason']}", highlight=False, soft_wrap=True)
    stopped = " [yellow](stopped: rerun to go on)[/]" if result.interrupted else ""
    wrote = (f"Wrote {out_dir / SUMMARY_NAME} and {out_dir / INDEX_NAME}" if not result.summary_error else
             f"[red]Could not write {out_dir / SUMMARY_NAME}: {result.summary_error}[/] (the reports stand)")
    out.print(f"{result.done} analysed, {result.skipped} skipped (already done), {result.failed} failed{stopped}. "
              f"{wrote}", highlight=False)
    if result.interrupted:
        raise typer.Exit(code=stop_signals.exit_code())
    if result.failed or result.summary_error:
        raise typer.Exit(code=1)
