"""Batch analysis of many recordings: local worker processes or Ray tasks, resumable.

The driver expands the inputs into jobs, skips those whose result is already in `--out` for the
same input content, spec version and model (the manifest), and hands the rest to workers. Each
worker keeps its pose model loaded across files. Results come back to the driver, which writes
them and the manifest after every file, so a crash or Ctrl-C loses only the files in progress.
"""

from __future__ import annotations

import csv
import glob
import hashlib
import html
import io
import json
import os
import signal
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from formcheck.errors import FormcheckError
from formcheck.outputs import atomic_write
from formcheck.pose import PoseEstimator, model_label
from formcheck.report import build_report, write_csv, write_json
from formcheck.sources import VideoFile
from formcheck.specs import ExerciseSpec, exercise_ids, load_spec, specs_dir

AUTO = "auto"
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv")
MANIFEST_NAME = "batch-manifest.json"
MANIFEST_SCHEMA = "formcheck.batch/1"
RECOGNIZE_S = 10.0  # --exercise auto names the exercise from at most this much of the start
# One worker a core: MediaPipe runs its CPU inference on one thread per graph (desktop Linux). On a
# 2-core machine bench/batch_throughput.py found 2 workers best and 3 slower.
DEFAULT_WORKERS = os.cpu_count() or 1


@dataclass(frozen=True)
class Job:
    source: Path  # the input as the user named it (the report's source.path)
    rel: str  # its output name under --out without suffix, mirroring the input tree
    exercise: str  # an exercise id, or "auto"
    patient: str = ""


@dataclass(frozen=True)
class Options:
    model: str = "full"
    max_fps: float | None = None
    video: bool = False  # also write the annotated video
    csv: bool = False  # also write the per-frame measures
    html: bool = False  # also write a page of the report


@dataclass
class Outcome:
    rel: str
    ok: bool
    reason: str = ""
    exercise: str = ""
    report: dict[str, Any] | None = None
    files: dict[str, bytes] = field(default_factory=dict)  # output suffix -> content
    seconds: float = 0.0


# ---- the jobs --------------------------------------------------------------------------------


def _expand(item: str) -> list[Path]:
    path = Path(item)
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES)
    if path.exists():
        return [path]
    matches = sorted(glob.glob(item, recursive=True))
    if not matches:
        raise FormcheckError(f"no such file or folder: {item}")
    return [p for m in matches for p in _expand(m)]


def _with_rel(entries: Iterable[tuple[Path, str, str]]) -> list[Job]:
    """Jobs named by their place under the inputs' common folder, each file once."""
    seen: dict[Path, tuple[Path, str, str]] = {}
    for path, exercise, patient in entries:
        seen.setdefault(path.resolve(), (path, exercise, patient))
    if not seen:
        raise FormcheckError("no video files in the inputs")
    base = Path(os.path.commonpath([p.parent for p in seen]))
    stems = [full.relative_to(base).with_suffix("").as_posix() for full in seen]
    # a.mp4 and a.mov side by side keep their suffix in the output name, so neither overwrites the other
    return [Job(path, stem if stems.count(stem) == 1 else full.relative_to(base).as_posix(), exercise, patient)
            for stem, (full, (path, exercise, patient)) in zip(stems, seen.items(), strict=True)]


def _check_exercise(exercise: str, where: str = "") -> str:
    if exercise != AUTO and exercise not in exercise_ids():
        raise FormcheckError(f"{where}unknown exercise '{exercise}'; known: {', '.join(exercise_ids())} or auto")
    return exercise


def jobs_from_inputs(inputs: list[str], exercise: str) -> list[Job]:
    _check_exercise(exercise)
    return _with_rel((path, exercise, "") for item in inputs for path in _expand(item))


def jobs_from_manifest(manifest: Path) -> list[Job]:
    """A CSV of `path,exercise[,patient]`; paths relative to the CSV's folder; a header row is optional."""
    try:
        rows = list(csv.reader(io.StringIO(manifest.read_text(encoding="utf-8-sig"))))
    except (OSError, UnicodeDecodeError) as exc:
        raise FormcheckError(f"cannot read manifest {manifest}: {exc}") from None
    entries = []
    for line, row in enumerate(rows, 1):
        cells = [c.strip() for c in row]
        if not any(cells) or (line == 1 and cells[0].lower() == "path"):
            continue
        where = f"{manifest} line {line}: "
        if len(cells) not in (2, 3) or not cells[0] or not cells[1]:
            raise FormcheckError(f"{where}expected path,exercise[,patient], got {','.join(row)}")
        path = manifest.parent / cells[0]
        if not path.is_file():
            raise FormcheckError(f"{where}video not found: {path}")
        entries.append((path, _check_exercise(cells[1], where), cells[2] if len(cells) == 3 else ""))
    return _with_rel(entries)


# ---- one file --------------------------------------------------------------------------------


def analyze_file(path: Path, spec: ExerciseSpec, options: Options, estimator: PoseEstimator,
                 video_out: Path | None) -> tuple[dict[str, Any], Any]:
    """The one place a batch runs the analysis: the same report `formcheck analyze` builds."""
    from formcheck.analysis import analyze_video

    result = analyze_video(path, spec, options.model, video_out, estimator=estimator, max_fps=options.max_fps)
    report = build_report(result.session, result.info, result.model, result.complete, result.incomplete_reason,
                          result.notes)
    return report, result.session


def recognize_exercise(path: Path, estimator: PoseEstimator, seconds: float = RECOGNIZE_S) -> str:
    from formcheck.recognize import ExerciseRecognizer

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


# ---- the manifest: what is done, for which input, spec and model ---------------------------


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def spec_version(exercise: str) -> str:
    """A hash of the spec's text (its own file and the shared cues): a changed spec redoes its files."""
    digest = hashlib.sha256()
    for path in (specs_dir() / "_common.toml", specs_dir() / f"{exercise}.toml"):
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:16]


def _input_key(job: Job, options: Options, sha256: str) -> dict[str, Any]:
    return {"input_sha256": sha256, "exercise_requested": job.exercise, "model": model_label(options.model),
            "max_fps": options.max_fps}


def _output_names(job: Job, options: Options) -> list[str]:
    return [job.rel + ".json"] + [job.rel + s for s, on in ((".annotated.mp4", options.video),
                                                               (".measures.csv", options.csv),
                                                               (".html", options.html)) if on]


class Manifest:
    """`--out/batch-manifest.json`: one entry per output name; rewritten atomically after every file."""

    def __init__(self, out: Path) -> None:
        self.path = out / MANIFEST_NAME
        self.entries: dict[str, dict[str, Any]] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
                self.entries = data["files"] if data.get("schema") == MANIFEST_SCHEMA else {}
            except (ValueError, KeyError, TypeError):
                self.entries = {}  # unreadable: everything is redone

    def is_done(self, job: Job, options: Options, key: dict[str, Any], out: Path) -> bool:
        entry = self.entries.get(job.rel)
        return (entry is not None and entry["status"] == "ok"
                and all(entry.get(k) == v for k, v in key.items())
                and entry["spec_version"] == spec_version(entry["exercise"])
                and all((out / name).is_file() for name in _output_names(job, options)))

    def record(self, rel: str, entry: dict[str, Any]) -> None:
        self.entries[rel] = entry
        atomic_write(self.path, json.dumps({"schema": MANIFEST_SCHEMA, "files": self.entries}, indent=1) + "\n")


# ---- summary -------------------------------------------------------------------------------


def summary_row(report: dict[str, Any]) -> dict[str, Any]:
    """The report in one row: counts, seconds per side, faults counted by cue."""
    faults: dict[str, int] = {}
    for item in report["reps"] + report["holds"]:
        for cue in item["faults"]:
            faults[cue] = faults.get(cue, 0) + 1
    sides = report["side_totals"]
    return {"reps": report["rep_count"], "good_reps": report["good_reps"], "holds": len(report["holds"]),
            "left_s": sides.get("left", ""), "right_s": sides.get("right", ""),
            "pose_coverage": report["pose_coverage"], "frames": report["frames_analyzed"], "faults": faults}


SUMMARY_COLUMNS = ["path", "patient", "exercise", "status", "reason", "reps", "good_reps", "holds", "left_s",
                   "right_s", "pose_coverage", "frames", "report"]


def write_summary(out: Path, jobs: list[Job], manifest: Manifest) -> list[dict[str, Any]]:
    """`summary.csv` (a column per fault cue, `fault_<cue>`) and `index.html`; returns the rows."""
    rows = []
    for job in jobs:
        entry = manifest.entries.get(job.rel, {})
        row = {"path": str(job.source), "patient": job.patient, "exercise": entry.get("exercise", job.exercise),
               "status": entry.get("status", "not done"), "reason": entry.get("reason", ""),
               "report": job.rel + ".json" if entry.get("status") == "ok" else "", **entry.get("row", {})}
        row["page"] = job.rel + ".html" if row["report"] and (out / f"{job.rel}.html").is_file() else row["report"]
        rows.append(row)
    cues = sorted({cue for row in rows for cue in row.get("faults", {})})
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(SUMMARY_COLUMNS + [f"fault_{c}" for c in cues])
    for row in rows:
        counts = row.get("faults")
        writer.writerow([row.get(c, "") for c in SUMMARY_COLUMNS]
                        + [counts.get(c, 0) if counts is not None else "" for c in cues])
    atomic_write(out / "summary.csv", buf.getvalue())
    atomic_write(out / "index.html", _index_html(rows))
    return rows


PAGE_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
              "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}tr.failed td{background:#fdd}")


def _page(title: str, body: str) -> str:
    return (f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{PAGE_STYLE}</style></head><body>\n<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n")


def report_html(report: dict[str, Any], spec: ExerciseSpec) -> str:
    """One report as a page: every rep or hold with its faults in the spec's words, and the warnings."""
    def faults(item: dict[str, Any]) -> str:
        return "; ".join(html.escape(spec.cue(c).message) for c in item["faults"]) or "good"

    if spec.mode == "reps":
        head = f"<p>{report['rep_count']} reps, {report['good_reps']} with good form.</p>"
        rows = [f"<tr><td>{r['index']}</td><td>{r['start_s']:.1f}-{r['end_s']:.1f} s</td>"
                f"<td>{r['hold_s']:.1f} s</td><td>{faults(r)}</td></tr>" for r in report["reps"]]
        table = "<tr><th>rep</th><th>time</th><th>held at the top</th><th>form</th></tr>"
    else:
        head = "<p>" + ", ".join(f"{side} leg forward: {secs:.1f} s" for side, secs in report["side_totals"].items())
        head += "</p>"
        rows = [f"<tr><td>{h['index']}</td><td>{h['side'] or '?'}</td><td>{h['start_s']:.1f}-{h['end_s']:.1f} s"
                f"</td><td>{h['seconds']:.1f} s ({h['good_form_s']:.1f} s good form)</td><td>{faults(h)}</td></tr>"
                for h in report["holds"]]
        table = "<tr><th>hold</th><th>front leg</th><th>time</th><th>in the stretch</th><th>form</th></tr>"
    warnings = "".join(f"<li>{w['start_s']:.1f}-{w['end_s']:.1f} s: {html.escape(w['message'])}</li>"
                       for w in report["warnings"])
    return _page(f"{spec.name}: {report['source']['path']}",
                 f"{head}<table>{table}{''.join(rows)}</table>"
                 + (f"<h2>Corrections</h2><ul>{warnings}</ul>" if warnings else "")
                 + f"<p>Pose found in {report['pose_coverage'] * 100:.0f}% of frames; model {report['model']}.</p>")


def _index_html(rows: list[dict[str, Any]]) -> str:
    def cell(row: dict[str, Any]) -> str:
        link = (f'<a href="{html.escape(row["page"])}">{html.escape(row["path"])}</a>'
                if row["page"] else html.escape(row["path"]))
        faults = ", ".join(f"{c} &times;{n}" for c, n in row.get("faults", {}).items())
        counts = ("" if "reps" not in row else
                  f'{row["holds"]} holds, left {row["left_s"] or 0} s, right {row["right_s"] or 0} s' if row["holds"]
                  else f'{row["reps"]} reps, {row["good_reps"]} good')
        return (f'<tr class="{html.escape(row["status"])}"><td>{link}</td><td>{html.escape(row["patient"])}</td>'
                f'<td>{html.escape(row["exercise"])}</td><td>{html.escape(row["status"])}'
                f'{": " + html.escape(row["reason"]) if row["reason"] else ""}</td><td>{counts}</td>'
                f"<td>{faults}</td></tr>")

    failed = sum(r["status"] != "ok" for r in rows)
    return _page("formcheck batch", f'<p>{len(rows)} files, {failed} not analysed. <a href="summary.csv">summary.csv'
                 "</a></p>\n<table><tr><th>file</th><th>patient</th><th>exercise</th><th>status</th>"
                 "<th>reps / holds</th><th>faults</th></tr>\n" + "\n".join(cell(r) for r in rows) + "\n</table>")


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
