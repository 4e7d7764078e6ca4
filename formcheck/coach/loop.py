"""The live frame loop: the frame pipeline into the coach, overlay, window and keys; shared by `live`
and the routine. A raised hand held up is a stop: `live` ends, the routine asks about pain.
`run_live` is `formcheck live`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from formcheck import stop_signals
from formcheck.analysis.commands import Command, CommandBy, CommandName, RaisedHandRule, RaisedHandWatch
from formcheck.analysis.pipeline import Ending, FramePipeline, Observed, SourceFailed
from formcheck.analysis.session import FrameState
from formcheck.coach.listen import Heard, Listener, open_listener
from formcheck.coach.live import EndReason, LiveCoach, LiveOptions
from formcheck.coach.pain_count import HandSeen
from formcheck.coach.voice import Voice
from formcheck.coach.window import (
    FULL_SCREEN_KEY,
    WINDOW,
    close_window,
    open_window,
    screen_size,
    size_window,
    toggle_full_screen,
)
from formcheck.pose.filters import PoseSmoother
from formcheck.pose.landmarker import PoseEstimator, PoseFrame
from formcheck.render.overlay import BAD, Overlay
from formcheck.reports.report import Report
from formcheck.spec.common import common_messages
from formcheck.video.live_sources import Captured, LiveSource

HAND_SHOWN_AFTER_S = 0.3  # a hand up this long is shown as on its way to a stop
LIVE_AHEAD = 1  # one frame inferred while the last is drawn: what is shown is never late
KEY_ENDS = {ord("q"): EndReason.KEY, 27: EndReason.KEY}  # q, Esc


class LoopHooks:
    """What a driver (the routine) adds to the frame loop; these defaults add nothing (`formcheck live`)."""

    def draw(self, coach: LiveCoach, image: np.ndarray) -> np.ndarray:
        return image

    def handle(self, coach: LiveCoach, frame: PoseFrame, state: FrameState | None, key: int) -> EndReason | None:
        """After each frame, with the key pressed (-1: none); a reason ends the loop."""
        return None

    def stopped(self, coach: LiveCoach, by: CommandBy) -> EndReason:
        """What a raised hand (or "stop" said) ends: `formcheck live`'s session."""
        return EndReason.VOICE if by is CommandBy.VOICE else EndReason.GESTURE

    def next(self, coach: LiveCoach) -> EndReason | None:
        """What "next" said does: nothing in `formcheck live`."""
        return None


class HandBetween:
    """A raised hand outside the frame loop (the routine's warm-up, rests and end screen): each new
    frame through the pose model of the running source; the stops heard are kept in `commands`."""

    def __init__(self, voice: Voice) -> None:
        self.voice = voice
        self.commands: list[Command] = []
        messages = common_messages()  # read once, not when the hand is up
        self.said_for = {CommandName.STOP: messages["hand_stop"], CommandName.GO_ON: messages["hand_go_on"]}
        self._estimator: PoseEstimator | None = None
        self._smoother, self._watch = PoseSmoother(), RaisedHandWatch(RaisedHandRule.shared())

    def use(self, estimator: PoseEstimator | None) -> None:
        """The model of the source now running (a fresh track per source), or None."""
        self._estimator = estimator
        self._smoother, self._watch = PoseSmoother(), RaisedHandWatch(self._watch.rule)

    @property
    def watching(self) -> bool:
        """A source's pose model is in use: its frames can be watched."""
        return self._estimator is not None

    def after_a_stop(self) -> None:
        self._watch.after_a_stop()

    def in_newest(self, source: LiveSource | None, meaning: CommandName = CommandName.STOP) -> bool:
        """A raised hand in the source's newest frame, if one came (a source at its own pace only)."""
        captured = source.frames.get(timeout=0) if source is not None and source.paced else None
        return captured is not None and self(captured, meaning)

    def newest(self, source: LiveSource, wait_s: float) -> tuple[Captured, HandSeen] | None:
        """The next frame and its raised hand (a pain number's answer: not a command), or None when
        no frame came within `wait_s`."""
        captured = source.frames.get(timeout=wait_s)
        if captured is None or self._estimator is None:
            return None
        watch = self._watch
        raised = self._watched(captured) is not None
        held_s = watch.rule.hold_s if raised else watch.held_s  # the hold is over: the hand went up hold_s ago
        return captured, HandSeen(t=captured.t, up_since=None if held_s is None else captured.t - held_s,
                                  raised=raised)

    def _watched(self, captured: Captured) -> Command | None:
        assert self._estimator is not None
        return self._watch(self._smoother(self._estimator.detect(captured.rgb, captured.t), False))

    def __call__(self, captured: Captured, meaning: CommandName = CommandName.STOP) -> bool:
        """`meaning`: what a raised hand says here (a stop; in the choice after one, go on)."""
        if self._estimator is None:
            return False
        heard = self._watched(captured)
        if heard is not None:
            self.commands.append(replace(heard, command=meaning))
            self.voice.say(self.said_for[meaning])
        return heard is not None


class _Step:
    """One frame through the coach, the overlay and the window."""

    def __init__(self, coach: LiveCoach, source: LiveSource, options: LiveOptions, hooks: LoopHooks,
                 listener: Listener | None) -> None:
        self.coach, self.source, self.options, self.hooks = coach, source, options, hooks
        self.listener = listener
        self.overlay_for: dict[str, Overlay] = {}
        self.hold_s = RaisedHandRule.shared().hold_s

    def __call__(self, observed: Observed) -> bool:
        coach, options = self.coach, self.options
        if options.max_seconds and time.monotonic() - coach.stats.started > options.max_seconds:
            coach.end(EndReason.TIME_LIMIT)
            return True
        frame = observed.pose
        had_session = coach.session
        banner, colour = coach.step(frame)
        state = None
        if coach.session is not None and not coach.paused:
            # a session that started on this frame was fed it with the replay
            state = coach.session.update(frame, cut=observed.cut) if coach.session is had_session else \
                coach.session.last_state
        if state is not None:
            coach.speak_events(state)
        if observed.hand_up_s is not None and observed.hand_up_s >= HAND_SHOWN_AFTER_S:
            left = max(0.0, self.hold_s - observed.hand_up_s)
            banner, colour = coach.messages["hand_up"].replace("{seconds}", f"{left:.1f}"), BAD
        image = self._draw(observed.rgb.copy(), state, frame, banner, colour)
        key = self._show(image)
        ended = KEY_ENDS.get(key)
        if ended is not None:
            coach.command(Command(t_s=frame.t, command=CommandName.STOP, by=CommandBy.KEY))
        elif observed.command is not None:
            coach.command(observed.command)
            ended = self.hooks.stopped(coach, observed.command.by)
        for heard in self.listener.heard() if self.listener else ():
            ended = ended or self._said(heard, frame.t)
        if ended is None and options.window and _window_closed():
            ended = EndReason.WINDOW_CLOSED
        coach.frame_done(observed.wall)
        ended = ended or self.hooks.handle(coach, frame, state, key)
        if ended is not None:
            coach.end(ended)
        return ended is not None

    def _said(self, heard: Heard, t: float) -> EndReason | None:
        """A word heard: "stop" as a raised hand, "pause" and "go on" as the space key, "next" as the
        routine's n; a number outside a question means nothing."""
        coach, name = self.coach, heard.command
        if name is None:
            return None
        coach.command(Command(t_s=t, command=name, by=CommandBy.VOICE))
        if name is CommandName.STOP:
            return self.hooks.stopped(coach, CommandBy.VOICE)
        if (name is CommandName.PAUSE) != coach.paused and name in (CommandName.PAUSE, CommandName.GO_ON):
            coach.toggle_pause()
        return self.hooks.next(coach) if name is CommandName.NEXT else None

    def _draw(self, image: np.ndarray, state: FrameState | None, frame: PoseFrame, banner: str | None,
              colour: tuple) -> np.ndarray:
        coach = self.coach
        spec = coach.spec
        overlay = self.overlay_for.setdefault(spec.id if spec else "", Overlay(spec, coach.size, live=True))
        image = overlay.draw(image, state, mirror=self.source.mirror, pose=frame)
        title = (spec.name + ("  (auto)" if coach.auto else "")) if spec else ""
        if coach.options.voice and not coach.voice.available:
            title += "  - voice off"  # said on screen, as nothing can be heard
        overlay.banner(image, banner or title, colour, top=banner is None)
        return self.hooks.draw(coach, image)

    def _show(self, image: np.ndarray) -> int:
        """The frame in the window; the key pressed (-1: none); the live keys handled here."""
        if not self.options.window:
            return -1
        import cv2

        cv2.imshow(WINDOW, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        key = cv2.waitKey(1)
        key = -1 if key < 0 else key & 0xFF
        coach = self.coach
        if key == ord(" "):
            coach.toggle_pause()
        elif key == ord("r"):
            coach.reset()
        elif key == ord("m"):
            coach.toggle_mute()
        elif key == FULL_SCREEN_KEY:
            toggle_full_screen()
        return key


def _window_closed() -> bool:
    import cv2

    return cv2.getWindowProperty(WINDOW, cv2.WND_PROP_VISIBLE) < 1


def coach_loop(coach: LiveCoach, source: LiveSource, estimator: PoseEstimator, options: LiveOptions,
               hooks: LoopHooks | None = None, listener: Listener | None = None) -> Report:
    """Frames through the coach until a key, Ctrl-C, the window closes, the source ends, `max_seconds`,
    or the hooks say so (`coach.end_reason` says which); the coach's report, with the run's notes."""
    pipeline = FramePipeline(estimator, model=options.model, ahead=LIVE_AHEAD)
    try:
        if pipeline.run(source, _Step(coach, source, options, hooks or LoopHooks(), listener)) is Ending.FRAMES_ENDED:
            coach.end(EndReason.SOURCE_ENDED)
    except SourceFailed as failed:
        coach.end(EndReason.SOURCE_FAILED, failure=str(failed.cause))
    except KeyboardInterrupt:
        coach.end(EndReason(stop_signals.stopped_by()))
    return coach.report(pipeline.notes.notes(coach.spec, coach.size))


def run_live(make_source: Callable[[], LiveSource], options: LiveOptions) -> tuple[Report, dict | None]:
    """Runs until q/Esc, Ctrl-C, the window closes, the source ends or `max_seconds`; the report, and
    the judged measure per frame for the history (None when nothing was counted).

    The source is made after the window exists: see `sources._av`.
    """
    open_window(options.window)
    try:
        source = make_source()
    except BaseException:
        close_window(options.window)
        raise
    coach = LiveCoach(source, options)
    try:  # a sound file that is not there is said before anything starts
        listener = open_listener(listen=options.listen, mic=options.mic, speaking=lambda: coach.voice.speaking)
    except BaseException:
        close_window(options.window)
        raise
    with PoseEstimator(options.model) as estimator:
        if options.window:
            size_window(coach.size, screen_size())
        if listener:
            listener.start()  # with the source: a sound file plays beside the video
        source.start()
        coach.start()
        try:
            report = coach_loop(coach, source, estimator, options, listener=listener)
        finally:
            source.stop()
            if listener:
                listener.stop()
            close_window(options.window)
    coach.voice.finish()  # the last count is said before the run ends
    report.voice = coach.voice_block()
    return report, coach.series
