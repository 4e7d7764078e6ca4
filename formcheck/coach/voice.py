"""Spoken words through a local speech engine (espeak-ng), offline and never blocking the video.

One utterance at a time, in the order asked. Counts and announcements (names, targets, rests,
questions, the end) are never dropped. Prompts (a correction, what the setup check wants) are
replaceable: at most one waits, a newer one takes its place, the same words are not repeated within
`repeat_s`, and a count pushes out a prompt still waiting (it belonged to the rep now over).

No engine or no audio device means no voice, said as such (`problem`), never a crash and never a
list of words nobody heard. `FORMCHECK_AUDIO=off` forces no device; `FORMCHECK_AUDIO=discard`
synthesizes every word into nothing and waits as long as it would take to hear it (tests, machines
without sound).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
import time
from collections import deque
from enum import StrEnum
from pathlib import Path

ENGINES = ("espeak-ng", "espeak")
AUDIO_ENV = "FORMCHECK_AUDIO"
FINISH_S = 20.0  # at the end of a run, wait at most this long for the words still to be said
WAV_HEADER, WAV_BYTES_S = 44, 22050 * 2  # espeak-ng --stdout: 22.05 kHz 16-bit mono


class Kind(StrEnum):
    COUNT = "count"  # a rep's number: never dropped
    ANNOUNCE = "announce"  # an exercise, a target, a rest, a question, the end: never dropped
    PROMPT = "prompt"  # a correction or a setup instruction: replaceable


def audio_sink() -> str | None:
    """Where sound would go (a sound server or an ALSA card), or None when nothing would hear it."""
    forced = os.environ.get(AUDIO_ENV, "").lower()
    if forced in ("off", "discard"):
        return None if forced == "off" else "discard"
    runtime = Path(os.environ.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}")
    if os.environ.get("PULSE_SERVER") or (runtime / "pulse" / "native").exists() or (runtime / "pipewire-0").exists():
        return "sound server"
    snd = Path("/dev/snd")
    if snd.is_dir() and any(p.name.startswith("pcm") and p.name.endswith("p") for p in snd.iterdir()):
        return "sound card"
    return None


class Voice:
    def __init__(self, enabled: bool = True, gap_s: float = 0.3, repeat_s: float = 6.0) -> None:
        engine = next((e for e in ENGINES if shutil.which(e)), None) if enabled else None
        self.sink = audio_sink() if engine else None
        self.engine = engine if self.sink else None
        self.muted = False
        self.gap_s, self.repeat_s = gap_s, repeat_s
        self.spoken: list[dict[str, float | str]] = []  # what was said and when: {"t_s", "text"}
        self.problem: str | None = None if self.engine or not enabled else \
            "no espeak-ng found" if engine is None else "voice off: no audio device found"
        self.t0 = time.monotonic()
        self._waiting: deque[tuple[str, Kind]] = deque()
        self._said_at: dict[str, float] = {}
        self._busy = False
        self._wake = threading.Condition()
        if self.engine:
            threading.Thread(target=self._run, daemon=True, name="voice").start()

    @property
    def available(self) -> bool:
        return self.engine is not None and self.problem is None

    @property
    def speaking(self) -> bool:
        """Words are being said or wait to be (a listener skips that sound: it is the coach's own)."""
        return self._busy or bool(self._waiting)

    def start_clock(self) -> None:
        """The report's times count from now (the run's start)."""
        self.t0 = time.monotonic()

    def say(self, text: str, kind: Kind = Kind.ANNOUNCE) -> None:
        if not self.available or self.muted or not text:
            return
        now = time.monotonic()
        with self._wake:
            if kind is Kind.PROMPT:
                if now - self._said_at.get(text, -1e9) < self.repeat_s:
                    return
                self._said_at[text] = now
            if kind is not Kind.ANNOUNCE:  # a newer prompt, or a count that ends the rep it was about
                self._waiting = deque(w for w in self._waiting if w[1] is not Kind.PROMPT)
            self._waiting.append((text, kind))
            self._wake.notify()

    def finish(self, timeout_s: float = FINISH_S) -> None:
        """Waits until the words asked for are said (the last count, "Routine done"), at most `timeout_s`."""
        end = time.monotonic() + timeout_s
        with self._wake:
            while (self._waiting or self._busy) and self.available and (left := end - time.monotonic()) > 0:
                self._wake.wait(min(left, 0.1))

    def _run(self) -> None:
        assert self.engine is not None
        command = [self.engine, "-s", "160"] + (["--stdout"] if self.sink == "discard" else [])
        while True:
            with self._wake:
                while not self._waiting:
                    self._wake.wait()
                text, _ = self._waiting.popleft()
                self._busy = True
            if not self.muted:
                self.spoken.append({"t_s": round(time.monotonic() - self.t0, 2), "text": text})
                try:
                    done = subprocess.run([*command, text], capture_output=True, timeout=15)
                    if self.sink == "discard":
                        time.sleep(max(len(done.stdout) - WAV_HEADER, 0) / WAV_BYTES_S)
                    failed = f"speech failed: {done.stderr.decode(errors='replace').strip()[:120]}" \
                        if done.returncode else None
                except (OSError, subprocess.TimeoutExpired) as exc:
                    failed = f"speech failed: {exc}"
                if failed:
                    self.spoken.pop()
                    self.problem = failed
                time.sleep(self.gap_s)
            with self._wake:
                self._busy = False
                self._wake.notify_all()
            if self.problem:
                return
