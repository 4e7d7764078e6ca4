"""The annotated video: H.264 in MP4 (plays in browsers), encoded on its own thread.

The video is one output among several: a failure to write it (a full disk, say) stops only the
video, never the analysis; `close` says what went wrong. It is written under a temporary name and
renamed over the target when finished, so a failed or killed run leaves the previous file whole.
"""

from __future__ import annotations

import errno
import queue
import stat
import threading
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from formcheck import atomic
from formcheck.errors import describe

_STOP = object()
_MOV_SUFFIXES = (".mp4", ".mov")  # faststart is an MP4/MOV option; Matroska would warn about it


class VideoWriter:
    """Frames go in with `write`; `close` flushes and finishes the file, also after Ctrl-C."""

    def __init__(self, path: Path, size: tuple[int, int], fps: float, crf: int = 23) -> None:
        self.path = Path(path)
        options = {"movflags": "+faststart"} if self.path.suffix.lower() in _MOV_SUFFIXES else {}
        # A FIFO or device is written where it is; a file is replaced only once the new one is whole.
        special = atomic.written_through(self.path)
        if special and self.path.exists() and stat.S_ISFIFO(self.path.stat().st_mode):  # open() would block
            raise OSError(errno.ESPIPE, "an MP4 needs a file it can seek in, not a FIFO")
        self._writing = self.path if special else atomic.temp_beside(self.path, self.path.suffix)
        try:
            self._container = av.open(str(self._writing), mode="w", options=options)
        except BaseException:
            self._discard()
            raise
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
        self.frames = 0
        self._thread = threading.Thread(target=self._run, daemon=True, name="video-writer")
        self._thread.start()

    def write(self, rgb: np.ndarray, t: float) -> None:
        if self._error is None:  # after a failure the frames go nowhere; close() reports it
            self._queue.put((rgb, t))
            self.frames += 1

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

    def close(self) -> str | None:
        """Finishes the file; returns why there is none (the partial file removed), or None."""
        self._queue.put(_STOP)
        self._thread.join()
        try:
            if self._error is None:
                for packet in self._stream.encode():
                    self._container.mux(packet)
        except Exception as exc:
            self._error = exc
        try:
            self._container.close()
        except Exception as exc:
            self._error = self._error or exc
        problem = describe(self._error) if self._error is not None else None
        if problem is None and self.frames == 0:
            problem = "no frame was analysed"
        if problem is not None:
            self._discard()
        elif self._writing != self.path:
            try:
                atomic.replace(self._writing, self.path)
            except OSError as exc:
                self._discard()
                problem = describe(exc)
        return problem

    def _discard(self) -> None:
        if self._writing != self.path:
            self._writing.unlink(missing_ok=True)
