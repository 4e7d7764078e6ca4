"""Batch analysis of many recordings: local worker processes or Ray tasks, resumable.

The driver expands the inputs into jobs, skips those whose result is already in `--out` for the
same input content, spec version and model (the manifest), and hands the rest to workers. Each
worker keeps its pose model loaded across files. Results come back to the driver, which writes
them and the manifest after every file, so a crash or Ctrl-C loses only the files in progress.
"""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from formcheck.batch.jobs import AUTO, Job
from formcheck.batch.manifest import Manifest, Options, _input_key, file_sha256, spec_version
from formcheck.batch.pages import report_html, summary_row, write_summary
from formcheck.errors import FormcheckError
from formcheck.pose.landmarker import PoseEstimator
from formcheck.reports.outputs import atomic_write
from formcheck.reports.report import build_report, write_csv, write_json
from formcheck.spec.specs import ExerciseSpec, exercise_ids, load_spec
from formcheck.video.files import VideoFile

RECOGNIZE_S = 10.0  # --exercise auto names the exercise from at most this much of the start
# One worker a core: MediaPipe runs its CPU inference on one thread per graph (desktop Linux). On a
# 2-core machine bench/batch_throughput.py found 2 workers best and 3 slower.
DEFAULT_WORKERS = os.cpu_count() or 1


@dataclass
class Outcome:
    rel: str
    ok: bool
    reason: str = ""
    exercise: str = ""
    report: dict[str, Any] | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # output suffix -> content
    seconds: float = 0.0


# ---- one file --------------------------------------------------------------------------------


def analyze_file(path: Path, spec: ExerciseSpec, options: Options, estimator: PoseEstimator,
                 video_out: Path | None) -> tuple[dict[str, Any], Any]:
    """The one place a batch runs the analysis: the same report `formcheck analyze` builds."""
    from formcheck.analysis.analyze import analyze_video

    result = analyze_video(path, spec, options.model, video_out, estimator=estimator, max_fps=options.max_fps)
    report = build_report(result.session, result.info, result.model, result.complete, result.incomplete_reason,
                          result.notes).as_dict()
    return report, result.session


def recognize_exercise(path: Path, estimator: PoseEstimator, seconds: float = RECOGNIZE_S) -> str:
    from formcheck.analysis.recognize import ExerciseRecognizer

    recognizer = ExerciseRecognizer([load_spec(e) for e in exercise_ids()])
    estimator.restart()
    video = VideoFile(path)
    size = (video.info.width, video.info.height)
    try:
        for t, rgb in video.frames():
            if t > seconds or recognizer.update(estimator.detect(rgb, t), size):
                break
    finally:
        video.close()
    if recognizer.current is None:
        raise FormcheckError(f"could not tell the exercise from the first {seconds:.0f} s; "
                             "name it with --exercise or in a manifest")
    return recognizer.current


_estimators: dict[str, PoseEstimator] = {}


def _worker_estimator(model: str) -> PoseEstimator:
    """The worker's pose model, loaded on its first file and kept for the next ones."""
    if model not in _estimators:
        _estimators[model] = PoseEstimator(model)
        # Closed before MediaPipe's own executor shuts down at exit (plain atexit runs too late).
        threading._register_atexit(_estimators[model].close)  # type: ignore[attr-defined]
    return _estimators[model]


def run_job(job: Job, options: Options) -> Outcome:
    """Runs in a worker. Any failure becomes the file's one-line reason; the batch goes on."""
    started = time.perf_counter()
    outcome = Outcome(job.rel, False, exercise=job.exercise)
    try:
        VideoFile(job.source).close()  # a file that is no video fails before the model loads
        estimator = _worker_estimator(options.model)
        outcome.exercise = recognize_exercise(job.source, estimator) if job.exercise == AUTO else job.exercise
        with tempfile.TemporaryDirectory(prefix="formcheck-batch-") as tmp:
            video_out = Path(tmp) / "annotated.mp4" if options.video else None
            report, session = analyze_file(job.source, load_spec(outcome.exercise), options, estimator, video_out)
            if not report["frames_analyzed"]:
                raise FormcheckError("no frames could be decoded")
            if not report["complete"]:
                raise FormcheckError("the analysis was stopped before the end")
            if not report["pose_coverage"]:
                raise FormcheckError("no person found in the video")
            if video_out:
                outcome.files[".annotated.mp4"] = video_out.read_bytes()
            if options.csv:
                write_csv(Path(tmp) / "measures.csv", session)
                outcome.files[".measures.csv"] = (Path(tmp) / "measures.csv").read_bytes()
        outcome.ok, outcome.report = True, report
    except FormcheckError as exc:
        outcome.reason = str(exc).splitlines()[0]
    except Exception as exc:  # noqa: BLE001 - one broken file must not end the batch
        outcome.reason = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else 'failed'}"
    outcome.seconds = round(time.perf_counter() - started, 3)
    return outcome


# ---- running: local processes or Ray -------------------------------------------------------


def _ignore_sigint() -> None:
    # Ctrl-C reaches the whole process group; the driver alone decides what stops.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


class LocalRunner:
    def __init__(self, workers: int) -> None:
        self.slots = 2 * workers  # queued ahead so no worker waits for the driver
        self._pool = ProcessPoolExecutor(workers, mp_context=get_context("spawn"), initializer=_ignore_sigint)

    def submit(self, job: Job, options: Options) -> Future:
        return self._pool.submit(run_job, job, options)

    def close(self, interrupted: bool) -> None:
        if interrupted:  # the files in progress are lost; the finished ones are already recorded
            for process in list(getattr(self._pool, "_processes", {}).values()):
                process.terminate()
        self._pool.shutdown(wait=not interrupted, cancel_futures=True)


class RayRunner:
    """The same jobs as Ray tasks; a worker lost mid-file is retried by Ray (max_retries)."""

    def __init__(self, address: str, workers: int) -> None:
        try:
            import ray
        except ImportError:
            raise FormcheckError("--ray needs Ray: pip install 'formcheck[ray]'") from None
        self._ray = ray
        if address == "local":
            ray.init(num_cpus=workers, include_dashboard=False, log_to_driver=False, logging_level="WARNING")
        else:
            ray.init(address=address, log_to_driver=False, logging_level="WARNING")
        self.slots = 2 * max(1, int(ray.cluster_resources().get("CPU", workers)))
        self._task = ray.remote(num_cpus=1, max_retries=3)(run_job)
        self._refs: list = []

    def submit(self, job: Job, options: Options) -> Future:
        ref = self._task.remote(job, options)
        self._refs.append(ref)
        return ref.future()

    def close(self, interrupted: bool) -> None:
        if interrupted:
            for ref in self._refs:
                self._ray.cancel(ref, force=True)
        self._ray.shutdown()


@dataclass
class BatchResult:
    rows: list[dict[str, Any]]
    done: int = 0
    skipped: int = 0
    failed: int = 0
    interrupted: bool = False


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt


def run_batch(jobs: list[Job], out: Path, options: Options, workers: int = DEFAULT_WORKERS,
              ray: str | None = None, force: bool = False,
              progress: Callable[[Outcome | None, int], None] | None = None) -> BatchResult:
    """Runs the jobs not done yet, writes each result as it comes, then the summary and index.

    `progress(outcome, pending)` is called once with None and the number of files to run, then
    after every file. SIGTERM is taken as Ctrl-C: the finished files stay recorded.
    """
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(out)
    result = BatchResult([])
    pending: list[tuple[Job, dict[str, Any]]] = []
    for job in jobs:
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
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    runner: LocalRunner | RayRunner | None = None
    try:
        if pending:
            runner = RayRunner(ray, workers) if ray else LocalRunner(workers)
            queue = list(reversed(pending))
            running: dict[Future, tuple[Job, dict[str, Any]]] = {}
            while queue or running:
                while queue and len(running) < runner.slots:
                    job, key = queue.pop()
                    running[runner.submit(job, options)] = (job, key)
                finished, _ = wait(running, return_when=FIRST_COMPLETED)
                for future in finished:
                    job, key = running.pop(future)
                    outcome = _outcome_of(future, job)
                    _record(out, job, key, outcome, manifest, options)
                    result.done += outcome.ok
                    result.failed += not outcome.ok
                    if progress:
                        progress(outcome, len(pending))
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        signal.signal(signal.SIGTERM, previous)
        if runner:
            runner.close(result.interrupted)
        result.rows = write_summary(out, jobs, manifest)
    return result


def _outcome_of(future: Future, job: Job) -> Outcome:
    try:
        return future.result()
    except Exception as exc:  # noqa: BLE001 - a worker that died (crash, killed, Ray gave up)
        return Outcome(job.rel, False, f"the worker was lost: {type(exc).__name__}", job.exercise)


def _record(out: Path, job: Job, key: dict[str, Any], outcome: Outcome, manifest: Manifest,
            options: Options) -> None:
    entry: dict[str, Any] = {**key, "exercise": outcome.exercise, "status": "ok" if outcome.ok else "failed",
                             "reason": outcome.reason, "seconds": outcome.seconds}
    if outcome.ok and outcome.report is not None:
        report_path = out / (job.rel + ".json")
        report_path.parent.mkdir(parents=True, exist_ok=True)
        for suffix, content in outcome.files.items():
            target = out / (job.rel + suffix)
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_bytes(content)
            os.replace(tmp, target)
        if options.html:
            atomic_write(out / (job.rel + ".html"), report_html(outcome.report, load_spec(outcome.exercise)))
        write_json(report_path, outcome.report)
        entry |= {"spec_version": spec_version(outcome.exercise), "row": summary_row(outcome.report)}
    manifest.record(job.rel, entry)
