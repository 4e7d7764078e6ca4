"""Still pictures for the HTML report: each rep's top (each hold's middle) drawn as the annotated video is.

A second pass over the recording picks out those frames only; the pose is found afresh on each one and
drawn by the overlay with the rep's own counts and faults, so the picture matches the report.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import cv2

from formcheck.analysis.engine import Phase
from formcheck.errors import FormcheckError
from formcheck.pose.landmarker import MODEL_NAMES
from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import CueWhen
from formcheck.video.files import fingerprint

WIDTH = 360  # pixels: small enough for an email, large enough to see the joint angle
JPEG_QUALITY = 80


def moments(report: dict[str, Any]) -> dict[int, float]:
    """The time each picture is taken at: a rep's peak, a hold's middle; keyed by index."""
    if report.get("holds"):
        return {h["index"]: (h["start_s"] + h["end_s"]) / 2 for h in report["holds"]}
    return {r["index"]: r["peak_s"] for r in report.get("reps", [])}


def _model_of(report: dict[str, Any]) -> str:
    name = str(report.get("model", "")).removeprefix("pose_landmarker_")
    return name if name in MODEL_NAMES else "full"


def _draw(spec: ExerciseSpec, report: dict[str, Any], index: int, rgb, pose) -> Any:
    from formcheck.analysis.session import Session, side_totals
    from formcheck.render.overlay import Overlay

    size = (rgb.shape[1], rgb.shape[0])
    state = Session(spec, size).update(pose)
    holds = report.get("holds") or []
    items = holds or report["reps"]
    item = items[index - 1]
    top_cues = [c for c in spec.cues if c.name in item["faults"] and c.when is CueWhen.TOP]
    if holds:
        done = side_totals([SimpleNamespace(**h) for h in holds[:index - 1]])
        state = replace(state, phase=Phase.TOP, good_form_s=item["good_form_s"], cues=top_cues, hold_side=item["side"],
                        clock_paused=bool(top_cues), side_seconds=done, holds_done=index - 1)
    else:
        state = replace(state, phase=Phase.TOP, rep_count=index, top_s=item["hold_s"], cues=top_cues,
                        good_reps=sum(1 for r in items[:index] if not r["faults"]))
    return Overlay(spec, size).draw(rgb.copy(), state)


def recording_changed(report: dict[str, Any], video: Path) -> bool:
    """The file at the stored path is not the recording the report was made from."""
    stored = report.get("source", {}).get("fingerprint")
    try:
        return stored is not None and Path(video).is_file() and fingerprint(Path(video)) != stored
    except OSError:
        return True


def top_pictures(report: dict[str, Any], spec: ExerciseSpec, video: Path) -> dict[int, str]:
    """Base64 JPEGs keyed by rep (or hold) index; empty when the recording is not at hand, unreadable
    or another recording now (`recording_changed`)."""
    wanted = moments(report)
    if not wanted or not Path(video).is_file() or recording_changed(report, video):
        return {}
    from formcheck.pose.landmarker import PoseEstimator
    from formcheck.video.files import VideoFile

    pictures: dict[int, str] = {}
    pending = sorted(wanted.items(), key=lambda item: item[1])
    try:
        clip = VideoFile(Path(video))
    except FormcheckError:
        return {}
    try:
        with PoseEstimator(_model_of(report)) as estimator:
            for t, rgb in clip.frames():
                pose = None  # found once per frame: VIDEO mode takes each timestamp once
                while pending and t >= pending[0][1]:
                    index, _ = pending.pop(0)
                    pose = estimator.detect(rgb, t) if pose is None else pose
                    image = _draw(spec, report, index, rgb, pose)
                    height = round(image.shape[0] * WIDTH / image.shape[1])
                    small = cv2.resize(image, (WIDTH, height), interpolation=cv2.INTER_AREA)
                    ok, jpeg = cv2.imencode(".jpg", cv2.cvtColor(small, cv2.COLOR_RGB2BGR),
                                            [cv2.IMWRITE_JPEG_QUALITY, JPEG_QUALITY])
                    if ok:
                        pictures[index] = base64.b64encode(jpeg.tobytes()).decode("ascii")
                if not pending:
                    break
    finally:
        clip.close()
    return pictures
