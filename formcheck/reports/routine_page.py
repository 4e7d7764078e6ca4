"""The HTML page of one routine session: each set against its target, each exercise's reps and faults in
the spec's words, the limits in force, pain before and after, and any stop for pain."""

from __future__ import annotations

from typing import Any

from formcheck.reports.history import StoredSession
from formcheck.reports.html import templates, verdict
from formcheck.spec.specs import ExerciseSpec


def _target_text(target: dict[str, Any]) -> str:
    if "reps" in target:
        each = f"{target['reps']} reps" + (f", each held {target['hold_s']:g} s" if target.get("hold_s") else "")
    else:
        each = f"{target.get('holds_per_side', 1)} x {target['hold_s']:g} s"
    return f"{target.get('sets', 1)} sets of {each}" if target.get("sets", 1) > 1 else each


def routine_html(report: dict[str, Any], specs: dict[str, ExerciseSpec], session: StoredSession | None = None) -> str:
    info = report["routine"]
    reasons: dict[str, str] = {}
    for p in info.get("plan") or []:
        reasons.setdefault(p["id"], p["reason"])
    sets = []
    for entry, segment in zip(info["steps"], report.get("segments") or [], strict=False):
        spec = specs[entry["exercise"]]
        limits = [f"{spec.cue(name).message}: {', '.join(f'{k} {v:g}' for k, v in own.items() if k != 'spec')} "
                  f"(the exercise's own: {', '.join(f'{v:g}' for v in own['spec'].values())})"
                  for name, own in (segment.get("limits") or {}).items()]
        sets.append({"name": spec.name, "set": entry["set"], "target": _target_text(entry["target"]),
                     "reason": reasons.get(entry["exercise"]), "met": entry["met"], "ended_by": entry["ended_by"],
                     "verdict": verdict(segment, spec), "limits": limits})
    pain = info.get("pain") or {}
    during = [{"name": specs[p["exercise"]].name if p["exercise"] in specs else p["exercise"], **p}
              for p in pain.get("during") or []]
    return templates.get_template("routine.html.j2").render(
        title=f"{info['name']}: formcheck routine", info=info, sets=sets, pain=pain, during=during,
        session=session, report=report)
