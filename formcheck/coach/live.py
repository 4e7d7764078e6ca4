"""The live coach's state: which exercise, the setup check, the session, what to say; a report on the way out.

Frames reach it through the frame pipeline (`coach.loop`), smoothed once for the recognizer, the
setup check and the session. Time is the source's own: camera frames carry their capture time, a file
played in real time its timestamps.
"""

from __future__ import annotations

import math
import os
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path

import numpy as np

from formcheck.analysis.commands import Command, CommandBy
from formcheck.analysis.engine import EventKind
from formcheck.analysis.notes import Note
from formcheck.analysis.recognize import ExerciseRecognizer
from formcheck.analysis.session import Session
from formcheck.analysis.setup_check import SetupCheck
from formcheck.coach.voice import Kind, Voice
from formcheck.pose.landmarker import PoseFrame, model_label
from formcheck.render.overlay import BAD, GOOD
from formcheck.reports.report import LiveBlock, Report, VoiceBlock, build_report, measure_series
from formcheck.spec.common import common_messages
from formcheck.spec.specs import ExerciseSpec, exercise_ids, load_spec
from formcheck.spec.vocabulary import Mode
from formcheck.video.files import VideoInfo
from formcheck.video.live_sources import LiveSource

RECENT_S = 4.0  # frames kept to replay into a session that starts (nothing since "ready" is lost)
LEFT_EVERY_S = 5  # a hold's seconds left are said this often


class EndReason(StrEnum):
    """How a live run (or one exercise of the routine) ended; the report's `live.ended_by`."""

    STOPPED = "stopped"
    KEY = "key"  # q or Esc
    GESTURE = "gesture"  # a hand raised and held
    VOICE = "voice"  # "stop" said
    CTRL_C = "ctrl-c"
    SIGTERM = "SIGTERM"
    SIGHUP = "SIGHUP"
    WINDOW_CLOSED = "window closed"
    SOURCE_ENDED = "source ended"
    SOURCE_FAILED = "source failed"
    TIME_LIMIT = "time limit"
    # the routine's own
    DONE = "done"  # the whole routine, to its end
    PAIN = "pain"
    NEXT = "next"
    BACK = "back"
    TARGET = "target"
    MOVED_ON = "moved on"  # the next exercise's position was seen: on to it


@dataclass(frozen=True, kw_only=True)
class LiveOptions:
    exercise: str  # an exercise id, or "auto"
    model: str = "full"
    voice: bool = True
    window: bool = True
    listen: bool = False  # voice commands from the microphone (the voice extra)
    mic: Path | None = None  # a sound file standing in for the microphone (listens too)
    max_seconds: float | None = None  # stop after this long (benchmarks, demos)


def default_report_path(exercise: str) -> Path:
    base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return base / "formcheck" / "sessions" / f"{stamp}-{exercise}.json"


@dataclass
class LiveStats:
    latencies: list[float] = field(default_factory=list)
    processed: int = 0
    started: float = field(default_factory=time.monotonic)

    def as_dict(self, dropped: int) -> dict[str, float | int]:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        lat = np.array(self.latencies) * 1000 if self.latencies else np.array([np.nan])
        return {"processed_fps": round(self.processed / elapsed, 2), "processed_frames": self.processed,
                "dropped_frames": dropped, "latency_ms_p50": round(float(np.percentile(lat, 50)), 1),
                "latency_ms_p95": round(float(np.percentile(lat, 95)), 1)}


class LiveCoach:
    """`voice`: one voice shared by several coaches (the routine's exercises), else its own; `spec`: the
    exercise's spec as the routine adapted it (a patient's limits), else the bundled one."""

    def __init__(self, source: LiveSource, options: LiveOptions, voice: Voice | None = None,
                 spec: ExerciseSpec | None = None) -> None:
        self.source, self.options = source, options
        self.size = (source.width, source.height)
        self.own_voice = voice is None
        self.voice = voice or Voice(enabled=options.voice)
        self.auto = options.exercise == "auto"
        self.recognizer = ExerciseRecognizer([load_spec(e) for e in exercise_ids()]) if self.auto else None
        self.spec: ExerciseSpec | None = None if self.auto else spec or load_spec(options.exercise)
        self.session: Session | None = None
        self.setup: SetupCheck | None = SetupCheck(self.spec) if self.spec else None
        self.segments: list[Report] = []  # finished sessions of earlier exercises (auto mode)
        self.messages = common_messages()
        self.paused = False
        self.frames_seen = self.frames_with_pose = 0  # every frame, before counting started too
        self.stats = LiveStats()
        self.end_reason = EndReason.STOPPED
        self.failed: str | None = None
        self.commands: list[Command] = []  # the stops given, by hand, key or word
        self.series: dict | None = None  # the judged measure per frame of the last count (the HTML plot)
        self._announced_hold: set[int] = set()
        self._announced_left: set[tuple[int, int]] = set()  # (hold, seconds left) said
        self._corrected: set[str] = set()  # corrections said during the rep under way
        self._recent: deque[PoseFrame] = deque()

    # ---- control --------------------------------------------------------------------------
    def _start_exercise(self, exercise: str, since: float) -> None:
        """Auto mode: the posture named the exercise, so counting starts at once, from `since`."""
        self._close_segment()
        self.spec = load_spec(exercise)
        self.setup = SetupCheck(self.spec)
        self._start_session(since)
        self.voice.say(self.spec.name)

    def _start_session(self, since: float) -> None:
        """A new count, fed the recent frames from `since` on: the reps of the last seconds count."""
        assert self.spec is not None
        self.session = Session(self.spec, self.size)
        for frame in self._recent:
            if frame.t >= since:
                self.session.update(frame)

    def continue_from(self, previous: LiveCoach, since: float) -> None:
        """Counting starts at once, from `since`, on the recent frames `previous` saw: this exercise was
        recognised there (a routine following a switch), so the setup check is not needed."""
        self._recent = previous._recent
        self._start_session(since)

    def _close_segment(self) -> None:
        if self.session is not None and self.session.frames:
            self.session.finish()
            self.segments.append(self._report_of(self.session))
        self.session = None

    def reset(self) -> None:
        if self.spec is not None and self.session is not None:
            self.session = Session(self.spec, self.size)
            self.voice.say(self.spec.messages["count_reset"])

    def start(self) -> None:
        """The clock starts now (after the model loaded and the window opened)."""
        self.stats = LiveStats()
        if self.own_voice:
            self.voice.start_clock()

    def end(self, reason: EndReason, failure: str | None = None) -> None:
        self.end_reason = reason
        self.failed = failure if failure is not None else self.failed

    def toggle_pause(self) -> None:
        self.paused = not self.paused

    def toggle_mute(self) -> None:
        self.voice.muted = not self.voice.muted

    def frame_done(self, wall: float | None) -> None:
        """A frame shown; `wall`: when it was captured (a camera), for the latency."""
        self.stats.processed += 1
        if wall is not None:
            self.stats.latencies.append(time.monotonic() - wall)

    def command(self, command: Command) -> None:
        """A stop the person gave: kept for the report, and said when it came by hand (nothing on
        screen shows it was seen)."""
        self.commands.append(command)
        if command.by is CommandBy.GESTURE:
            self.voice.say(self.messages["hand_stop"])
        elif command.by is CommandBy.VOICE:
            self.voice.say(self.messages["heard"].replace("{words}", str(command.command)))

    # ---- the frame step -------------------------------------------------------------------
    def step(self, frame: PoseFrame) -> tuple[str | None, tuple]:
        """Advances one (smoothed) frame, all but the session update; returns the banner and colour."""
        self.frames_seen += 1
        self.frames_with_pose += frame.detected
        self._recent.append(frame)
        while self._recent[0].t < frame.t - RECENT_S:
            self._recent.popleft()
        if self.recognizer is not None:
            switched = self.recognizer.update(frame, self.size)
            if switched and (self.spec is None or switched != self.spec.id):
                self._start_exercise(switched, self.recognizer.since)
                return None, GOOD
        if self.spec is None:
            return self.messages["no_exercise"], BAD
        if self.paused:
            listening = self.options.listen or self.options.mic is not None
            return self.spec.messages["paused_listening" if listening else "paused"], BAD
        if self.session is None:
            assert self.setup is not None
            if not self.setup.update(frame, self.size):
                self.voice.say(self.setup.message, Kind.PROMPT)
                return self.setup.message, BAD
            assert self.setup.since is not None
            self._start_session(self.setup.since)
            self.voice.say(self.spec.messages["ready"], Kind.PROMPT)  # stale once the first count comes
            return None, GOOD
        return None, GOOD

    def speak_events(self, state) -> None:
        """This frame's words: each count, each hold's end and its seconds left, a correction once a rep."""
        spec = self.spec
        assert spec is not None
        for event in state.events:
            if event.kind is EventKind.REP:
                self.voice.say(f"{event.index}", Kind.COUNT)
                self._corrected.clear()
            elif event.kind is EventKind.HOLD:
                sides_left = spec.cycle.side_from is not None and len(state.side_seconds) < 2
                self.voice.say(spec.messages["hold_done_switch" if sides_left else "hold_done"])
            elif event.kind is EventKind.CUE and event.index is None and not event.provisional:
                self.voice.say(spec.cue(event.name).message, Kind.PROMPT)
        if state.cues and state.phase.at_top and state.cues[0].message not in self._corrected:
            self._corrected.add(state.cues[0].message)
            self.voice.say(state.cues[0].message, Kind.PROMPT)
        target = spec.cycle.target_s
        if target and spec.mode is Mode.HOLDS and state.phase.at_top:
            left = math.ceil(target - state.good_form_s)
            if 0 < left < target and left % LEFT_EVERY_S == 0 and (state.holds_done, left) not in self._announced_left:
                self._announced_left.add((state.holds_done, left))
                self.voice.say(spec.messages["seconds_left"].replace("{seconds}", str(left)))
        if target and state.good_form_s >= target and state.holds_done not in self._announced_hold:
            self._announced_hold.add(state.holds_done)
            self.voice.say(spec.messages["target_reached"])

    # ---- output ----------------------------------------------------------------------------
    def _report_of(self, session: Session, notes: list[Note] | None = None) -> Report:
        info = VideoInfo(self.source.name, self.source.fps, session.frames,
                         round(session.last_t, 3), self.size[0], self.size[1])
        return build_report(session, info, model_label(self.options.model), complete=True, notes=notes)

    def report(self, notes: list[Note] | None = None) -> Report:
        """The run's report; `notes`: the frame pipeline's, on the whole run."""
        if self.session is not None:
            self.session.finish()
            main = self._report_of(self.session, notes)
            self.series = measure_series(self.session)
        elif self.segments:
            main = self.segments.pop()
            main.notes = list(notes or [])
        elif self.spec is not None:
            main = self._report_of(Session(self.spec, self.size), notes)
        else:  # auto mode that never saw an exercise: an honest empty report, no exercise made up
            info = VideoInfo(self.source.name, self.source.fps, self.stats.processed, 0.0, *self.size)
            main = Report(complete=True, exercise=None, source=info.as_dict(),
                          model=model_label(self.options.model), results=None, notes=list(notes or []))
        main.complete = self.failed is None
        main.commands = list(self.commands)
        main.incomplete_reason = f"the source failed: {self.failed}" if self.failed else None
        # what the camera saw over the whole run, not only since counting started
        main.frames_seen = self.frames_seen
        main.pose_coverage = self.frames_with_pose / self.frames_seen if self.frames_seen else 0.0
        waiting = self.setup.message if self.session is None and self.setup is not None and not self.segments \
            else None
        main.live = LiveBlock(stats=self.stats.as_dict(self.source.frames.dropped), ended_by=self.end_reason,
                              error=self.failed, waiting_for=waiting)
        if self.auto:
            main.segments = self.segments
        return main

    def voice_block(self) -> VoiceBlock:
        return VoiceBlock(available=self.voice.available, problem=self.voice.problem, spoken=self.voice.spoken)
