"""Frames and their timestamps: video files through PyAV; live sources (webcam, a file played in
real time) on a reader thread that keeps only the newest frame."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.errors import FormcheckError


@dataclass(frozen=True)
class VideoInfo:
    path: str
    fps: float
    frames: int  # from the container; an estimate when it does not say
    duration_s: float
    width: int  # after rotation
    height: int

    def as_dict(self) -> dict:
        return {"path": self.path, "fps": round(self.fps, 3), "frames": self.frames,
                "duration_s": round(self.duration_s, 3), "width": self.width, "height": self.height}


def _rotate(rgb: np.ndarray, rotation: int) -> np.ndarray:
    # PyAV reports the display rotation in degrees counter-clockwise.
    turns = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k=turns)) if turns else rgb


def _av():
    # Imported on first use: PyAV loaded before OpenCV's Qt window is created makes that window
    # hang (their bundled X libraries clash), so live mode opens its window first.
    import av

    return av


class VideoFile:
    """A video file opened for decoding; iterate `frames()` for (seconds, RGB array) pairs."""

    def __init__(self, path: Path) -> None:
        av = _av()
        self.path = Path(path)
        if not self.path.is_file():
            raise FormcheckError(f"video not found: {self.path}")
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise FormcheckError(f"{self.path} is not a readable video ({exc})") from None
        if not self._container.streams.video:
            self._container.close()
            raise FormcheckError(f"{self.path} has no video stream")
        self._stream = self._container.streams.video[0]
        self._stream.thread_type = "AUTO"
        self.info = self._probe()

    def _probe(self) -> VideoInfo:
        av = _av()
        s = self._stream
        fps = float(s.average_rate or s.guessed_rate or 0) or 30.0
        if s.duration is not None and s.time_base is not None:
            duration = float(s.duration * s.time_base)
        elif self._container.duration is not None:
            duration = self._container.duration / av.time_base
        else:
            duration = 0.0
        frames = s.frames or int(round(duration * fps))
        w, h = s.codec_context.width, s.codec_context.height
        if w <= 0 or h <= 0:
            raise FormcheckError(f"{self.path} is not a readable video (no frame size)")
        rotation = self._rotation()
        if rotation % 180:
            w, h = h, w
        return VideoInfo(str(self.path), fps, frames, duration, w, h)

    def _rotation(self) -> int:
        try:
            matrix = self._stream.side_data.get("DISPLAYMATRIX") if self._stream.side_data else None
        except AttributeError:
            matrix = None
        if matrix is None:
            return 0
        return int(round(float(matrix))) % 360 if isinstance(matrix, (int, float)) else 0

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        av = _av()
        start: float | None = None
        try:
            for frame in self._container.decode(self._stream):
                if frame.pts is None or frame.time_base is None:
                    continue
                t = float(frame.pts * frame.time_base)
                start = t if start is None else start
                yield t - start, _rotate(frame.to_ndarray(format="rgb24"), frame.rotation)
        except av.error.FFmpegError as exc:
            if start is None:
                raise FormcheckError(f"{self.path} is not a readable video ({exc})") from None
            # A damaged tail ends the video; what was decoded stands.

    def close(self) -> None:
        self._container.close()


_END = object()


def prefetch(frames: Iterator, size: int = 8) -> Iterator:
    """Runs an iterator on a thread, `size` items ahead, so decoding overlaps inference.

    Errors in the thread are raised in the consumer. Stopping early (break, Ctrl-C) leaves a
    daemon thread that ends with the iterator.
    """
    q: queue.Queue = queue.Queue(maxsize=size)
    stop = threading.Event()

    def run() -> None:
        try:
            for item in frames:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            q.put(_END)
        except BaseException as exc:  # handed to the consumer
            q.put(exc)

    thread = threading.Thread(target=run, daemon=True, name="frame-reader")
    thread.start()
    try:
        while True:
            item = q.get()
            if item is _END:
                return
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


# ---- live sources: a reader thread that keeps only the newest frame ---------------------------


@dataclass(frozen=True)
class Captured:
    t: float  # seconds: the video's own timestamp, or since the camera opened
    wall: float  # time.monotonic() when the frame arrived (latency is measured from here)
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
            return item


class LiveSource:
    """Base of the live sources: `start()`, then `frames.get()`; `stop()` ends the thread."""

    mirror = False

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
                self.frames.put(Captured(now - start, now, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)))
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
        start = time.monotonic()
        try:
            for t, rgb in self._video.frames():
                delay = start + t - time.monotonic()
                if delay > 0 and self._stop.wait(delay):
                    return
                if self._stop.is_set():
                    return
                self.frames.put(Captured(t, time.monotonic(), rgb))
        finally:
            self._video.close()
