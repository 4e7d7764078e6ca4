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

from formcheck.errors import FormcheckError, describe


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


NEEDS_A_FILE = "formcheck needs the video as a file (save the stream to a file first)"


def check_video_path(path: Path) -> None:
    """A video must be a regular file: decoding seeks, and the duration tells a truncated file."""
    if str(path) == "-":
        raise FormcheckError(f"cannot read a video from standard input (-); {NEEDS_A_FILE}")
    if not path.exists():
        raise FormcheckError(f"video not found: {path}")
    if path.is_dir():
        raise FormcheckError(f"{path} is a folder, not a video file")
    if not path.is_file():
        raise FormcheckError(f"{path} is a pipe or device, not a file; {NEEDS_A_FILE}")


def _is_image(container) -> bool:
    # FFmpeg opens a still image as a one-frame video through its image demuxers.
    name = container.format.name
    return name in ("image2", "image2pipe") or name.endswith("_pipe")


class VideoFile:
    """A video file opened for decoding; iterate `frames()` for (seconds, RGB array) pairs.

    The first frame is decoded on opening: a file with none is refused at once, and its
    rotation gives the displayed size. After `frames()`, `stopped` says why decoding ended
    before the end the file declares (truncated or damaged), or is None.
    """

    def __init__(self, path: Path) -> None:
        av = _av()
        self.path = Path(path)
        check_video_path(self.path)
        self.stopped: str | None = None
        try:
            self._container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise FormcheckError(f"{self.path} is not a readable video ({describe(exc)})") from None
        try:
            if _is_image(self._container):
                raise FormcheckError(f"{self.path} is an image, not a video")
            if not self._container.streams.video:
                raise FormcheckError(f"{self.path} has no video stream")
            self._stream = self._container.streams.video[0]
            self._stream.thread_type = "AUTO"
            self._decoded = self._container.decode(self._stream)
            try:
                self._first = next((f for f in self._decoded if f.pts is not None and f.time_base is not None),
                                   None)
            except av.error.FFmpegError as exc:
                raise FormcheckError(f"{self.path} is not a readable video ({describe(exc)})") from None
            if self._first is None:
                raise FormcheckError(f"{self.path} has no frame that decodes (an empty or damaged video)")
            self.info = self._probe()
        except BaseException:
            self._container.close()
            raise

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
        w, h = self._first.width, self._first.height
        if w <= 0 or h <= 0:
            raise FormcheckError(f"{self.path} is not a readable video (no frame size)")
        if self._first.rotation % 180:  # the display matrix; the stream no longer carries it in PyAV
            w, h = h, w
        return VideoInfo(str(self.path), fps, frames, duration, w, h)

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        av = _av()
        first, self._first = self._first, None
        if first is None:
            return
        start = float(first.pts * first.time_base)
        end = 0.0
        frame = first
        try:
            while frame is not None:
                if frame.pts is not None and frame.time_base is not None:
                    t = float(frame.pts * frame.time_base) - start
                    end = t + 1.0 / self.info.fps
                    yield t, _rotate(frame.to_ndarray(format="rgb24"), frame.rotation)
                frame = next(self._decoded, None)
        except av.error.FFmpegError as exc:
            # A damaged part ends the video; what was decoded stands.
            self.stopped = f"decoding failed at {end:.1f} s ({describe(exc)})"
            return
        declared = self.info.duration_s
        if declared - end > max(0.5, 0.02 * declared):
            self.stopped = (f"decoding stopped at {end:.1f} s of {declared:.1f} s "
                            "(the file looks truncated or damaged)")

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

        from formcheck.pose import quiet_stderr

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
            if self._video.stopped:
                raise FormcheckError(f"{self.name}: {self._video.stopped}")
        finally:
            self._video.close()
