"""Today's targets from the history of a routine's sessions (pure: stored sessions in, targets out).

Each exercise's target is replayed from the file's own, session by session (oldest first): after
`every` sessions in a row that met the target with at least `good_share` good form (and no step back),
it grows by `add_reps` / `add_hold_s` / `add_sets`, never past `max_*`; a session whose pain after
minus before reached `back_on_pain`, or that stopped this exercise for pain, takes it one step back
(never below the file's target) and starts the count again. Sessions belong to a routine by its
`key` (the file's name and a hash of its exercise list): an edited exercise list starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from formcheck.coach.routine import ProgressRule, Routine, Step
from formcheck.reports.history import StoredSession
from formcheck.spec.limits import limits_block
from formcheck.spec.specs import load_spec


@dataclass(frozen=True, kw_only=True)
class Target:
    reps: int | None
    hold_s: float | None
    sets: int
    holds: bool  # a hold exercise (the target is its seconds)
    per_side: bool = False

    def text(self) -> str:
        if self.holds:
            each = f"{self.hold_s:g} s" + (" per side" if self.per_side else "")
        else:
            each = f"{self.reps} reps" + (f", each held {self.hold_s:g} s" if self.hold_s is not None else "")
        return f"{self.sets} sets of {each}" if self.sets > 1 else each

    def short(self) -> str:
        """The part that changes, for "up from 8"."""
        return self.text() if self.sets > 1 or not self.holds else f"{self.hold_s:g} s"


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One session's result for one exercise."""

    done: bool
    met: bool
    did: str  # what was done, in words ("6 of 8 reps")
    good_share: float | None
    pain_before: int | None
    pain_after: int | None
    pain_stop: int | None  # the rating given when this exercise was stopped for pain


@dataclass(frozen=True, kw_only=True)
class Planned:
    """An exercise's target for a session, and why."""

    exercise: str
    name: str
    target: Target
    change: str  # "start", "same", "up", "back"
    reason: str
    before: Target | None = None  # the target it changed from
    session_id: int | None = None  # the session after which this target was set (None: the file's own)
    saved_at: str | None = None

    def as_json(self) -> dict[str, Any]:
        t = self.target
        amount = {"hold_s": t.hold_s} if t.holds else {"reps": t.reps} | (
            {"hold_s": t.hold_s} if t.hold_s is not None else {})
        return {"id": self.exercise, **amount, "sets": t.sets, "reason": self.reason, "change": self.change}


def routine_sessions(routine: Routine, sessions: list[StoredSession]) -> list[StoredSession]:
    """The stored sessions of this routine file as it is now (its key), oldest first."""
    return [s for s in sessions if s.kind == "routine" and (s.report.get("routine") or {}).get("key") == routine.key]


def outcome(session: StoredSession, exercise: str) -> Outcome:
    info = session.report.get("routine") or {}
    pairs = [(e, seg) for e, seg in zip(info.get("steps") or [], session.report.get("segments") or [], strict=False)
             if e.get("exercise") == exercise]
    pain = info.get("pain") or {}
    stops = [p.get("rating") for p in pain.get("during") or [] if p.get("exercise") == exercise]
    base = {"pain_before": session.pain_before, "pain_after": session.pain_after,
            "pain_stop": next((r for r in stops if r is not None), 0) if stops else None}
    if not pairs:
        return Outcome(done=False, met=False, did="not done", good_share=None, **base)
    target = pairs[0][0].get("target") or {}
    met = sum(bool(e.get("met")) for e, _ in pairs) >= (target.get("sets") or 1)
    holds = [h for _, seg in pairs for h in seg.get("holds") or []]
    if "reps" in target:
        counted = sum(seg.get("rep_count") or 0 for _, seg in pairs)
        good = sum(seg.get("good_reps") or 0 for _, seg in pairs)
        share = good / counted if counted else None
        did = f"{min((e.get('done') or {}).get('reps', 0) for e, _ in pairs)} of {target['reps']} reps"
    else:
        held = sum(h.get("seconds", 0.0) for h in holds)
        share = sum(h.get("good_form_s", 0.0) for h in holds) / held if held else None
        best: dict[str, float] = {}  # each side's best hold over the sets; the shorter side is what fell short
        for e, _ in pairs:
            for side, secs in ((e.get("done") or {}).get("best_hold_s") or {}).items():
                best[side] = max(best.get(side, 0.0), secs)
        did = f"best hold {min(best.values(), default=0.0):.0f} of {target.get('hold_s', 0):g} s" + (
            " on the shorter side" if len(best) > 1 else "")
    return Outcome(done=True, met=met, did=did, good_share=share, **base)


def _pain_words(o: Outcome) -> str:
    if o.pain_stop is not None:
        return f"stopped for pain ({o.pain_stop}/10) during it last time"
    return f"pain rose from {o.pain_before} to {o.pain_after} last time"


def _pain_back(rule: ProgressRule, o: Outcome) -> bool:
    if rule.back_on_pain is None:
        return False
    rise = o.pain_after - o.pain_before if o.pain_after is not None and o.pain_before is not None else 0
    return o.pain_stop is not None or rise >= rule.back_on_pain


def _step(t: Target, rule: ProgressRule, sign: int, floor: Target) -> Target:
    """One step up (capped at the rule's max) or back (never below the file's own target)."""
    def move(now, add, top, low):
        if now is None or not add:
            return now
        moved = now + sign * add
        return min(moved, top) if sign > 0 and top is not None else max(moved, low) if sign < 0 else moved

    return replace(t, reps=move(t.reps, rule.add_reps, rule.max_reps, floor.reps),
                   hold_s=move(t.hold_s, rule.add_hold_s, rule.max_hold_s, floor.hold_s),
                   sets=move(t.sets, rule.add_sets, rule.max_sets, floor.sets))


def _target(step: Step) -> Target:
    return Target(reps=step.reps, hold_s=step.hold_s, sets=step.sets, holds=step.reps is None,
                  per_side=step.sides != (None,))


def timeline(step: Step, sessions: list[StoredSession]) -> list[Planned]:
    """The exercise's target before each session and after the last: [the file's own, after 1st, ...]."""
    spec = step.spec
    start = _target(step)
    rule = step.progress
    first = "as the routine sets it (no progression rules)" if rule is None else "the routine's starting target"
    plans = [Planned(exercise=spec.id, name=spec.name, target=start, change="start",
                     reason=f"{start.text()}: {first}")]
    streak, clean = 0, True  # sessions in a row toward the next step; all of them without any pain rise
    for session in sessions:
        now = plans[-1].target
        o = outcome(session, spec.id)
        if rule is None:
            change, target, reason = "same", now, f"{now.text()}: as the routine sets it (no progression rules)"
        elif _pain_back(rule, o):
            streak, clean = 0, True
            target = _step(now, rule, -1, start)
            change = "back" if target != now else "same"
            reason = (f"back to {target.short()}: " if change == "back" else
                      f"{target.text()} (the routine's starting target): ") + _pain_words(o)
        elif not o.done or not o.met or o.good_share is None or o.good_share < rule.good_share:
            streak, clean, change, target = 0, True, "same", now
            if not o.done:
                why = "not done last time"
            elif not o.met:
                why = f"target not met last time ({o.did})"
            else:
                share = "no reps judged" if o.good_share is None else f"{o.good_share:.0%} good form"
                why = f"last time {share} ({rule.good_share:.0%} needed to go up)"
            reason = f"{now.text()}: {why}"
        else:
            streak += 1
            clean = clean and not (o.pain_before is not None and o.pain_after is not None
                                   and o.pain_after > o.pain_before)
            pain = "pain not up" if clean else f"pain up by less than {rule.back_on_pain}"
            good = f"with {rule.good_share:.0%} or more good form"
            target, change = now, "same"
            if streak >= rule.every:
                target = _step(now, rule, +1, start)
                ran = f"{rule.every} sessions in a row at {now.short()} {good}, {pain}"
                if target != now:
                    change, reason = "up", f"{target.short()}: {ran}"
                else:
                    reason = f"{now.text()}: the most this routine asks for ({ran})"
                streak, clean = 0, True
            else:
                reason = f"{now.text()}: {streak} of {rule.every} sessions in a row at {now.short()} {good}"
        plans.append(Planned(exercise=spec.id, name=spec.name, target=target, change=change, reason=reason,
                             before=now, session_id=session.id, saved_at=session.saved_at))
    return plans


def todays_plan(routine: Routine, sessions: list[StoredSession]) -> list[Planned]:
    mine = routine_sessions(routine, sessions)
    return [timeline(step, mine)[-1] for step in routine.steps]


def apply(routine: Routine, plan: list[Planned]) -> Routine:
    """The routine with today's targets; each step's change is said with its target ("up from 8")."""
    steps = []
    for step, today in zip(routine.steps, plan, strict=True):
        t = today.target
        was = _target(step)
        before = today.before.short() if today.before else ""
        change = {"up": f"up from {before}", "back": f"back from {before}: pain"}.get(today.change, "")
        steps.append(step.retarget(t.reps, t.hold_s, t.sets, change, routine.messages["hold_at_least"])
                     if t != was else step)
    return replace(routine, steps=tuple(steps))


def annotate(report: dict[str, Any], routine: Routine, plan: list[Planned]) -> None:
    """Records in the report which routine it was (key), the plan and its reasons, and the limits in force."""
    info = report["routine"]
    info |= {"key": routine.key, "per_week": routine.per_week, "plan": [p.as_json() for p in plan]}
    limits = {s.spec.id: s.limits for s in routine.steps if s.limits}
    for entry, segment in zip(info["steps"], report["segments"], strict=False):
        if entry["exercise"] in limits:
            segment["limits"] = limits_block(load_spec(entry["exercise"]), limits[entry["exercise"]])
