"""Offline analysis of a video file: the one pass from frames to a finished session."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from formcheck import stop_signals
from formcheck.analysis.measures import MeasureComputer
from formcheck.analysis.session import Session
from formcheck.errors import describe
from formcheck.pose.landmarker import PeopleCounter, PoseEstimator, PoseFrame, model_label
from formcheck.render.overlay import Overlay
from formcheck.spec.specs import ExerciseSpec
from formcheck.video.cuts import CutDetector
from formcheck.video.files import VideoFile, VideoInfo, prefetch
from formcheck.video.writer import VideoWriter

SAMPLE_S = 0.5  # poses kept this often for the checks on the whole clip (a turned camera)
CROWD_CHECK_S = 5.0  # how often to count the people in the picture (bench/two_people.py: the cost)
CROWD_SHARE = 1 / 3  # two people in this share of the checks is worth a note


@dataclass
class AnalysisResult:
    session: Session
    info: VideoInfo
    model: str
    complete: bool
    interrupted: bool = False  # Ctrl-C or a stop signal
    incomplete_reason: str | None = None  # why a file was not analysed to its end
    video_problem: str | None = None  # why no annotated video was written, when one was asked for
    notes: list[dict] = field(default_factory=list)  # remarks on the clip as a whole, for the report


def analyze_video(path: Path, spec: ExerciseSpec, model: str = "full",
                  video_out: Path | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  estimator: PoseEstimator | None = None,
                  max_fps: float | None = None) -> AnalysisResult:
    """Runs pose, measures and engine over every frame; Ctrl-C ends it early, not badly.

    On KeyboardInterrupt the result comes back with `complete=False` and the annotated video so
    far is finished properly, so nothing recorded is lost. A file that stops decoding before its
    declared end is analysed as far as it goes and comes back incomplete with the reason.
    `estimator`: a loaded model to reuse (batch workers load it once, not once per file); it is
    left open. `max_fps`: analyse at most this many frames a second; the others are skipped, also
    in the annotated video.
    """
    video = VideoFile(path)
    info = video.info
    size = (info.width, info.height)
    session = Session(spec, size)
    complete, interrupted, reason, video_problem = False, False, None, None
    writer = None
    if video_out:
        try:
            writer = VideoWriter(video_out, size, info.fps)
        except OSError as exc:
            video_problem = describe(exc)
    overlay = Overlay(spec, size) if writer else None
    cuts = CutDetector()
    samples: list[PoseFrame] = []
    counter: PeopleCounter | None = None
    checks: list[tuple[float, int]] = []  # (t, people)
    keep = _rate_limit(max_fps) if max_fps else None
    try:
        with nullcontext(estimator) if estimator else PoseEstimator(model) as landmarker:
            landmarker.restart()
            for decoded, (t, rgb) in enumerate(prefetch(video.frames()), 1):
                if keep and not keep(t):
                    continue
                with stop_signals.uninterrupted():
                    pose = landmarker.detect(rgb, t)
                    state = session.update(pose, cut=cuts(rgb))
                    if t >= (checks[-1][0] + CROWD_CHECK_S if checks else SAMPLE_S):
                        counter = counter or PeopleCounter(model)
                        checks.append((t, counter.count(rgb)))
                    if pose.detected and (not samples or t - samples[-1].t >= SAMPLE_S):
                        samples.append(pose)
                    if writer and overlay:
                        frame = rgb.copy() if not rgb.flags.writeable else rgb
                        writer.write(overlay.draw(frame, state), t)
                    if progress:
                        progress(decoded, info.frames)
        complete, reason = video.stopped is None, video.stopped
    except KeyboardInterrupt:
        interrupted = True
    finally:
        session.finish()
        video.close()
        if counter:
            counter.close()
        if writer:
            video_problem = writer.close()
    notes = [n for n in (_crowd_note(checks), _turned_note(spec, samples, size))
             if n is not None]
    return AnalysisResult(session, info, model_label(model), complete, interrupted, reason, video_problem, notes)


def _crowd_note(checks: list[tuple[float, int]]) -> dict | None:
    crowded = [t for t, people in checks if people > 1]
    if not crowded or len(crowded) < CROWD_SHARE * len(checks):
        return None
    return {"note": "two_people", "message": f"Two people are in the picture (first seen at {crowded[0]:.1f} s); "
            "the analysis follows one of them. Film one person at a time."}


def _turned(frame: PoseFrame, size: tuple[int, int], clockwise: bool) -> PoseFrame:
    """The pose as it would be in the picture turned 90 degrees."""
    w, h = size
    x, y = frame.xy[:, 0], frame.xy[:, 1]
    xy = np.stack([h - y, x] if clockwise else [y, w - x], axis=1)
    return PoseFrame(frame.t, xy, frame.z, frame.visibility, frame.world)


def _turned_note(spec: ExerciseSpec, samples: list[PoseFrame], size: tuple[int, int]) -> dict | None:
    """A clip filmed with the camera on its side and no rotation tag: the exercise's posture
    (its [[posture]] conditions) hardly ever fits the picture as it is, but mostly fits it turned."""
    if len(samples) < 3 or not spec.posture:
        return None

    def fits(frames: list[PoseFrame], frame_size: tuple[int, int]) -> float:
        measures = MeasureComputer(spec)
        return sum(spec.in_position(measures(f, frame_size)) for f in frames) / len(frames)

    turned_size = (size[1], size[0])
    turned = max(fits([_turned(f, size, cw) for f in samples], turned_size) for cw in (True, False))
    if fits(samples, size) < 0.2 and turned >= 0.5:
        return {"note": "body_rotated", "message": "The body looks turned by 90 degrees: was the camera on "
                "its side? Turn the video upright and analyse it again."}
    return None


def _rate_limit(max_fps: float) -> Callable[[float], bool]:
    """True for the first frame in each 1/max_fps slot of the video's own time."""
    last_slot = -1

    def keep(t: float) -> bool:
        nonlocal last_slot
        slot = int(t * max_fps + 1e-6)
        if slot == last_slot:
            return False
        last_slot = slot
        return True

    return keep
