"""Batch analysis of many recordings: local worker processes or Ray tasks, resumable.

The driver expands the inputs into jobs, skips those whose result is already in `--out` for the
same input content, spec version and model (the manifest), and hands the rest to workers. Each
worker keeps its pose model loaded across files. Results come back to the driver, which writes
them and the manifest after every file, so a crash or Ctrl-C loses only the files in progress.
One batch at a time writes to a folder (a lock in it), so two never lose each other's records.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from formcheck import atomic
from formcheck.batch.jobs import LOCK_NAME, Job
from formcheck.batch.manifest import Manifest, Options, _input_key, file_sha256, spec_version, summary_row
from formcheck.batch.pages import report_html, write_summary
from formcheck.batch.runners import DEFAULT_WORKERS, LocalRunner, RayRunner, Runner, run_jobs
from formcheck.batch.worker import Outcome
from formcheck.errors import FormcheckError, describe, path_text
from formcheck.reports.outputs import atomic_write
from formcheck.reports.report import write_json
from formcheck.spec.specs import load_spec


@dataclass(kw_only=True)
class BatchResult:
    rows: list[dict[str, Any]]
    done: int = 0
    skipped: int = 0
    failed: int = 0
    interrupted: bool = False
    summary_error: str = ""  # why summary.csv / index.html could not be written


@contextmanager
def locked(out: Path) -> Iterator[None]:
    """The folder for this batch alone; the lock goes with the process, however it ends."""
    path = out / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise FormcheckError(f"cannot write in --out {out}: {describe(exc)}") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip() or "?"
            raise FormcheckError(f"another formcheck batch (process {holder}) is writing to {out}; "
                                 "wait for it to end or choose another --out") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        yield
    finally:
        os.close(fd)


def run_batch(jobs: list[Job], out: Path, options: Options, workers: int = DEFAULT_WORKERS,
              ray: str | None = None, force: bool = False,
              progress: Callable[[Outcome | None, int], None] | None = None) -> BatchResult:
    """Runs the jobs not done yet, writes each result as it comes, then the summary and index.

    `progress(outcome, pending)` is called once with None and the number of files to run, then
    after every file. SIGTERM is taken as Ctrl-C: the finished files stay recorded.
    """
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FormcheckError(f"cannot make --out {out}: {describe(exc)}") from None
    with locked(out):
        return _run_locked(jobs, out, options, workers, ray, force, progress)


def _run_locked(jobs: list[Job], out: Path, options: Options, workers: int, ray: str | None, force: bool,
                progress: Callable[[Outcome | None, int], None] | None) -> BatchResult:
    manifest = Manifest(out)
    result = BatchResult(rows=[])
    pending: list[tuple[Job, dict[str, Any]]] = []
    for job in jobs:
        if job.problem:  # unreadable before any work: listed with its reason, the rest goes on
            _record(out, job, _input_key(job, options, ""), Outcome(rel=job.rel, ok=False, exercise=job.exercise,
                                                                  reason=job.problem), manifest, options)
            result.failed += 1
            continue
        try:
            key = _input_key(job, options, file_sha256(job.source))
        except OSError:
            key = _input_key(job, options, "")  # unreadable: the worker says why
        if not force and manifest.is_done(job, options, key, out):
            result.skipped += 1
        else:
            pending.append((job, key))
    if progress:
        progress(None, len(pending))
    runner: Runner | None = None
    try:
        if pending:
            runner = RayRunner(ray, workers) if ray else LocalRunner(workers)
            for job, key, outcome in run_jobs(runner, pending, options):
                outcome = _record(out, job, key, outcome, manifest, options)
                result.done += outcome.ok
                result.failed += not outcome.ok
                if progress:
                    progress(outcome, len(pending))
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        if runner:
            runner.close(result.interrupted)
        try:
            result.rows = write_summary(out, jobs, manifest)
        except OSError as exc:
            result.summary_error = describe(exc)
    return result


def _record(out: Path, job: Job, key: dict[str, Any], outcome: Outcome, manifest: Manifest,
            options: Options) -> Outcome:
    """Writes the file's outputs, each whole or not at all, then its manifest entry. An output that
    cannot be written (a full disk, a name too long) fails this file, not the batch."""
    if outcome.ok and outcome.report is not None:
        try:
            (out / job.rel).parent.mkdir(parents=True, exist_ok=True)
            for suffix, content in outcome.files.items():
                atomic.write_bytes(out / (job.rel + suffix), content)
            if options.html:
                atomic_write(out / (job.rel + ".html"), report_html(outcome.report, load_spec(outcome.exercise)))
            write_json(out / (job.rel + ".json"), outcome.report)
        except OSError as exc:
            outcome.ok, outcome.report = False, None
            outcome.reason = f"cannot write its results in {out}: {describe(exc)}"
    entry: dict[str, Any] = {**key, "exercise": outcome.exercise, "status": "ok" if outcome.ok else "failed",
                             "reason": path_text(outcome.reason), "seconds": outcome.seconds}
    if outcome.ok and outcome.report is not None:
        entry |= {"spec_version": spec_version(outcome.exercise), "row": summary_row(outcome.report)}
    try:
        manifest.record(job.rel, entry)
    except OSError:  # kept in memory for the summary; a rerun redoes the file
        pass
    return outcome
