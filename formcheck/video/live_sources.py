"""Live sources: the webcam, or a file played in real time, on a reader thread that keeps only
the newest frame, so processing never works through a backlog and latency never grows."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.errors import FormcheckError
from formcheck.video.files import VideoFile


@dataclass(frozen=True, kw_only=True)
class Captured:
    t: float  # seconds: the video's own timestamp, or since the camera opened
    wall: float | None  # time.monotonic() when the frame arrived (live latency); None for a file read whole
    rgb: np.ndarray


class LatestFrame:
    """A one-slot mailbox: the producer overwrites, the consumer takes the newest.

    Frames overwritten before anyone took them are counted in `dropped`, so a slow consumer
    never works through a backlog and live latency never grows.
    """

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: Captured | None = None
        self.dropped = 0
        self.delivered = 0
        self.closed = False
        self.error: BaseException | None = None

    def put(self, item: Captured) -> None:
        with self._cond:
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self._cond.notify()

    def close(self, error: BaseException | None = None) -> None:
        with self._cond:
            self.closed, self.error = True, error
            self._cond.notify_all()

    def get(self, timeout: float) -> Captured | None:
        """The newest frame, or None if none came within `timeout` or the source ended."""
        with self._cond:
            if self._item is None and not self.closed:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            if item is not None:
                self.delivered += 1
                self._cond.notify_all()  # a producer that waits for the slot to empty (FileSource)
            return item

    def wait_taken(self, stop: threading.Event) -> None:
        """Until the consumer has taken the frame in the slot (or `stop` is set)."""
        with self._cond:
            while self._item is not None and not stop.is_set():
                self._cond.wait(0.1)


class LiveSource:
    """Base of the live sources: `start()`, then `frames.get()`; `stop()` ends the thread."""

    mirror = False
    paced = True  # frames come at their own pace whether taken or not (False: they wait to be taken)

    def __init__(self) -> None:
        self.frames = LatestFrame()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._guarded, daemon=True, name="live-source")
        self.width = self.height = 0
        self.fps = 30.0
        self.name = "live"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2.0)

    def captured(self, stop: threading.Event) -> Iterator[Captured]:
        """The newest frame each time one is taken, until the source ends or `stop` is set; a failure
        is raised."""
        while not stop.is_set():
            item = self.frames.get(timeout=0.1)
            if item is not None:
                yield item
            elif self.frames.closed:
                if self.frames.error is not None:
                    raise self.frames.error
                return

    def _guarded(self) -> None:
        try:
            self._run()
            self.frames.close()
        except BaseException as exc:  # handed to the consumer
            self.frames.close(exc)

    def _run(self) -> None:
        raise NotImplementedError


class CameraSource(LiveSource):
    """A webcam through OpenCV. A camera that stops delivering (unplugged) ends the source."""

    mirror = True
    MAX_FAILED_READS = 30

    def __init__(self, index: int) -> None:
        super().__init__()
        import cv2

        from formcheck.pose.landmarker import quiet_stderr

        with quiet_stderr():  # a missing camera makes each OpenCV backend log why, over several lines
            self._cap = cv2.VideoCapture(index)
            ok, first = self._cap.read() if self._cap.isOpened() else (False, None)
        if not ok or first is None:
            self._cap.release()
            raise FormcheckError(f"camera {index} could not be opened (is it connected, and is the index right? "
                                 "try --camera 0, 1, ...; or use --source VIDEO)")
        self.height, self.width = first.shape[:2]
        self.fps = float(self._cap.get(cv2.CAP_PROP_FPS) or 30.0)
        self.name = f"camera:{index}"

    def _run(self) -> None:
        import cv2

        start = time.monotonic()
        failed = 0
        try:
            while not self._stop.is_set():
                ok, bgr = self._cap.read()
                if not ok:
                    failed += 1
                    if failed >= self.MAX_FAILED_READS:
                        raise FormcheckError("the camera stopped delivering frames (unplugged?)")
                    time.sleep(0.01)
                    continue
                failed = 0
                now = time.monotonic()
                self.frames.put(Captured(t=now - start, wall=now, rgb=cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
        finally:
            self._cap.release()


class RealtimeFileSource(LiveSource):
    """A video file played as if it were a camera: frames arrive at their own pace."""

    def __init__(self, path: Path) -> None:
        super().__init__()
        self._video = VideoFile(path)
        info = self._video.info
        self.width, self.height, self.fps = info.width, info.height, info.fps
        self.name = str(path)

    def _run(self) -> None:
        start: float | None = None
        try:
            for t, rgb in self._video.frames():
                if start is None:  # the clock starts at the first frame, not before its decoding
                    start = time.monotonic() - t
                if self._wait_turn(start + t):
                    return
                self.frames.put(Captured(t=t, wall=time.monotonic(), rgb=rgb))
            if self._video.stopped:
                raise FormcheckError(f"{self.name}: {self._video.stopped}")
        finally:
            self._video.close()

    def _wait_turn(self, due: float) -> bool:
        """Until the next frame is due (`time.monotonic()` at its time in the video); True: stopped."""
        delay = due - time.monotonic()
        return (delay > 0 and self._stop.wait(delay)) or self._stop.is_set()


class FileSource(RealtimeFileSource):
    """A video file delivered frame by frame as fast as they are taken: none dropped, the same
    result on a slow machine as on a fast one."""

    paced = False

    def _wait_turn(self, due: float) -> bool:
        self.frames.wait_taken(self._stop)
        return self._stop.is_set()
