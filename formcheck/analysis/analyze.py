"""Offline analysis of a video file: the frame pipeline into a session and an annotated video."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path

from formcheck import stop_signals
from formcheck.analysis.commands import Command
from formcheck.analysis.notes import Note, NoteKind
from formcheck.analysis.pipeline import FileFrames, FramePipeline, Observed, SourceFailed
from formcheck.analysis.session import Session
from formcheck.errors import describe
from formcheck.pose.landmarker import PoseEstimator, model_label
from formcheck.render.overlay import Overlay
from formcheck.spec.specs import ExerciseSpec
from formcheck.video.files import VideoFile, VideoInfo
from formcheck.video.writer import VideoWriter

AHEAD = 4  # frames inferred ahead of the session and the encoder


@dataclass(kw_only=True)
class AnalysisResult:
    session: Session
    info: VideoInfo
    model: str
    complete: bool
    interrupted: bool = False  # Ctrl-C or a stop signal
    incomplete_reason: str | None = None  # why a file was not analysed to its end
    video_problem: str | None = None  # why no annotated video was written, when one was asked for
    notes: list[Note] = field(default_factory=list)  # remarks on the clip as a whole, for the report
    commands: list[Command] = field(default_factory=list)  # where the person signalled (a raised hand)


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
    complete, interrupted, video_problem = False, False, None
    writer = None
    if video_out:
        try:
            writer = VideoWriter(video_out, size, info.fps)
        except OSError as exc:
            video_problem = describe(exc)
    overlay = Overlay(spec, size) if writer else None
    done = 0
    commands: list[Command] = []

    def step(frame: Observed) -> bool:
        nonlocal done
        with stop_signals.uninterrupted():  # a frame is in both the report and the video, or in neither
            state = session.update(frame.pose, cut=frame.cut)
            if frame.command:
                commands.append(frame.command)
            if writer and overlay:
                rgb = frame.rgb.copy() if not frame.rgb.flags.writeable else frame.rgb
                writer.write(overlay.draw(rgb, state), frame.t)
            done += 1
            if progress:
                progress(done, info.frames)
        return False

    pipeline = None
    try:
        with nullcontext(estimator) if estimator else PoseEstimator(model) as landmarker:
            landmarker.restart()
            pipeline = FramePipeline(landmarker, model=model, ahead=AHEAD)
            pipeline.run(FileFrames(video, max_fps), step)
        complete = video.stopped is None
    except SourceFailed as failed:
        raise failed.cause from None
    except KeyboardInterrupt:
        interrupted = True
    finally:
        session.finish()
        video.close()
        if writer:
            video_problem = writer.close()
    notes = (pipeline.notes.notes(spec, size) if pipeline else []) + _stream_notes(video, spec)
    if video.restarts:  # the header spoke of the first piece only
        info = replace(info, frames=done, duration_s=round(session.last_t + 1 / info.fps, 3))
    return AnalysisResult(session=session, info=info, model=model_label(model), complete=complete,
                          interrupted=interrupted, incomplete_reason=video.stopped, video_problem=video_problem,
                          notes=notes, commands=commands)


def _stream_notes(video: VideoFile, spec: ExerciseSpec) -> list[Note]:
    """What changed in the stream on the way, and what was done about it."""
    notes = []
    if video.restarts:
        times = ", ".join(f"{t:.1f} s" for t in video.restarts)
        notes.append(Note(note=NoteKind.STREAM_CHANGED,
                          message=spec.messages["timestamps_restarted"].replace("{times}", times)))
    for t, (w, h) in video.resized:
        notes.append(Note(note=NoteKind.STREAM_CHANGED, message=spec.messages["size_changed"].replace(
            "{t}", f"{t:.1f} s").replace("{size}", f"{w}x{h}")))
    return notes
