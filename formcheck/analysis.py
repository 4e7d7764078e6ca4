"""Offline analysis of a video file: the one pass from frames to a finished session."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path

from formcheck.overlay import Overlay
from formcheck.pose import PoseEstimator, model_label
from formcheck.session import Session
from formcheck.sources import VideoFile, VideoInfo, prefetch
from formcheck.specs import ExerciseSpec
from formcheck.video_out import VideoWriter


@dataclass
class AnalysisResult:
    session: Session
    info: VideoInfo
    model: str
    complete: bool


def analyze_video(path: Path, spec: ExerciseSpec, model: str = "full",
                  video_out: Path | None = None,
                  progress: Callable[[int, int], None] | None = None,
                  estimator: PoseEstimator | None = None,
                  max_fps: float | None = None) -> AnalysisResult:
    """Runs pose, measures and engine over every frame; Ctrl-C ends it early, not badly.

    On KeyboardInterrupt the result comes back with `complete=False` and the annotated video so
    far is finished properly, so nothing recorded is lost. `estimator`: a loaded model to reuse
    (batch workers load it once, not once per file); it is left open. `max_fps`: analyse at most
    this many frames a second; the others are skipped, also in the annotated video.
    """
    video = VideoFile(path)
    info = video.info
    size = (info.width, info.height)
    session = Session(spec, size)
    complete = False
    writer = VideoWriter(video_out, size, info.fps) if video_out else None
    overlay = Overlay(spec, size) if writer else None
    keep = _rate_limit(max_fps) if max_fps else None
    try:
        with nullcontext(estimator) if estimator else PoseEstimator(model) as pose:
            pose.restart()
            for decoded, (t, rgb) in enumerate(prefetch(video.frames()), 1):
                if keep and not keep(t):
                    continue
                state = session.update(pose.detect(rgb, t))
                if writer and overlay:
                    frame = rgb.copy() if not rgb.flags.writeable else rgb
                    writer.write(overlay.draw(frame, state), t)
                if progress:
                    progress(decoded, info.frames)
        complete = True
    except KeyboardInterrupt:
        pass
    finally:
        session.finish()
        video.close()
        if writer:
            writer.close()
    return AnalysisResult(session, info, model_label(model), complete)


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
