"""The routine's questions: countdowns, pain ratings and choices, each spoken and shown once, with a
countdown to its default, answered by keys in the window, at the terminal (`--no-window`), by keys
fed in for tests, by voice or by a raised hand; the end screen."""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable

import numpy as np

from formcheck.analysis.commands import Command, CommandBy, CommandName
from formcheck.coach.listen import Listener
from formcheck.coach.live import EndReason
from formcheck.coach.loop import HandBetween
from formcheck.coach.pain_count import CountRule, PainCount
from formcheck.coach.routine import Routine
from formcheck.coach.routine_window import ENTER, ESC, Line, RoutineEnded, Screen
from formcheck.coach.scripted_keys import ScriptedKeys
from formcheck.coach.voice import Kind, Voice
from formcheck.render.overlay import GOOD, TEXT
from formcheck.video.live_sources import Captured, LiveSource

TEN_AFTER_S = 1.2  # after a 1, a 0 within this long makes 10
ANSWER_S = 30.0  # a question waits this long for its answer, then takes its default
END_SCREEN_S = 60.0  # the end screen stays this long unless dismissed


class _WaitClock:
    """Time left in a wait: by the wall clock, or by the clock of `recording` (a source read as fast
    as it decodes) from the first frame seen; a recording that ends ends the wait."""

    def __init__(self, seconds: float, recording: LiveSource | None) -> None:
        self.seconds, self.recording = seconds, recording
        self._end = time.monotonic() + seconds
        self._first_t: float | None = None
        self._last_t = 0.0

    def left(self) -> float:
        if self.recording is None:
            return self._end - time.monotonic()
        if self.recording.frames.closed:
            return 0.0
        return self.seconds if self._first_t is None else self.seconds - (self._last_t - self._first_t)

    def seen(self, captured: Captured | None) -> Captured | None:
        if captured is not None:
            self._first_t = captured.t if self._first_t is None else self._first_t
            self._last_t = captured.t
        return captured


class Asker:
    """Countdowns and questions, in the window or at the terminal; fed keys come first. Every question
    is spoken when it is shown."""

    def __init__(self, screen: Screen, routine: Routine, keys: str, voice: Voice) -> None:
        self.screen, self.routine, self.voice = screen, routine, voice
        self.scripted = ScriptedKeys(keys)
        self.terminal = sys.stdin.isatty()
        self.listener: Listener | None = None  # voice commands, when listened for
        self.commands: list[Command] = []  # the words acted on outside the exercises
        self.count_rule = CountRule.shared()

    def said(self) -> CommandName | None:
        """The first command word heard since the last look, kept for the report."""
        for heard in self.listener.heard() if self.listener else ():
            if heard.command is not None:
                self.commands.append(Command(t_s=heard.t_s, command=heard.command, by=CommandBy.VOICE))
                return heard.command
        return None

    def wait(self, seconds: float, title: str, text: str, source: LiveSource | None,
             hand: Callable[[Captured], bool] | None = None) -> bool:
        """A countdown (warm-up, rest; `title` the message key, its {seconds} the time left): over the
        live picture when a source runs; n goes on at once, q ends; True when p (pain) or a raised
        hand (`hand` of each new frame) cut it short.

        A recording read as fast as it decodes (`--no-realtime`) waits `seconds` of its own time,
        every frame watched, as a camera's frames would be over the same wait."""
        clock = _WaitClock(seconds, source if source is not None and not source.paced and hand is not None else None)
        if not self.screen.window:
            print(f"{self.routine.say(title, seconds=f'{seconds:g}')}: {text}", flush=True)
            watching = hand is not None and source is not None
            while (left := clock.left()) > 0:
                if (said := self.said()) is not None and said is not CommandName.PAUSE:
                    return said is CommandName.STOP  # "next", "go on": on now
                if not watching:
                    time.sleep(min(left, 0.1))
                elif (captured := clock.seen(source.frames.get(timeout=min(left, 0.1)))) is not None \
                        and hand(captured):
                    return True
            return False
        while (left := clock.left()) > 0:
            picture = self.screen.last
            wait_s = 0 if clock.recording is None else 0.1
            if source is not None and (captured := clock.seen(source.frames.get(timeout=wait_s))) is not None:
                picture = captured.rgb[:, ::-1] if source.mirror else captured.rgb
                if hand is not None and hand(captured):
                    return True
            lines = [(self.routine.say(title, seconds=str(math.ceil(left))), TEXT, True),
                     (self.routine.say("skip_wait_listening" if self.listener else "skip_wait"), TEXT, True)]
            key = self.screen.show(self.screen.still(picture, text, lines), 30 if clock.recording is None else 1)
            said = self.said()
            if key == ord("n") or said in (CommandName.NEXT, CommandName.GO_ON):
                return False
            if key == ord("p") or said is CommandName.STOP:
                return True
            if key in (ord("q"), ESC):
                raise RoutineEnded(EndReason.KEY)
        return False

    def _countdown(self, left: float, default_key: str) -> Line:
        return self.routine.say(default_key, seconds=str(math.ceil(left))), TEXT, True

    def pain(self, question: str, source: LiveSource | None = None, hand: HandBetween | None = None) -> int | None:
        """A 0-10 rating, or None: no answer (Enter, or none before the countdown or the count ran
        out). While `source` runs (and no word is listened for), the coach also counts 0 to 10 and a
        raised hand answers."""
        self.voice.say(question)  # also when a fed key answers it at once
        answer = self.scripted.answer()
        if answer is not None:
            return int(answer) if answer.isdigit() and int(answer) <= 10 else None
        # Listening for the number said, the coach does not count aloud: its own voice would drown the answer.
        counting = hand is not None and hand.watching and not self.listener and source and not source.frames.closed
        count = PainCount(self.count_rule) if counting else None
        if count is None and not self.screen.window and not self.listener:
            return self._pain_typed(question)
        if count is not None:
            self.voice.say(self.routine.say("pain_count"))
        if self.listener:
            self.listener.listen_for_numbers(True)
        try:
            number = self._pain_waited(question, count, source, hand)
        finally:
            if self.listener:
                self.listener.listen_for_numbers(False)
        if number is not None:
            self.voice.say(self.routine.say("pain_heard", number=str(number)))
        return number

    def _pain_waited(self, question: str, count: PainCount | None, source: LiveSource | None,
                     hand: HandBetween | None) -> int | None:
        one_at: float | None = None  # a 1 was pressed: 10 if a 0 follows
        end = time.monotonic() + ANSWER_S
        held: int | None = None  # the number the hand now up would answer
        picture = self.screen.last
        while True:
            left = end - time.monotonic()
            if count is not None and source is not None and hand is not None:
                if (newest := hand.newest(source, 0.0 if self.screen.window else 0.1)) is not None:
                    captured, seen = newest
                    picture = captured.rgb[:, ::-1] if source.mirror else captured.rgb  # see the hand go up
                    if seen.raised and (number := count.answer(seen.up_since)) is not None:
                        return number
                    was, held = held, None if seen.up_since is None else count.answer(seen.up_since)
                    if held is not None and held != was:  # said once a raise: what holding it will answer
                        self.voice.say(self.routine.say("pain_count_held", number=str(held)), Kind.PROMPT)
                    if (number := count.due(seen, quiet=not self.voice.speaking)) is not None:
                        self.voice.say(str(number), Kind.COUNT)
                    if count.over(seen):
                        return None
                    end = time.monotonic() + count.left_s(seen.t)
                elif source.frames.closed:  # the recording ended: keys and words still answer
                    count, held = None, None
                    if not self.screen.window and not self.listener:
                        return None
            if left <= 0 and one_at is None:  # also when frames stopped coming during the count
                return None
            key = -1
            if self.screen.window:
                lines = [(self.routine.say("pain_keys_listening" if self.listener else "pain_keys"), TEXT, False)]
                if count is not None and count.current is not None:
                    lines.append((self.routine.say("pain_count_held", number=str(held)) if held is not None else
                                  self.routine.say("pain_count_now", number=str(count.current)), GOOD, True))
                lines.append(self._countdown(left, "pain_default"))
                key = self.screen.show(self.screen.still(picture, question, lines), 30)
            elif count is None:
                time.sleep(0.1)
            if self.listener and (number := self.listener.number()) is not None:
                return number
            if one_at is not None and (key == ord("0") or time.monotonic() - one_at > TEN_AFTER_S or key >= 0):
                return 10 if key == ord("0") else 1
            if key in (*ENTER, ESC):
                return None
            if ord("0") <= key <= ord("9"):
                if key != ord("1"):
                    return key - ord("0")
                one_at = time.monotonic()

    def _pain_typed(self, question: str) -> int | None:
        while self.terminal:
            typed = input(f"{question} [0-10, Enter: no answer] ").strip()
            if not typed:
                return None
            if typed.isdigit() and int(typed) <= 10:
                return int(typed)
        return None

    def choice(self, question: str, allowed: str, signalled: Callable[[], bool] | None = None) -> str:
        """One of `allowed` (its last is the safe choice: end, also when no answer comes); never a
        default that goes on. `signalled()`: a raised hand, which chooses the first (go on)."""
        self.voice.say(question)
        answer = self.scripted.answer()
        if answer is not None:
            return answer[0] if answer[0] in allowed else allowed[-1]
        by_voice = {CommandName.NEXT: allowed[0], CommandName.GO_ON: allowed[0], CommandName.STOP: allowed[-1]}
        if self.screen.window or self.listener or signalled:
            end = time.monotonic() + ANSWER_S
            while (left := end - time.monotonic()) > 0:
                lines = [self._countdown(left, "choice_default")]
                if self.screen.window:
                    key = self.screen.show(self.screen.still(self.screen.last, question, lines), 50)
                else:
                    key = -1
                    time.sleep(0.05)
                if key >= 0 and chr(key) in allowed:
                    return chr(key)
                if (said := self.said()) in by_voice:
                    return by_voice[said]
                if signalled is not None and signalled():
                    return allowed[0]
                if key in (ord("q"), ESC):
                    break
            return allowed[-1]
        while self.terminal:
            typed = input(f"{question} [{'/'.join(allowed)}] ").strip().lower()
            if typed and typed[0] in allowed:
                return typed[0]
        return allowed[-1]

    def end_screen(self, message: str, lines: list[Line], signalled: Callable[[], bool] = lambda: False) -> None:
        """The summary, spoken and shown until a key, a raised hand (`signalled`) or END_SCREEN_S (at
        the terminal: printed)."""
        self.voice.say(" ".join(f"{text.rstrip('.')}." for text in [message, *(text for text, _, _ in lines)]))
        if not self.screen.window:
            print(message, *(text for text, _, _ in lines), sep="\n", flush=True)
            return
        if self.scripted.answer() is not None:  # a fed key closes it as a pressed one would
            self.screen.show(self.screen.still(self.screen.last, message, lines), 1)
            return
        until_dismissed(self.screen, lambda left: self.screen.still(
            self.screen.last, message, [*lines, self._countdown(left, "end_close")]), END_SCREEN_S, signalled)


def until_dismissed(screen: Screen, draw: Callable[[float], np.ndarray], seconds: float,
                    signalled: Callable[[], bool] = lambda: False) -> str:
    """Shows `draw(seconds left)` until a key is pressed, `signalled()` says so (a raised hand), or
    `seconds` pass; which of "key", "signal", "time" ended it."""
    end = time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        if screen.show(draw(left), 50) >= 0:
            return "key"
        if signalled():
            return "signal"
    return "time"
