"""Frames and their timestamps: video files through PyAV, decoded on a reader thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av
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


class VideoFile:
    """A video file opened for decoding; iterate `frames()` for (seconds, RGB array) pairs."""

    def __init__(self, path: Path) -> None:
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
