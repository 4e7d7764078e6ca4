"""The HTML progress report: reps, good form, range of motion, hold seconds per side and pain
across the stored sessions, with the guide's targets from the specs as reference lines."""

from __future__ import annotations

import statistics
import textwrap
from dataclasses import replace
from typing import Any

from markupsafe import Markup

from formcheck.reports.charts import (
    bars,
    legend_below,
    reference,
    session_axis,
    session_labels,
    whole_numbers,
)
from formcheck.reports.history import StoredSession
from formcheck.reports.html import BAD, GOOD, LINE, SECOND, figure, spec_targets, styled, svg, templates
from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import Mode


def _range_of_motion(report: dict[str, Any], spec: ExerciseSpec) -> tuple[float | None, str]:
    """The median over a session's reps (or holds) of the judged measure at the top, else of the drive's span."""
    items = report.get("reps") or report.get("holds") or []
    key = f"{spec.display_measure}_top_median"
    measure = spec.measures.get(spec.display_measure)
    label = f"{measure.label if measure else spec.display_measure} at the top"
    if not items or not all(key in i.get("metrics", {}) for i in items):
        key = "range"
        drive = spec.measures.get(spec.cycle.drive)
        label = f"{drive.label if drive else spec.cycle.drive} range" + (
            " (deg)" if drive and drive.unit == "deg" else "")
    values = [i["metrics"][key] for i in items if key in i.get("metrics", {})]
    unit = " (deg)" if measure and measure.unit == "deg" and key != "range" else ""
    return (statistics.median(values) if values else None), label + unit


def _done(step: dict[str, Any], segment: dict[str, Any]) -> dict[str, Any]:
    """What a set did; its reps as its own report counts them (a rep finished as the set ended too), as the
    routine's summary and the reps plot count them."""
    done = dict(step.get("done") or {})
    return done | {"reps": segment.get("rep_count") or 0} if "reps" in done else done


def per_exercise(sessions: list[StoredSession]) -> list[StoredSession]:
    """Each routine session as one session per exercise done in it (its sets' reports together), with the
    routine's pain ratings and what it prescribed (`prescribed`); other sessions as they are."""
    found = []
    for s in sessions:
        if s.kind != "routine":
            found.append(s)
            continue
        info = s.report.get("routine") or {}
        plans = {p["id"]: p for p in info.get("plan") or []}
        by_exercise: dict[str, list[tuple[dict, dict]]] = {}
        for step, segment in zip(info.get("steps") or [], s.report.get("segments") or [], strict=False):
            if segment.get("exercise"):
                by_exercise.setdefault(segment["exercise"], []).append((step, segment))
        for exercise, pairs in by_exercise.items():
            parts = [segment for _, segment in pairs]
            sides: dict[str, float] = {}
            for p in parts:
                for side, secs in (p.get("side_totals") or {}).items():
                    sides[side] = sides.get(side, 0.0) + secs
            report = dict(parts[-1]) | {
                "rep_count": sum(p.get("rep_count") or 0 for p in parts),
                "good_reps": sum(p.get("good_reps") or 0 for p in parts),
                "reps": [r for p in parts for r in p.get("reps") or []],
                "holds": [h for p in parts for h in p.get("holds") or []], "side_totals": sides,
                "prescribed": {"routine": info.get("name"), "target": pairs[0][0].get("target") or {},
                               "done": [_done(step, segment) for step, segment in pairs],
                               "plan": plans.get(exercise)}}
            found.append(replace(s, name=exercise, report=report, series=None))
    return found


def progress_rows(sessions: list[StoredSession], spec: ExerciseSpec) -> list[dict[str, Any]]:
    rows = []
    for s in sessions:
        summary = s.summary()
        totals = summary["side_totals"]
        per_side = [totals.get(side) for side in spec.cycle.sides] if spec.cycle.side_from else []
        asym = abs(per_side[0] - per_side[1]) / max(per_side) if len(per_side) == 2 and all(per_side) else None
        rom, rom_label = _range_of_motion(s.report, spec)
        tops = [r["hold_s"] for r in s.report.get("reps") or []]
        rows.append(summary | {"date": s.saved_at[:16].replace("T", " "), "per_side": per_side,
                               "held_s": sum(h["seconds"] for h in s.report.get("holds") or []),
                               "asymmetry": asym, "rom": rom, "rom_label": rom_label,
                               "top_hold_s": statistics.median(tops) if tops else None,
                               "prescribed": s.report.get("prescribed")})
    return rows


@styled
def progress_plots(rows: list[dict[str, Any]], spec: ExerciseSpec) -> list[tuple[str, Markup]]:
    labels = session_labels([r["date"] for r in rows])
    xs = list(range(len(rows)))
    targets = spec_targets(spec)
    plots = []

    def add(caption: str, fig, ax, ylabel: str) -> None:
        ax.set_ylabel(textwrap.fill(ylabel, 22))  # a long label on two lines, not cut at the plot's edge
        session_axis(ax, labels)
        legend_below(fig, ax)
        plots.append((caption, svg(fig)))

    if spec.mode is Mode.REPS:
        fig, ax = figure(3.2)
        bars(ax, xs, {"reps": [r["rep_count"] for r in rows], "with good form": [r["good_reps"] for r in rows]},
             {"reps": LINE, "with good form": GOOD})
        whole_numbers(ax)
        add("Reps per session", fig, ax, "reps")
    else:
        fig, ax = figure(3.2)
        sides = spec.cycle.sides if spec.cycle.side_from else ()
        names = [spec.cycle.side_name(side) for side in sides]
        held = {name: [r["per_side"][k] for r in rows] for k, name in enumerate(names)} or {
            "all holds": [r["held_s"] for r in rows]}
        bars(ax, xs, held, dict(zip(held, (LINE, SECOND), strict=False)))
        reference(ax, targets.get("hold_s"), "the guide's target per side (s):" if sides else
                  "the guide's target per hold (s):")
        add("Hold seconds per side" if sides else "Hold seconds", fig, ax, "seconds held")
    fig, ax = figure()
    ax.plot(xs, [None if r["good_form_share"] is None else 100 * r["good_form_share"] for r in rows], "o-",
            color=GOOD)
    ax.set_ylim(-5, 105)
    add("Good-form share per session", fig, ax, "good form (%)")
    if any(r["rom"] is not None for r in rows):
        fig, ax = figure()
        ax.plot(xs, [r["rom"] for r in rows], "o-", color=LINE)
        add("Range of motion per session (median over the reps)", fig, ax, rows[0]["rom_label"])
    if spec.mode is Mode.REPS and targets.get("top_hold_s") and any(r["top_hold_s"] for r in rows):
        fig, ax = figure()
        ax.plot(xs, [r["top_hold_s"] for r in rows], "o-", color=LINE, label="median hold")
        reference(ax, targets["top_hold_s"], "shortest good hold (s):")
        add("Hold at the top per session (median)", fig, ax, "hold at the top (s)")
    if any(r["pain_before"] is not None or r["pain_after"] is not None for r in rows):
        fig, ax = figure(3.2)
        for key, colour in (("pain_before", BAD), ("pain_after", LINE)):
            ax.plot(xs, [r[key] for r in rows], "o-", color=colour, label=key.replace("_", " "))
        ax.set_ylim(-0.5, 10.5)
        whole_numbers(ax)
        add("Pain before and after", fig, ax, "pain (0-10)")
    return plots


def progress_html(sessions: list[StoredSession], specs: dict[str, ExerciseSpec]) -> str:
    """The routines' sessions a week, then one section per exercise, its sessions oldest first (a routine
    session's exercises each in their own)."""
    from formcheck.reports.prescription import adherence, targets_plot

    done = per_exercise(sessions)
    sections = []
    for exercise, spec in specs.items():
        mine = [s for s in done if s.name == exercise]
        if mine:
            rows = progress_rows(mine, spec)
            plotted = targets_plot(rows, spec)
            sections.append({"spec": spec, "rows": rows, "plots": progress_plots(rows, spec),
                             "prescribed": plotted[0] if plotted else None,
                             "changes": plotted[1] if plotted else [],
                             "targets": spec_targets(spec), "holds": spec.mode is Mode.HOLDS,
                             "sides": [spec.cycle.side_name(side) for side in spec.cycle.sides]
                             if spec.cycle.side_from else []})
    dates = [s.saved_at[:10] for s in sessions]
    return templates.get_template("progress.html.j2").render(
        title="formcheck: progress", sections=sections, routines=adherence(sessions),
        total=len({s.id for s in sessions}), first=min(dates, default=None), last=max(dates, default=None))
