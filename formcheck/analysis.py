"""Offline analysis of a video file: the one pass from frames to a finished session."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from formcheck.overlay import Overlay
from formcheck.pose import PoseEstimator, model_label
from formcheck.scene import CutDetector
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
                  progress: Callable[[int, int], None] | None = None) -> AnalysisResult:
    """Runs pose, measures and engine over every frame; Ctrl-C ends it early, not badly.

    On KeyboardInterrupt the result comes back with `complete=False` and the annotated video so
    far is finished properly, so nothing recorded is lost.
    """
    video = VideoFile(path)
    info = video.info
    size = (info.width, info.height)
    session = Session(spec, size)
    complete = False
    writer = VideoWriter(video_out, size, info.fps) if video_out else None
    overlay = Overlay(spec, size) if writer else None
    cuts = CutDetector()
    try:
        with PoseEstimator(model) as estimator:
            for t, rgb in prefetch(video.frames()):
                state = session.update(estimator.detect(rgb, t), cut=cuts(rgb))
                if writer and overlay:
                    frame = rgb.copy() if not rgb.flags.writeable else rgb
                    writer.write(overlay.draw(frame, state), t)
                if progress:
                    progress(session.frames, info.frames)
        complete = True
    except KeyboardInterrupt:
        pass
    finally:
        session.finish()
        video.close()
        if writer:
            writer.close()
    return AnalysisResult(session, info, model_label(model), complete)
