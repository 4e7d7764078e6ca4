"""The one frame pipeline: source -> pose -> smoothing -> cut detection -> raised hand ->
a consumer's step -> its sinks.

`analyze`, batch, `live` and the routine all run their frames through `FramePipeline.run`; what
differs is the step (a session and an annotated video; or the live coach, its window and voice).
Pose inference runs on its own thread, a frame or a few ahead: MediaPipe releases the GIL while it
infers, so the other core runs the step (session, overlay, encoder) of the frame before. The step
sees every frame in order, smoothed once, exactly as if it all ran on one thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from typing import Protocol

import numpy as np

from formcheck.analysis.commands import Command, RaisedHandRule, RaisedHandWatch
from formcheck.analysis.notes import ClipNotes
from formcheck.pose.filters import PoseSmoother
from formcheck.pose.landmarker import PoseEstimator, PoseFrame
from formcheck.video.cuts import CutDetector
from formcheck.video.files import VideoFile, prefetch
from formcheck.video.live_sources import Captured

_END = object()
PUT_WAIT_S = 0.1  # the pose thread looks this often whether it should stop


@dataclass(frozen=True, kw_only=True)
class Observed:
    """One frame as every step sees it."""

    t: float
    rgb: np.ndarray
    pose: PoseFrame  # smoothed
    cut: bool  # this frame starts a new shot of an edited video
    wall: float | None  # time.monotonic() when it was captured (live), None for a file
    command: Command | None = None  # a raised hand held up long enough: a stop, given on this frame
    hand_up_s: float | None = None  # a hand has been up this long, not yet a stop (shown, so the person knows)


class Ending(Enum):
    FRAMES_ENDED = "frames ended"
    STEP_ENDED = "step ended"  # the step returned True


class SourceFailed(Exception):
    """The frames stopped with an error (a camera unplugged, a file that failed to decode): `cause`."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


class FrameSource(Protocol):
    def captured(self, stop: threading.Event) -> Iterable[Captured]:
        """The frames in order; a live source ends soon after `stop` is set."""
        ...


class FileFrames:
    """A video file's frames (decoded on their own thread), at most `max_fps` a second of its own time."""

    def __init__(self, video: VideoFile, max_fps: float | None = None) -> None:
        self.video, self.max_fps = video, max_fps

    def captured(self, stop: threading.Event) -> Iterator[Captured]:
        last_slot = -1
        for t, rgb in prefetch(self.video.frames()):
            if self.max_fps:  # the first frame in each 1/max_fps slot
                slot = int(t * self.max_fps + 1e-6)
                if slot == last_slot:
                    continue
                last_slot = slot
            yield Captured(t=t, wall=None, rgb=rgb)


class FramePipeline:
    """`ahead`: frames inferred before the step takes them (a file: a few, to keep both cores busy;
    live: one, so what is shown is never late)."""

    def __init__(self, estimator: PoseEstimator, *, model: str, ahead: int) -> None:
        self.estimator = estimator
        self.notes = ClipNotes(model)
        self.ahead = ahead
        self._smoother = PoseSmoother()
        self._cuts = CutDetector()
        self._raised_hand = RaisedHandWatch(RaisedHandRule.shared())

    def run(self, source: FrameSource, step: Callable[[Observed], bool]) -> Ending:
        """Feeds `step` every frame in order until the frames end or the step returns True. An error of
        the frames or of the model is raised here (`SourceFailed` for the frames); so is Ctrl-C, after
        the pose thread has stopped."""
        inferred: queue.Queue = queue.Queue(maxsize=self.ahead)
        stop = threading.Event()
        thread = threading.Thread(target=self._infer, args=(iter(source.captured(stop)), inferred, stop),
                                  daemon=True, name="pose")
        thread.start()
        try:
            while True:
                item = inferred.get()
                if item is _END:
                    return Ending.FRAMES_ENDED
                if isinstance(item, BaseException):
                    raise item
                captured, pose = item
                cut = self._cuts(captured.rgb)
                self.notes.observe(pose)
                self.notes.count_people(captured.t, captured.rgb)
                smoothed = self._smoother(pose, cut)
                command = self._raised_hand(smoothed)
                observed = Observed(t=captured.t, rgb=captured.rgb, pose=smoothed, cut=cut, wall=captured.wall,
                                    command=command, hand_up_s=self._raised_hand.held_s)
                if step(observed):
                    return Ending.STEP_ENDED
        finally:
            stop.set()
            while thread.is_alive():  # a full queue would keep the pose thread waiting
                try:
                    inferred.get(timeout=PUT_WAIT_S)
                except queue.Empty:
                    pass
            self.notes.close()

    def _infer(self, frames: Iterator[Captured], inferred: queue.Queue, stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                try:
                    captured = next(frames)
                except StopIteration:
                    _put(inferred, _END, stop)
                    return
                except BaseException as exc:
                    _put(inferred, SourceFailed(exc), stop)
                    return
                pose = self.estimator.detect(captured.rgb, captured.t)
                _put(inferred, (captured, pose), stop)
        except BaseException as exc:  # the model failed: handed to the step's thread
            _put(inferred, exc, stop)


def _put(inferred: queue.Queue, item: object, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            inferred.put(item, timeout=PUT_WAIT_S)
            return
        except queue.Full:
            continue
