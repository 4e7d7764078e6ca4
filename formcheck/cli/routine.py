"""`formcheck routine`: options in, the routine run, its report written and kept in the history."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from formcheck import stop_signals
from formcheck.cli.conclude import Ending, conclude
from formcheck.cli.console import MAX_CAMERA, err, fail, out, print_routine
from formcheck.errors import FormcheckError
from formcheck.pose.landmarker import MODEL_NAMES, resolve_model
from formcheck.reports import history
from formcheck.reports.outputs import Output, plan_outputs
from formcheck.reports.report import report_json
from formcheck.video.files import VIDEO_SUFFIXES, check_video_path


def routine_sources(sources: list[Path], exercises: int) -> list[Path]:
    """One recording of the whole routine, or one clip per exercise (a folder's, by name)."""
    if len(sources) == 1 and sources[0].is_dir():
        clips = sorted(p for p in sources[0].iterdir() if p.suffix.lower() in VIDEO_SUFFIXES)
        if len(clips) != exercises:
            raise FormcheckError(f"{sources[0]}: expected one video per exercise ({exercises}), found {len(clips)}")
        return clips
    if len(sources) not in (1, exercises):
        raise FormcheckError(f"--source: give one recording of the whole routine or one per exercise "
                             f"({exercises}), not {len(sources)}")
    for path in sources:
        check_video_path(path)
    return sources


@stop_signals.handled
def routine_command(
    routine_file: Annotated[str, typer.Option("--routine", help="A routine file, or a bundled routine's name.")]
    = "back_pain",
    camera: Annotated[int, typer.Option(help="Webcam index (0-99).", min=0, max=MAX_CAMERA)] = 0,
    source: Annotated[list[Path] | None, typer.Option(
        help="Play files as if they were the camera: one recording of the whole routine, a folder of one clip "
        "per exercise (in name order), or --source once per exercise.")] = None,
    realtime: Annotated[bool, typer.Option(help="With --source: frames at their own pace (slow processing "
                                           "drops frames); --no-realtime takes every frame.")] = True,
    json_out: Annotated[Path | None, typer.Option(
        "--json", help="Save the routine's report here (default: a new file under "
        "~/.local/share/formcheck/sessions).")] = None,
    voice: Annotated[bool, typer.Option(help="Speak the cues (espeak-ng).")] = True,
    listen: Annotated[bool, typer.Option(help="Hear voice commands from the microphone: stop, pause, go on, next, "
                                         "and pain numbers (needs the voice extra).")] = False,
    mic: Annotated[Path | None, typer.Option(help="Hear voice commands from this sound file, as if it were the "
                                             "microphone.")] = None,
    window: Annotated[bool, typer.Option(help="Show the window (--no-window: headless, questions in the "
                                         "terminal).")] = True,
    model: Annotated[str, typer.Option(help=f"Pose model: {'|'.join(MODEL_NAMES)} or a .task file.")] = "full",
    pain_before: Annotated[int | None, typer.Option(min=0, max=10, help="Pain before (0-10): not asked.")] = None,
    pain_after: Annotated[int | None, typer.Option(min=0, max=10, help="Pain after (0-10): not asked.")] = None,
    keys: Annotated[str, typer.Option(hidden=True, help="Keys fed in (tests): 'p@4 7 s'.")] = "",
    save: Annotated[bool, typer.Option("--save/--no-save", help="Keep the session in the history.")] = True,
    placement: Annotated[bool | None, typer.Option(
        "--placement/--no-placement", help="First show where the camera goes and check you lying down and "
        "kneeling (default: with a camera, not with --source).", show_default=False)] = None,
) -> None:
    """The guide's program: warm-up, each exercise with its target and live coaching, rests, pain check-ins.

    Keys: p it hurts (stop), n next, b back, q or Esc ends, space pauses, m mutes.
    """
    from formcheck.cli.plan import say_changes, stored_sessions
    from formcheck.coach.live import default_report_path
    from formcheck.coach.progression import annotate, apply, todays_plan
    from formcheck.coach.routine import RoutineOptions, load_routine
    from formcheck.coach.routine_run import RoutineRunner
    from formcheck.video.live_sources import CameraSource, FileSource, RealtimeFileSource

    try:
        plan = load_routine(routine_file)
        today = todays_plan(plan, stored_sessions(plan))
        plan = apply(plan, today)  # today's targets, each change said with its target
        clips = routine_sources(source, len(plan.steps)) if source else []
        json_path = json_out or default_report_path(f"routine-{plan.id}")
        if json_out is None:
            json_path.parent.mkdir(parents=True, exist_ok=True)
        (report_out,) = plan_outputs(clips[0] if len(clips) == 1 else None, [Output("--json", "report", json_path)])
        resolve_model(model)
        play = RealtimeFileSource if realtime else FileSource
        makers = [lambda clip=clip: play(clip) for clip in clips] or [lambda: CameraSource(camera)]
        options = RoutineOptions(routine=plan, model=model, voice=voice, window=window, pain_before=pain_before,
                                 pain_after=pain_after, keys=keys,
                                 placement=placement if placement is not None else not clips,
                                 listen=listen, mic=mic)
        say_changes(today, err if report_out.to_stdout else out)
        with stop_signals.working():
            report = RoutineRunner(options, makers).run().as_dict()
        annotate(report, plan, today)
    except FormcheckError as exc:
        raise fail(str(exc)) from None
    pain = report["routine"]["pain"]
    conclude(Ending(outputs=[report_out], texts={report_out: report_json(report)},
                    summary=lambda console: print_routine(report, console),
                    problems=[f"the source failed: {s['live']['error']}" for s in report["segments"]
                              if s["live"].get("error")],
                    save=(lambda: history.save_session(report, "routine", name=plan.id, pain_before=pain["before"],
                                                       pain_after=pain["after"])) if save else None))
