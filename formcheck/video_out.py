"""The annotated video: H.264 in MP4 (plays in browsers), encoded on its own thread."""

from __future__ import annotations

import queue
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

_STOP = object()


class VideoWriter:
    """Frames go in with `write`; `close` flushes and finishes the file, also after Ctrl-C."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, crf: int = 23) -> None:
        self.path = Path(path)
        self._container = av.open(str(self.path), mode="w", options={"movflags": "+faststart"})
        rate = Fraction(fps).limit_denominator(1001)
        self._stream = self._container.add_stream("libx264", rate=rate)
        w, h = size
        self._stream.width, self._stream.height = w - w % 2, h - h % 2  # yuv420p needs even sizes
        self._stream.pix_fmt = "yuv420p"
        self._stream.codec_context.time_base = Fraction(1, 1000)
        self._stream.options = {"crf": str(crf), "preset": "veryfast"}
        self._queue: queue.Queue = queue.Queue(maxsize=16)
        self._error: BaseException | None = None
        self._last_pts = -1
        self._thread = threading.Thread(target=self._run, daemon=True, name="video-writer")
        self._thread.start()

    def write(self, rgb: np.ndarray, t: float) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put((rgb, t))

    def _run(self) -> None:
        try:
            while (item := self._queue.get()) is not _STOP:
                rgb, t = item
                h, w = self._stream.height, self._stream.width
                frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb[:h, :w]), format="rgb24")
                pts = max(int(round(t * 1000)), self._last_pts + 1)  # the file's own timestamps
                self._last_pts = pts
                frame.pts, frame.time_base = pts, Fraction(1, 1000)
                for packet in self._stream.encode(frame):
                    self._container.mux(packet)
        except BaseException as exc:
            self._error = exc
            while self._queue.get() is not _STOP:  # drain so the producer never blocks
                pass

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join()
        try:
            if self._error is None:
                for packet in self._stream.encode():
                    self._container.mux(packet)
        finally:
            self._container.close()
        if self._error is not None:
            raise self._error
