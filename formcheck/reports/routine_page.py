"""The HTML page of one routine session: each set against its target (the routine's, not the exercise's
own), each set's reps or holds with their pictures and faults in the spec's words, the limits in force,
pain before and after, and any stop for pain and when it came."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from formcheck.reports.history import StoredSession
from formcheck.reports.html import item_rows, templates, verdict
from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import Mode


def _target_text(target: dict[str, Any]) -> str:
    if "reps" in target:
        each = f"{target['reps']} reps" + (f", each held {target['hold_s']:g} s" if target.get("hold_s") else "")
    else:
        each = f"{target.get('holds_per_side', 1)} x {target['hold_s']:g} s"
    return f"{target.get('sets', 1)} sets of {each}" if target.get("sets", 1) > 1 else each


def as_prescribed(spec: ExerciseSpec, target: dict[str, Any]) -> ExerciseSpec:
    """The spec holding a hold exercise to the routine's seconds, as the set was coached."""
    if spec.cycle.target_s is None or target.get("hold_s") is None:
        return spec
    return replace(spec, cycle=replace(spec.cycle, target_s=target["hold_s"]))


def routine_html(report: dict[str, Any], specs: dict[str, ExerciseSpec], session: StoredSession | None = None,
                 pictures: dict[int, dict[int, str]] | None = None) -> str:
    """`pictures`: per set (its place in the routine's steps), each rep's or hold's picture."""
    info = report["routine"]
    reasons: dict[str, str] = {}
    for p in info.get("plan") or []:
        reasons.setdefault(p["id"], p["reason"])
    sets, stopped_at = [], {}
    for place, (entry, segment) in enumerate(zip(info["steps"], report.get("segments") or [], strict=False)):
        spec = as_prescribed(specs[entry["exercise"]], entry["target"])
        limits = [f"{spec.cue(name).message}: {', '.join(f'{k} {v:g}' for k, v in own.items() if k != 'spec')} "
                  f"(the exercise's own: {', '.join(f'{v:g}' for v in own['spec'].values())})"
                  for name, own in (segment.get("limits") or {}).items()]
        if entry["ended_by"] == "pain":
            stopped_at[(entry["exercise"], entry["set"])] = segment["source"].get("duration_s")
        sets.append({"name": spec.name, "set": entry["set"], "target": _target_text(entry["target"]),
                     "reason": reasons.get(entry["exercise"]), "met": entry["met"], "ended_by": entry["ended_by"],
                     "verdict": verdict(segment, spec), "limits": limits, "holds": spec.mode is Mode.HOLDS,
                     "rows": item_rows(segment, spec, (pictures or {}).get(place))})
    pain = info.get("pain") or {}
    during = [{"name": specs[p["exercise"]].name if p["exercise"] in specs else p["exercise"],
               "at_s": stopped_at.get((p["exercise"], p["set"])), **p} for p in pain.get("during") or []]
    return templates.get_template("routine.html.j2").render(
        title=f"{info['name']}: formcheck routine", info=info, sets=sets, pain=pain, during=during,
        session=session, report=report)
