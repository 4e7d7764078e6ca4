"""Frames and their timestamps from video files, through PyAV (live sources: `live_sources`)."""

from __future__ import annotations

import hashlib
import math
import os
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from formcheck.errors import FormcheckError, describe, path_text


@dataclass(frozen=True)
class VideoInfo:
    path: str
    fps: float
    frames: int  # from the container; an estimate when it does not say
    duration_s: float
    width: int  # after rotation
    height: int
    fingerprint: str | None = None  # a file's `fingerprint()`; None for a camera

    def as_dict(self) -> dict:
        out = {"path": path_text(self.path), "fps": round(self.fps, 3), "frames": self.frames,
               "duration_s": round(self.duration_s, 3), "width": self.width, "height": self.height}
        return out | ({"fingerprint": self.fingerprint} if self.fingerprint else {})


FINGERPRINT_BYTES = 1 << 20


def fingerprint(path: Path) -> str:
    """Tells one recording from another at the same path (a patient who re-records to the same name):
    SHA-256 of the size, the first and the last MiB. Reading 2 MiB costs nothing beside decoding."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        digest.update(str(size).encode())
        digest.update(f.read(FINGERPRINT_BYTES))
        if size > 2 * FINGERPRINT_BYTES:
            f.seek(size - FINGERPRINT_BYTES)
        digest.update(f.read(FINGERPRINT_BYTES))
    return "sha256:" + digest.hexdigest()


def _rotate(rgb: np.ndarray, rotation: int) -> np.ndarray:
    # PyAV reports the display rotation in degrees counter-clockwise.
    turns = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(rgb, k=turns)) if turns else rgb


def _av():
    # Imported on first use: PyAV loaded before OpenCV's Qt window is created makes that window
    # hang (their bundled X libraries clash), so live mode opens its window first.
    import av

    return av


# what the videos of a folder (batch, routine) end in
VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v", ".mpg", ".mpeg", ".wmv", ".ts", ".mts", ".m2ts")
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

    A stream that changes on the way is still read whole: timestamps that restart (pieces joined
    with `cat`, as cameras and AVCHD write them) are continued from where they were (`restarts`:
    the times), and frames of another size are fitted into the first one's, bars added rather than
    angles stretched (`resized`: the time and the new size).
    """

    def __init__(self, path: Path) -> None:
        av = _av()
        self.path = Path(path)
        check_video_path(self.path)
        self.stopped: str | None = None
        self.restarts: list[float] = []
        self.resized: list[tuple[float, tuple[int, int]]] = []
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
        return VideoInfo(str(self.path), fps, frames, duration, w, h, fingerprint(self.path))

    def frames(self) -> Iterator[tuple[float, np.ndarray]]:
        av = _av()
        first, self._first = self._first, None
        if first is None:
            return
        start = float(first.pts * first.time_base)
        end, last = 0.0, -math.inf
        size = (self.info.height, self.info.width)
        frame = first
        try:
            while frame is not None:
                if frame.pts is not None and frame.time_base is not None:
                    t = float(frame.pts * frame.time_base) - start
                    if t <= last:  # the timestamps restarted: continue them
                        start -= last + 1.0 / self.info.fps - t
                        t = last + 1.0 / self.info.fps
                        self.restarts.append(round(t, 3))
                    last, end = t, t + 1.0 / self.info.fps
                    rgb = _rotate(frame.to_ndarray(format="rgb24"), frame.rotation)
                    if rgb.shape[:2] != size:
                        if not self.resized or self.resized[-1][1] != (rgb.shape[1], rgb.shape[0]):
                            self.resized.append((round(t, 3), (rgb.shape[1], rgb.shape[0])))
                        rgb = _fit(rgb, size)
                    yield t, rgb
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


def _fit(rgb: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """`rgb` scaled to fit (height, width) `size`, centred on black bars: its angles unchanged."""
    import cv2

    h, w = size
    scale = min(h / rgb.shape[0], w / rgb.shape[1])
    nh, nw = max(1, round(rgb.shape[0] * scale)), max(1, round(rgb.shape[1] * scale))
    out = np.zeros((h, w, 3), np.uint8)
    y, x = (h - nh) // 2, (w - nw) // 2
    out[y:y + nh, x:x + nw] = cv2.resize(rgb, (nw, nh), interpolation=cv2.INTER_AREA)
    return out


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
