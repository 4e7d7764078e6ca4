"""What the command line says: one-line errors, the summary of a report in words."""

from __future__ import annotations

import math
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from formcheck.errors import FormcheckError, path_text
from formcheck.reports import history
from formcheck.reports.report import not_counted_message, unjudged_lines
from formcheck.spec.specs import ExerciseSpec, load_spec
from formcheck.spec.vocabulary import Mode

out = Console()
err = Console(stderr=True)


MAX_CAMERA = 99  # OpenCV reads 100 and up as a capture API plus an index; below 0 it may crash


def finite(value: float | None) -> float | None:
    """For number options: inf and nan pass typer's min/max checks; they make no sense here."""
    if value is not None and not (math.isfinite(value) and value > 0):
        raise typer.BadParameter(f"{value} is not a finite number above 0")
    return value


def say_error(message: str) -> None:
    one_line = " ".join(part.strip() for part in message.splitlines())  # MediaPipe's messages span lines
    err.print(f"[bold red]error:[/] {escape(one_line)}", highlight=False, soft_wrap=True)


def fail(message: str) -> typer.Exit:
    say_error(message)
    return typer.Exit(code=1)


def _fmt_s(t: float) -> str:
    return f"{int(t // 60)}:{t % 60:04.1f}"


def print_summary(report: dict, spec: ExerciseSpec, console: Console | None = None) -> None:
    """The result in words. Every text from the user or a spec is escaped: `[` is not markup."""
    console = console or out

    def say(text: str) -> None:
        console.print(text, highlight=False)

    def verdict(line: str, item: dict) -> None:
        """A rep's or hold's verdict in words, and what could not be judged and why."""
        faults = item["faults"]
        words = f"[red]{escape('; '.join(spec.cue(f).message for f in faults))}[/]" if faults else "[green]good[/]"
        say(line + words)
        for line in unjudged_lines(spec, item):
            say(f"    [yellow]could not judge {escape(line)}[/]")

    status = "" if report["complete"] else \
        f" [yellow](partial result: {escape(report.get('incomplete_reason') or 'stopped early')})[/]"
    say(f"[bold]{escape(spec.name)}[/] - {escape(report['source']['path'])}{status}")
    if spec.mode is Mode.REPS:
        say(f"Reps: [bold]{report['rep_count']}[/]   good form: [bold]{report['good_reps']}[/]")
        for rep in report["reps"]:
            verdict(f"  rep {rep['index']} at {_fmt_s(rep['start_s'])}-{_fmt_s(rep['end_s'])}, "
                    f"held {rep['hold_s']:.1f} s: ", rep)
    else:
        per_side = ", ".join(f"{spec.cycle.side_name(side)} {secs:.1f} s"
                             for side, secs in report["side_totals"].items())
        say(f"Holds: [bold]{len(report['holds'])}[/]" + (f"   per side: {escape(per_side)}" if per_side else ""))
        for hold in report["holds"]:
            side = f"{spec.cycle.side_name(hold['side'])}, " if spec.cycle.side_from else ""
            verdict(f"  hold {hold['index']}, {escape(side)}{_fmt_s(hold['start_s'])}-"
                    f"{_fmt_s(hold['end_s'])}: {hold['seconds']:.1f} s in the stretch, "
                    f"{hold['good_form_s']:.1f} s with good form: ", hold)
    for w in report["warnings"]:
        if spec.cue(w["cue"]).view:
            say(f"  [yellow]{_fmt_s(w['start_s'])}-{_fmt_s(w['end_s'])}: {escape(w['message'])}[/]")
    for item in report.get("not_counted", []):
        words = escape(not_counted_message(spec, item))
        say(f"  [yellow]{_fmt_s(item['start_s'])}-{_fmt_s(item['end_s'])}: {words}[/]")
    silence = report.get("nothing_counted")
    if silence and silence["reason"] != "left_uncounted":  # uncounted movements speak for themselves above
        say(f"  [yellow]{escape(silence['message'])}[/]")
    for note in report.get("notes", []):
        say(f"  [yellow]{escape(note['message'])}[/]")
    for command in report.get("commands", []):
        say(f"  [bold]{_fmt_s(command['t_s'])}: {escape(spec.messages['signalled_' + command['by']])}[/]")
    say(f"Pose found in {report['pose_coverage'] * 100:.0f}% of frames.")


def exercise_name(exercise: str) -> str:
    """An exercise's name from its spec; the id when the spec is gone."""
    try:
        return load_spec(exercise).name
    except FormcheckError:
        return exercise


def print_routine(report: dict, console: Console | None = None) -> None:
    """Each set done against its target (counted as the routine counted it), then each exercise's summary."""
    say = (console or out).print
    routine_info = report["routine"]
    status = "" if report["complete"] else " [yellow](stopped early: partial result)[/]"
    ended = "done" if routine_info["ended_by"] == "done" else f"ended early ({routine_info['ended_by']})"
    say(f"[bold]{escape(routine_info['name'])}[/]: {ended}{status}", highlight=False)
    segments = report.get("segments") or []
    for i, item in enumerate(routine_info["steps"]):
        target, done = item["target"], item["done"]
        if "reps" in target:  # the set's own report counts them (a rep finished as it ended too), as below
            reps = segments[i]["rep_count"] if i < len(segments) else done["reps"]
            did = f"{reps} of {target['reps']} reps"
        else:
            did = ", ".join(f"{side} {n} of {target['holds_per_side']} "
                            f"x {target['hold_s']:g} s (best {done['best_hold_s'][side]:.1f} s)"
                            for side, n in done["holds_per_side"].items())
        mark = "[green]target met[/]" if item["met"] else f"[yellow]ended: {item['ended_by']}[/]"
        say(f"  {escape(exercise_name(item['exercise']))} set {item['set']}/{target['sets']}: {did}: {mark}",
            highlight=False)
    for segment in report["segments"]:
        if segment["exercise"] is not None:
            print_summary(segment, load_spec(segment["exercise"]), console)
    pain = routine_info["pain"]
    said = {"before": pain["before"], "after": pain["after"]}
    unanswered = pain.get("no_answer", [])
    say("Pain: " + ", ".join(f"{k} {'no answer' if k in unanswered else '-' if v is None else v}"
                             for k, v in said.items())
        + "".join(f"; during {escape(exercise_name(p['exercise']))}: "
                  f"{'no answer' if p['rating'] is None else p['rating']} ({p['then']})" for p in pain["during"]))
    say_voice(report, console or out)


def say_voice(report: dict, console: Console) -> None:
    """A voice that was asked for but could not be heard, said so (the report lists nothing spoken)."""
    voice = report.get("voice") or {}
    if voice.get("problem"):
        console.print(f"[yellow]{escape(voice['problem'])}[/]", highlight=False)


def say_saved(session_id: int | None, console: Console | None = None) -> None:
    if session_id is not None:
        (console or out).print(f"Saved as session {session_id} in {escape(str(history.db_path()))}",
                               highlight=False, soft_wrap=True)


def session_html_text(report: dict, spec: ExerciseSpec, series: dict | None,
                      session: history.StoredSession | None = None) -> str:
    """The HTML report; each rep's picture comes from the recording when it is still at hand."""
    from formcheck.render.stills import recording_changed, top_pictures
    from formcheck.reports.html import session_html

    source = Path(session.source if session and session.source else report["source"]["path"])
    changed = recording_changed(report, source)
    if changed:
        err.print(f"note: {escape(path_text(source))} is no longer the recording analysed (it changed since): "
                  "the report has no pictures", highlight=False, soft_wrap=True)
    return session_html(report, spec, series, top_pictures(report, spec, source), session, recording_changed=changed)
