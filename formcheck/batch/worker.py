"""What a batch worker does with one file: the analysis `formcheck analyze` runs, and any failure
turned into the file's one-line reason. Runs in a worker process (or a Ray task)."""

from __future__ import annotations

import os
import signal
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from formcheck.batch.jobs import AUTO, Job
from formcheck.batch.manifest import Options
from formcheck.errors import FormcheckError
from formcheck.pose.landmarker import PoseEstimator
from formcheck.reports.report import build_report, write_csv
from formcheck.spec.specs import ExerciseSpec, exercise_ids, load_spec
from formcheck.video.files import VideoFile

RECOGNIZE_S = 10.0  # --exercise auto names the exercise from at most this much of the start


@dataclass(kw_only=True)
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
                          result.notes, result.commands).as_dict()
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
    outcome = Outcome(rel=job.rel, ok=False, exercise=job.exercise)
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



ORPHAN_CHECK_S = 1.0


def start_worker(driver: int) -> None:
    # Ctrl-C and a closed terminal's SIGHUP reach the whole process group; the driver alone decides
    # what stops (it ends its workers itself).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    # A driver killed with SIGKILL leaves its workers blocked on the job queue for ever (the queue's
    # pipe stays open in the worker itself): a worker whose driver is gone ends itself.
    threading.Thread(target=_exit_without, args=(driver,), daemon=True, name="orphan-check").start()


def _exit_without(driver: int) -> None:
    while os.getppid() == driver:
        time.sleep(ORPHAN_CHECK_S)
    os._exit(1)


