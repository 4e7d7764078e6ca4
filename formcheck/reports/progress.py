"""The HTML progress report: reps, good form, range of motion, hold seconds per side and pain
across the stored sessions, with the guide's targets from the specs as reference lines."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import replace
from typing import Any

from markupsafe import Markup

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


def _bars(ax, xs: list[int], series: dict[str, list], colours: dict[str, str]) -> None:
    width = 0.8 / max(len(series), 1)
    for k, (name, values) in enumerate(series.items()):
        offset = (k - (len(series) - 1) / 2) * width
        ax.bar([x + offset for x in xs], [v or 0 for v in values], width, label=name, color=colours[name])


def per_exercise(sessions: list[StoredSession]) -> list[StoredSession]:
    """Each routine session as one session per exercise done in it (its sets' reports together), with the
    routine's pain ratings; other sessions as they are."""
    found = []
    for s in sessions:
        if s.kind != "routine":
            found.append(s)
            continue
        by_exercise: dict[str, list[dict]] = {}
        for segment in s.report.get("segments") or []:
            if segment.get("exercise"):
                by_exercise.setdefault(segment["exercise"], []).append(segment)
        for exercise, parts in by_exercise.items():
            report = dict(parts[-1]) | {
                "rep_count": sum(p.get("rep_count") or 0 for p in parts),
                "good_reps": sum(p.get("good_reps") or 0 for p in parts),
                "reps": [r for p in parts for r in p.get("reps") or []],
                "holds": [h for p in parts for h in p.get("holds") or []]}
            found.append(replace(s, name=exercise, report=report, series=None))
    return found


def _labels(rows: list[dict[str, Any]]) -> list[str]:
    """Month-day hour:minute, told apart by a number when two sessions share the minute."""
    dates = [r["date"][5:] for r in rows]
    twice, seen = Counter(dates), Counter()
    labels = []
    for d in dates:
        seen[d] += 1
        labels.append(f"{d} #{seen[d]}" if twice[d] > 1 else d)
    return labels


def _session_axis(ax, labels: list[str]) -> None:
    ax.set_xticks(range(len(labels)), labels, rotation=30, ha="right")
    ax.grid(axis="y", alpha=0.3)


def _reference(ax, value: float | None, text: str) -> None:
    if value:
        ax.axhline(value, color=BAD, ls="--", lw=1)
        ax.annotate(f"{text} {value:g}", (0, value), xycoords=("axes fraction", "data"), xytext=(2, 3),
                    textcoords="offset points", color=BAD, bbox={"facecolor": "white", "alpha": 0.8, "lw": 0})


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
                               "top_hold_s": statistics.median(tops) if tops else None})
    return rows


@styled
def progress_plots(rows: list[dict[str, Any]], spec: ExerciseSpec) -> list[tuple[str, Markup]]:
    from matplotlib.ticker import MaxNLocator

    labels = _labels(rows)
    xs = list(range(len(rows)))
    targets = spec_targets(spec)
    plots = []
    if spec.mode is Mode.REPS:
        fig, ax = figure()
        _bars(ax, xs, {"reps": [r["rep_count"] for r in rows], "good form": [r["good_reps"] for r in rows]},
              {"reps": LINE, "good form": GOOD})
        ax.set_ylabel("reps")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # counts: whole numbers
        ax.set_ylim(0, max([r["rep_count"] for r in rows] + [1]) * 1.35)  # room for the legend above the bars
        ax.legend(loc="upper left", ncols=2)
        _session_axis(ax, labels)
        plots.append(("Reps per session", svg(fig)))
    else:
        fig, ax = figure()
        sides = spec.cycle.sides if spec.cycle.side_from else ()
        names = [spec.cycle.side_name(side) for side in sides]
        held = {name: [r["per_side"][k] for r in rows] for k, name in enumerate(names)} or {
            "all holds": [r["held_s"] for r in rows]}
        _bars(ax, xs, held, dict(zip(held, (LINE, SECOND), strict=False)))
        _reference(ax, targets.get("hold_s"), "target per side (s):" if sides else "target per hold (s):")
        ax.set_ylabel("seconds held")
        ax.legend(loc="upper right")
        _session_axis(ax, labels)
        plots.append(("Hold seconds per side" if sides else "Hold seconds", svg(fig)))
    fig, ax = figure(2.6)
    ax.plot(xs, [None if r["good_form_share"] is None else 100 * r["good_form_share"] for r in rows], "o-",
            color=GOOD)
    ax.set_ylim(-5, 105)
    ax.set_ylabel("good form (%)")
    _session_axis(ax, labels)
    plots.append(("Good-form share per session", svg(fig)))
    if any(r["rom"] is not None for r in rows):
        fig, ax = figure(2.6)
        ax.plot(xs, [r["rom"] for r in rows], "o-", color=LINE)
        ax.set_ylabel(rows[0]["rom_label"])
        _session_axis(ax, labels)
        plots.append(("Range of motion per session (median over the reps)", svg(fig)))
    if spec.mode is Mode.REPS and targets.get("top_hold_s") and any(r["top_hold_s"] for r in rows):
        fig, ax = figure(2.6)
        ax.plot(xs, [r["top_hold_s"] for r in rows], "o-", color=LINE)
        _reference(ax, targets["top_hold_s"], "shortest good hold (s):")
        ax.set_ylabel("hold at the top (s)")
        _session_axis(ax, labels)
        plots.append(("Hold at the top per session (median)", svg(fig)))
    if any(r["pain_before"] is not None or r["pain_after"] is not None for r in rows):
        fig, ax = figure(2.6)
        for key, colour in (("pain_before", BAD), ("pain_after", LINE)):
            ax.plot(xs, [r[key] for r in rows], "o-", color=colour, label=key.replace("_", " "))
        ax.set_ylim(-0.5, 10.5)
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel("pain (0-10)")
        ax.legend(loc="upper right")
        _session_axis(ax, labels)
        plots.append(("Pain before and after", svg(fig)))
    return plots


def progress_html(sessions: list[StoredSession], specs: dict[str, ExerciseSpec]) -> str:
    """One section per exercise, its sessions oldest first."""
    sections = []
    for exercise, spec in specs.items():
        mine = [s for s in sessions if s.name == exercise]
        if mine:
            rows = progress_rows(mine, spec)
            sections.append({"spec": spec, "rows": rows, "plots": progress_plots(rows, spec),
                             "targets": spec_targets(spec), "holds": spec.mode is Mode.HOLDS,
                             "sides": [spec.cycle.side_name(side) for side in spec.cycle.sides]
                             if spec.cycle.side_from else []})
    dates = [s.saved_at[:10] for s in sessions]
    return templates.get_template("progress.html.j2").render(
        title="formcheck: progress", sections=sections, total=len({s.id for s in sessions}),
        first=min(dates, default=None), last=max(dates, default=None))
