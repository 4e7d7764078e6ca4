"""The guided routine: where the camera goes (`placement`), a warm-up reminder, a pain check-in, each
exercise through the live coach with its target and progress, rests between, a pain check-in at the
end, an end screen. A raised hand or p stops at once, anywhere: a rating, then skip or end, never on
by itself. Every question is spoken, with a countdown to its default. What was done is always kept.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from formcheck import stop_signals
from formcheck.analysis.commands import Command, CommandBy, CommandName
from formcheck.analysis.recognize import ExerciseRecognizer
from formcheck.analysis.session import FrameState
from formcheck.coach.listen import open_listener
from formcheck.coach.live import EndReason, LiveCoach, LiveOptions
from formcheck.coach.loop import HandBetween, LoopHooks, coach_loop
from formcheck.coach.placement import place_camera
from formcheck.coach.routine import Progress, RoutineOptions, Stage
from formcheck.coach.routine_screen import Asker
from formcheck.coach.routine_window import RoutineEnded, Screen
from formcheck.coach.voice import Voice
from formcheck.coach.window import close_window, open_window
from formcheck.pose.landmarker import PoseEstimator, PoseFrame, model_label
from formcheck.render.overlay import BAD, GOOD, TEXT
from formcheck.reports.report import Report, VoiceBlock, combined
from formcheck.video.live_sources import LiveSource

# the routine ends with the exercise
STOPS = (EndReason.KEY, EndReason.CTRL_C, EndReason.SIGTERM, EndReason.SIGHUP, EndReason.WINDOW_CLOSED,
         EndReason.SOURCE_FAILED)
SUMMED_UP = (EndReason.DONE, EndReason.PAIN, EndReason.SOURCE_ENDED)  # with an end screen (not a key or a signal)
CUT_SHORT = (EndReason.CTRL_C, EndReason.SIGTERM, EndReason.SIGHUP, EndReason.WINDOW_CLOSED, EndReason.SOURCE_FAILED)


@dataclass
class RoutineLog:
    steps: list[dict] = field(default_factory=list)  # per set: target, done, how it ended
    segments: list[Report] = field(default_factory=list)  # the per-exercise reports
    rests: list[dict] = field(default_factory=list)
    pain_during: list[dict] = field(default_factory=list)
    pain_before: int | None = None
    pain_after: int | None = None
    no_answer: list[str] = field(default_factory=list)  # the pain questions asked and not answered
    placement: list[dict] | None = None  # each position checked before the first exercise
    end_reason: EndReason = EndReason.DONE


class StageHooks(LoopHooks):
    """One set in the live loop: the routine's strip under the picture, its keys, its target."""

    def __init__(self, runner: RoutineRunner, stage: Stage, next_id: str | None) -> None:
        self.runner, self.stage = runner, stage
        self.step = stage.of(runner.routine)
        self.progress = Progress(self.step)
        self.started_t: float | None = None
        # a camera or one recording of several exercises: the next exercise's position moves on to it
        specs = {s.spec.id: s.spec for s in runner.routine.steps}
        self.recognizer = ExerciseRecognizer(list(specs.values())) if runner.shared and next_id else None
        self.next_id = next_id

    def lines(self, counting: bool) -> list[tuple[str, tuple, bool]]:
        routine, step, stage = self.runner.routine, self.step, self.stage
        sets = f"  set {stage.set_number}/{step.sets}" if step.sets > 1 else ""
        return [(f"{stage.step_index + 1}/{len(routine.steps)} {step.spec.name}{sets}", TEXT, True),
                (step.spec.start_position, TEXT, False) if not counting else
                (routine.say("target", target=step.target_text()), TEXT, True),
                (self.progress.text(), GOOD, True), (routine.say("hint"), BAD, True)]

    def draw(self, coach: LiveCoach, image: np.ndarray) -> np.ndarray:
        return self.runner.screen.compose(image, self.lines(coach.session is not None))

    def stopped(self, coach: LiveCoach, by: CommandBy) -> EndReason:
        return EndReason.PAIN  # a raised hand or "stop" means what p means

    def next(self, coach: LiveCoach) -> EndReason | None:
        return EndReason.NEXT

    def handle(self, coach: LiveCoach, frame: PoseFrame, state: FrameState | None, key: int) -> EndReason | None:
        self.started_t = frame.t if self.started_t is None else self.started_t
        if key < 0:
            key = self.runner.asker.scripted.due(frame.t - self.started_t)
        if state is not None and coach.session is not None:
            self.progress.update(state, coach.session)
        ended = {ord("p"): EndReason.PAIN, ord("n"): EndReason.NEXT, ord("b"): EndReason.BACK}.get(key)
        if ended is EndReason.PAIN:
            coach.command(Command(t_s=frame.t, command=CommandName.STOP, by=CommandBy.KEY))
        if ended is None and self.progress.met:
            ended = EndReason.TARGET
            coach.voice.say(self.runner.routine.say("target_met"))
        if ended is None and self.recognizer is not None and self.recognizer.update(frame, coach.size) == self.next_id:
            ended = EndReason.MOVED_ON
            self.runner.handover = (coach, self.recognizer.since)
        return ended


class RoutineRunner:
    def __init__(self, options: RoutineOptions, make_sources: list[Callable[[], LiveSource]]) -> None:
        """`make_sources`: one source for the whole routine (a camera, one recording), or one per exercise."""
        self.options, self.routine = options, options.routine
        self.make_sources = make_sources
        self.shared = len(make_sources) == 1
        self.voice = Voice(enabled=options.voice)
        self.screen = Screen(options.window)
        self.asker = Asker(self.screen, self.routine, options.keys, self.voice)
        self.log = RoutineLog()
        self.source: LiveSource | None = None
        self._source_for: int | None = None  # the step whose clip is playing (one source per exercise)
        self._estimator: PoseEstimator | None = None
        self._hand = HandBetween(self.voice)  # a raised hand in the warm-up, the rests and the end screen
        self.source_names: list[str] = []
        self.handover: tuple[LiveCoach, float] | None = None  # the coach that saw the next exercise begin, since
        self.position_said = False  # the next exercise's start position was said (in the rest before it)

    # ---- sources ---------------------------------------------------------------------------
    def _use_source(self, step_index: int) -> None:
        wanted = 0 if self.shared else step_index
        if self.source is not None and self._source_for == wanted:
            return
        self._stop_source()
        self.source = self.make_sources[wanted]()
        self._source_for = wanted
        self.source_names.append(self.source.name)
        self._estimator = PoseEstimator(self.options.model)  # a fresh track (and clock) per clip
        self._hand.use(self._estimator)
        self.screen.size_for((self.source.width, self.source.height))
        self.source.start()

    def _stop_source(self) -> None:
        if self.source is not None:
            self.source.stop()
            self.source = None
        if self._estimator is not None:
            self._estimator.close()
            self._estimator = None
            self._hand.use(None)

    # ---- the routine -----------------------------------------------------------------------
    def run(self) -> dict:
        open_window(self.options.window)
        try:
            self.screen.size_for(self.screen.size)  # until the first source says its size
            self.asker.listener = open_listener(listen=self.options.listen, mic=self.options.mic,
                                                speaking=lambda: self.voice.speaking)
            if self.asker.listener:
                self.asker.listener.start()
            self.voice.start_clock()
            try:
                self._run()
            except RoutineEnded as ended:
                self.log.end_reason = ended.reason
            if self.log.end_reason in SUMMED_UP:
                self._end_screen()
        except RoutineEnded as ended:  # the window closed on the end screen
            self.log.end_reason = self.log.end_reason if self.log.end_reason in SUMMED_UP else ended.reason
        except KeyboardInterrupt:
            self.log.end_reason = EndReason(stop_signals.stopped_by())
        finally:
            self._stop_source()
            if self.asker.listener:
                self.asker.listener.stop()
            close_window(self.options.window)
        self.voice.finish()
        return self.report()

    def _run(self) -> None:
        routine, log, options = self.routine, self.log, self.options
        stages = [Stage(i, n + 1) for i, step in enumerate(routine.steps) for n in range(step.sets)]
        if self.shared:  # a camera that is not there is said at once; during the warm-up you see yourself
            self._use_source(0)
            if options.placement and self.source is not None and self.source.paced:  # needs a live picture
                log.placement = place_camera(routine, self.screen, self.voice, self.source, self._estimator)
        if routine.warm_up:
            self.voice.say(routine.warm_up)
            if self.asker.wait(routine.warm_up_s, "warm_up", routine.warm_up, self.source, self._hand):
                self._pain_stop("warm_up", 0)
        log.pain_before = options.pain_before if options.pain_before is not None else \
            self._pain("before", routine.say("pain_before"))
        pos = 0
        while pos < len(stages):
            stage = stages[pos]
            ended = self._exercise(stage, stages[pos + 1].of(routine).spec.id if pos + 1 < len(stages) else None)
            if ended in STOPS:
                log.end_reason = ended
                return
            if ended is EndReason.PAIN:
                self._pain_stop(stage.of(routine).spec.id, stage.set_number)
            if ended is EndReason.BACK:
                pos = max(pos - 1, 0)
                continue
            if ended is EndReason.PAIN or (ended is EndReason.SOURCE_ENDED and not self.shared):
                pos = next((k for k in range(pos, len(stages)) if stages[k].step_index > stage.step_index),
                           len(stages))  # on to the next exercise: its clip, or after the pain
            elif ended is EndReason.SOURCE_ENDED:
                log.end_reason = ended
                break
            else:
                pos += 1
            if pos < len(stages) and ended is not EndReason.MOVED_ON:
                self._rest(stage.of(routine).rest_s, stages[pos])
        log.pain_after = options.pain_after if options.pain_after is not None else \
            self._pain("after", routine.say("pain_after"))

    def _pain(self, which: str, question: str) -> int | None:
        rating = self.asker.pain(question, self.source, self._hand)
        if rating is None:
            self.log.no_answer.append(which)
        return rating

    def _pain_stop(self, exercise: str, set_number: int) -> None:
        """After p: a rating, then skip (go on) or end (RoutineEnded: "pain")."""
        routine, log = self.routine, self.log
        self._hand.after_a_stop()  # a hand still up from the stop is not the answer
        rating = self.asker.pain(routine.say("pain_during"), self.source, self._hand)
        self._hand.after_a_stop()  # nor one still up from the answer the choice
        choice = self.asker.choice(routine.say("pain_choice"), "se",
                                    lambda: self._hand.in_newest(self.source, CommandName.GO_ON))
        log.pain_during.append({"exercise": exercise, "set": set_number, "rating": rating,
                                "no_answer": rating is None, "then": "skip" if choice == "s" else "end"})
        if choice != "s":
            log.pain_after = rating
            raise RoutineEnded(EndReason.PAIN)

    def _exercise(self, stage: Stage, next_id: str | None) -> EndReason:
        step = stage.of(self.routine)
        self._use_source(stage.step_index)
        assert self.source is not None and self._estimator is not None
        options = LiveOptions(exercise=step.spec.id, model=self.options.model, voice=False,
                              window=self.options.window, listen=self.options.listen, mic=self.options.mic)
        # the routine's own spec (the patient's limits, today's hold target); one voice for the whole routine
        coach = LiveCoach(self.source, options, voice=self.voice, spec=step.spec)
        if self.handover is not None:
            coach.continue_from(*self.handover)
            self.handover = None
        said = self.routine.say("starting", exercise=step.spec.name, target=step.target_text())
        self.voice.say(said if self.position_said else f"{said} {step.spec.start_position}")
        self.position_said = False
        hooks = StageHooks(self, stage, next_id if next_id != step.spec.id else None)
        coach.start()
        self.log.segments.append(coach_loop(coach, self.source, self._estimator, options, hooks, self.asker.listener))
        self.log.steps.append({"exercise": step.spec.id, "set": stage.set_number, "target": step.target(),
                               "done": hooks.progress.done(), "met": hooks.progress.met,
                               "ended_by": coach.end_reason})
        return coach.end_reason

    def _rest(self, seconds: float, upcoming: Stage) -> None:
        if seconds <= 0:
            return
        step = upcoming.of(self.routine)
        started = time.monotonic()
        routine = self.routine
        upcoming_text = routine.say("next", exercise=step.spec.name, target=step.target_text())
        self.voice.say(routine.say("rest_said", seconds=f"{seconds:g}", next=upcoming_text,
                                   start_position=step.spec.start_position))
        self.position_said = True
        if self.asker.wait(seconds, "rest", f"{upcoming_text}. {step.spec.start_position}",
                           self.source if self.shared else None, self._hand):
            self._pain_stop(step.spec.id, upcoming.set_number)
        self.log.rests.append({"before": step.spec.id, "planned_s": seconds,
                               "rested_s": round(time.monotonic() - started, 1)})

    def _end_screen(self) -> None:
        routine, log = self.routine, self.log
        met = sum(s["met"] for s in log.steps)

        def rating(value: int | None) -> str:
            return routine.say("no_answer") if value is None else str(value)

        lines = [(routine.say("end_sets", met=str(met), sets=str(len(log.steps))), GOOD, True),
                 (routine.say("end_pain", before=rating(log.pain_before), after=rating(log.pain_after)), TEXT, True)]
        self.asker.end_screen(routine.say("done" if log.end_reason is EndReason.DONE else "ended"), lines,
                              lambda: self._hand.in_newest(self.source) or self.asker.said() is not None)

    # ---- the report ------------------------------------------------------------------------
    def report(self) -> Report:
        log = self.log
        report = combined(log.segments, source={"path": ", ".join(dict.fromkeys(self.source_names))},
                          model=model_label(self.options.model),
                          complete=log.end_reason not in CUT_SHORT)
        report.routine = {"id": self.routine.id, "name": self.routine.name, "path": str(self.routine.path),
                          "steps": log.steps, "rests": log.rests, "ended_by": log.end_reason,
                          "placement": log.placement,
                          "pain": {"before": log.pain_before, "after": log.pain_after, "during": log.pain_during,
                                   "no_answer": log.no_answer}}
        report.voice = VoiceBlock(available=self.voice.available, problem=self.voice.problem,
                                  spoken=self.voice.spoken)
        report.commands = sorted(report.commands + self._hand.commands + self.asker.commands, key=lambda c: c.t_s)
        return report
