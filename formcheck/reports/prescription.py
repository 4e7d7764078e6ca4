"""The prescription over time, for the progress page: each exercise's routine target per session beside
what was done (each step up or back numbered, its reason in words under the plot), and the routine
sessions done each week against the `per_week` the routine file asks for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from markupsafe import Markup

from formcheck.reports.charts import legend_below, session_axis, session_labels, whole_numbers
from formcheck.reports.history import StoredSession
from formcheck.reports.html import BAD, GOOD, LINE, SECOND, figure, plural, styled, svg
from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import Mode

TARGET = "#1c1c1c"
MARKS = {"up": ("\u25b2", GOOD), "back": ("\u25bc", BAD)}  # a step up, a step back


@dataclass(frozen=True, kw_only=True)
class Change:
    """A step up or back in a target, at the first session that ran at the new target."""

    number: int
    at: int  # the session's place on the x axis
    mark: str  # the triangle drawn above that session
    when: str  # the session's date and time
    change: str  # "up" or "back"
    reason: str  # from the plan, in words


def _targets(ax, xs: list[int], values: list[float | None], label: str) -> None:
    """Each session's target as a short level line over its place (none where nothing was prescribed)."""
    placed = [(x, v) for x, v in zip(xs, values, strict=True) if v is not None]
    if not placed:
        return
    ax.hlines([v for _, v in placed], [x - 0.4 for x, _ in placed], [x + 0.4 for x, _ in placed], color=TARGET,
              lw=2.4, label=label)


def _dots(ax, points: list[tuple[int, float]], colour: str, label: str) -> None:
    if points:
        ax.plot([x for x, _ in points], [v for _, v in points], "o", color=colour, ms=7, label=label, ls="none")


@dataclass(frozen=True, kw_only=True)
class Panel:
    """One quantity of the prescription over the sessions: its target at each, and what was done."""

    ylabel: str
    target_label: str
    target: list[float | None]  # a session's target; None: not a routine session
    done: dict[str, list[tuple[int, float]]]  # name -> (session, amount): a set's reps, a side's best hold
    counts: bool  # whole numbers


def prescription(rows: list[dict[str, Any]], spec: ExerciseSpec) -> tuple[list[Panel], list[Change]] | None:
    """The routine's targets for this exercise, session by session, and each step up or back; None: never
    prescribed."""
    if not any(r["prescribed"] for r in rows):
        return None
    targets = [(r["prescribed"] or {}).get("target") or {} for r in rows]
    done = list(enumerate((r["prescribed"] or {}).get("done") or [] for r in rows))
    if spec.mode is Mode.HOLDS:
        sides = spec.cycle.sides if spec.cycle.side_from else (None,)
        best = {f"best good-form hold, {spec.cycle.side_name(side)}" if side else "best good-form hold":
                [(x, max(d.get("best_hold_s", {}).get(str(side), 0.0) for d in sets)) for x, sets in done if sets]
                for side in sides}
        panels = [Panel(ylabel="seconds", target_label="target (s per side)" if sides[0] else "target (s)",
                        target=[t.get("hold_s") for t in targets], done=best, counts=False)]
    else:
        panels = [Panel(ylabel="reps", target_label="target (reps a set)", target=[t.get("reps") for t in targets],
                        done={"reps done in a set": [(x, d["reps"]) for x, sets in done for d in sets if "reps" in d]},
                        counts=True)]
        if any("hold_s" in t for t in targets):
            tops = [(x, r["top_hold_s"]) for x, r in enumerate(rows) if r["prescribed"] and r["top_hold_s"] is not None]
            panels.append(Panel(ylabel="held (s)", target_label="target hold at the top (s)",
                                target=[t.get("hold_s") for t in targets], done={"median hold at the top": tops},
                                counts=False))
    changes = []
    for x, row in enumerate(rows):
        plan = (row["prescribed"] or {}).get("plan") or {}
        if plan.get("change") in MARKS:
            number = len(changes) + 1
            changes.append(Change(number=number, at=x, mark=f"{MARKS[plan['change']][0]}{number}", when=row["date"],
                                  change=plan["change"], reason=plan.get("reason", "")))
    return panels, changes


@styled
def targets_plot(rows: list[dict[str, Any]], spec: ExerciseSpec) -> tuple[Markup, list[Change]] | None:
    """The routine's target for this exercise at each session beside what was done, each change numbered
    above its session; None: never prescribed."""
    found = prescription(rows, spec)
    if found is None:
        return None
    panels, changes = found
    fig, axes = figure(3.3 + 1.3 * (len(panels) - 1), len(panels))
    axes = list(axes) if len(panels) > 1 else [axes]
    xs = list(range(len(rows)))
    for ax, panel in zip(axes, panels, strict=True):
        _targets(ax, xs, panel.target, panel.target_label)
        for (name, points), colour in zip(panel.done.items(), (LINE, SECOND), strict=False):
            _dots(ax, points, colour, name)
        if panel.counts:
            whole_numbers(ax)
        ax.set_ylabel(panel.ylabel)
        ax.set_ylim(bottom=0, top=max(ax.get_ylim()[1] * 1.1, 1))
        session_axis(ax, session_labels([r["date"] for r in rows]))
    for c in changes:
        axes[0].text(c.at, 1.02, c.mark, transform=axes[0].get_xaxis_transform(), ha="center", va="bottom",
                     color=MARKS[c.change][1])
    handles = [h for a in axes for h in a.get_legend_handles_labels()[0]]
    fig.legend(handles, [h.get_label() for h in handles], loc="outside lower center", ncols=2, frameon=False)
    return svg(fig), changes


def _monday(saved_at: str) -> date:
    day = datetime.fromisoformat(saved_at).date()
    return day - timedelta(days=day.weekday())


@dataclass(frozen=True, kw_only=True)
class Week:
    monday: date
    done: int  # routine sessions that week
    asked: int | None  # sessions a week the routine file asked for then (None: it did not say)


@styled
def _week_plot(weeks: list[Week]) -> Markup:
    fig, ax = figure(3.0)
    xs = list(range(len(weeks)))
    ax.bar(xs, [w.done for w in weeks], 0.7, color=LINE, label="sessions done")
    _targets(ax, xs, [w.asked for w in weeks], "sessions asked for")
    whole_numbers(ax)
    ax.set_ylim(0, max([w.done for w in weeks] + [w.asked or 0 for w in weeks] + [1]) + 0.8)
    ax.set_ylabel("sessions")
    ax.set_xlabel("week starting")
    session_axis(ax, [f"{w.monday:%m-%d}" for w in weeks])
    legend_below(fig, ax)
    return svg(fig)


def _by_routine(sessions: list[StoredSession]) -> dict[str, list[StoredSession]]:
    by_name: dict[str, list[StoredSession]] = {}
    for s in sessions:
        if s.kind == "routine":
            by_name.setdefault((s.report.get("routine") or {}).get("name") or s.name, []).append(s)
    return by_name


def pain_points(mine: list[StoredSession]) -> dict[str, list[tuple[int, int]]]:
    """Each session's pain before and after, and the rating given at each stop for pain during it."""
    during = [((s.report.get("routine") or {}).get("pain") or {}).get("during") or [] for s in mine]
    stops = [(x, p["rating"]) for x, stopped in enumerate(during) for p in stopped if p.get("rating") is not None]
    return {"pain before": [(x, s.pain_before) for x, s in enumerate(mine) if s.pain_before is not None],
            "pain after": [(x, s.pain_after) for x, s in enumerate(mine) if s.pain_after is not None],
            "stopped for pain": stops}


@styled
def _pain_plot(mine: list[StoredSession]) -> Markup | None:
    points = pain_points(mine)
    if not any(points.values()):
        return None
    fig, ax = figure(3.0)
    for (name, found), (style, colour) in zip(points.items(), (("o-", BAD), ("o-", LINE), ("X", SECOND)),
                                              strict=True):
        if found:
            ax.plot([x for x, _ in found], [v for _, v in found], style, color=colour, ms=9 if style == "X" else 6,
                    label=name)
    ax.set_ylim(-0.5, 10.5)
    whole_numbers(ax)
    ax.set_ylabel("pain (0-10)")
    session_axis(ax, session_labels([s.saved_at[:16].replace("T", " ") for s in mine]))
    legend_below(fig, ax)
    return svg(fig)


def weekly(sessions: list[StoredSession]) -> dict[str, list[Week]]:
    """Per routine (by name): its sessions each week, Monday to Sunday, from its first week to its last,
    and the sessions a week its file asked for then (a week without sessions: what was asked before)."""
    found = {}
    for name, mine in _by_routine(sessions).items():
        first, last = _monday(mine[0].saved_at), _monday(mine[-1].saved_at)
        weeks, asked = [], None
        for k in range((last - first).days // 7 + 1):
            monday = first + timedelta(weeks=k)
            those = [s for s in mine if _monday(s.saved_at) == monday]
            asked = (those[-1].report.get("routine") or {}).get("per_week") if those else asked
            weeks.append(Week(monday=monday, done=len(those), asked=asked))
        found[name] = weeks
    return found


def adherence(sessions: list[StoredSession]) -> list[dict[str, Any]]:
    """Per routine: a sentence on the sessions a week, its plot, and the plot of pain over its sessions."""
    found = []
    routines = _by_routine(sessions)
    for name, weeks in weekly(sessions).items():
        done = sum(w.done for w in weeks)
        said = f"{plural(done, 'session')} in {plural(len(weeks), 'week')}, {done / len(weeks):.1f} a week"
        asked = [w for w in weeks if w.asked is not None]
        if asked:
            met = sum(w.done >= w.asked for w in asked)
            said += f"; {met} of {plural(len(asked), 'week')} as many as asked ({asked[-1].asked} a week)"
        found.append({"name": name, "said": said, "plot": _week_plot(weeks), "pain": _pain_plot(routines[name])})
    return found
