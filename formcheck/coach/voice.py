"""Spoken cues through a local speech engine (espeak-ng), offline and never blocking the video.

Rate-limited: one utterance at a time, a short gap between them, the same words not repeated
within `repeat_s`, and stale words dropped rather than queued. No engine or no audio device
means no voice, never a crash.
"""

from __future__ import annotations

import queue
import shutil
import subprocess
import threading
import time

ENGINES = ("espeak-ng", "espeak")


class Voice:
    def __init__(self, enabled: bool = True, gap_s: float = 0.8, repeat_s: float = 6.0) -> None:
        self.engine = next((e for e in ENGINES if shutil.which(e)), None) if enabled else None
        self.muted = False
        self.gap_s, self.repeat_s = gap_s, repeat_s
        self.spoken: list[str] = []  # what was actually said, for the session log
        self.problem: str | None = None if self.engine or not enabled else "no espeak-ng found"
        self._queue: queue.Queue[tuple[str, bool]] = queue.Queue(maxsize=3)
        self._last_said: dict[str, float] = {}
        if self.engine:
            threading.Thread(target=self._run, daemon=True, name="voice").start()

    @property
    def available(self) -> bool:
        return self.engine is not None and self.problem is None

    def say(self, text: str, urgent: bool = False) -> None:
        """Queues words; a correction (`urgent`) pushes out anything not yet said."""
        if not self.available or self.muted:
            return
        now = time.monotonic()
        if now - self._last_said.get(text, -1e9) < self.repeat_s:
            return
        self._last_said[text] = now
        if urgent:
            while not self._queue.empty():
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    break
        try:
            self._queue.put_nowait((text, urgent))
        except queue.Full:
            pass  # stale words are dropped, not queued

    def _run(self) -> None:
        while True:
            text, _ = self._queue.get()
            if self.muted:
                continue
            try:
                done = subprocess.run([self.engine, "-s", "160", text], capture_output=True, timeout=15)
            except (OSError, subprocess.TimeoutExpired) as exc:
                self.problem = f"speech failed: {exc}"
                return
            if done.returncode != 0:
                self.problem = "speech failed (no audio device?)"
                return
            self.spoken.append(text)
            time.sleep(self.gap_s)
