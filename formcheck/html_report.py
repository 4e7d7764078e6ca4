"""Self-contained HTML reports: one session, or progress across sessions.

Everything is inline (plots as SVG from matplotlib, pictures as base64 JPEG, the style sheet), so the
file opens from a USB stick or an email attachment and loads nothing from the network. The words come
first, in large type; the plots follow.
"""

from __future__ import annotations

import functools
import io
import statistics
from typing import Any

import jinja2
from markupsafe import Markup

from formcheck.history import StoredSession
from formcheck.report import not_counted_message
from formcheck.specs import ExerciseSpec

GOOD, BAD, VIEW, LINE, SECOND = "#2e9e4f", "#d64541", "#9a9a9a", "#1f4e8c", "#e39b2d"
# Text stays text in the SVG (small, sharp, searchable); sizes suit a plot about 600 px wide, the width of
# a phone held sideways (the page lets a narrower screen scroll the plot rather than shrink its text).
STYLE = {"svg.fonttype": "none", "font.size": 12, "xtick.labelsize": 11, "ytick.labelsize": 11,
         "legend.fontsize": 11}

_templates = jinja2.Environment(loader=jinja2.PackageLoader("formcheck", "templates"),
                                autoescape=True, trim_blocks=True, lstrip_blocks=True)


def _styled(plotting):
    """Runs a plotting function in STYLE: text sizes are fixed when a figure's text is made."""

    @functools.wraps(plotting)
    def wrapper(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(STYLE):
            return plotting(*args, **kwargs)

    return wrapper


def _figure(height: float = 3.0):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6.4, height), layout="constrained")
    return fig, fig.subplots()


def _svg(fig) -> Markup:
    """The figure as inline SVG, without a metadata block."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    text = buf.getvalue()
    return Markup(text[text.index("<svg"):])


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


_templates.filters["plural"] = plural


def _is_view(spec: ExerciseSpec, cue: str) -> bool:
    """A problem with the camera's view (not a fault of the movement), as the spec marks it."""
    return any(c.name == cue and c.view for c in spec.cues)


def _ranges(items: list[dict], index_key: str = "index") -> str:
    return ", ".join(str(i[index_key]) for i in items)


def _fault_lines(spec: ExerciseSpec, items: list[dict], noun: str) -> list[str]:
    """One plain sentence per fault: the correction, and which reps or holds it was seen in."""
    lines = []
    for cue in spec.cues:
        hit = [i for i in items if cue.name in i["faults"]]
        if hit:
            which = f"{noun} {_ranges(hit)}" if len(hit) == 1 else f"{noun}s {_ranges(hit)}"
            lines.append(f"{cue.message} ({which})")
    return lines


def _targets(spec: ExerciseSpec) -> dict[str, float]:
    """The guide's targets as the spec holds them: seconds to hold, or the shortest hold at the top of a rep."""
    found = {}
    if spec.cycle.target_s:
        found["hold_s"] = spec.cycle.target_s  # per side when there are sides
    for cue in spec.cues:
        if cue.when in ("rep", "hold") and cue.measure == "hold_s" and cue.below is not None:
            found.setdefault("top_hold_s", cue.below)
    return found


def verdict(report: dict[str, Any], spec: ExerciseSpec) -> dict[str, Any]:
    """The summary in words: a headline, the faults in plain language, the view problems."""
    holds, reps = report.get("holds") or [], report.get("reps") or []
    cycle = spec.cycle
    per_side = [{"name": cycle.side_name(side), "seconds": sum(h["seconds"] for h in holds if h["side"] == side),
                 "good_form_s": sum(h.get("good_form_s", 0.0) for h in holds if h["side"] == side)}
                for side in cycle.sides] if cycle.side_from else []
    if spec.mode == "holds":
        target = cycle.target_s
        if per_side:
            said = ": " + ", ".join(f"{s['name']} {s['seconds']:.1f} s" for s in per_side)
            goal = f" (target {target:.0f} s per side)" if target else ""
        else:
            said = f", {sum(h['seconds'] for h in holds):.1f} s in all"
            goal = f" (target {target:.0f} s each)" if target else ""
        headline = plural(len(holds), "hold") + said + goal
        faults = _fault_lines(spec, holds, "hold")
        good = "Every hold had good form." if holds and not faults else ""
    else:
        headline = f"{plural(report.get('rep_count', 0), 'rep')}, {report.get('good_reps', 0)} with good form"
        faults = _fault_lines(spec, reps, "rep")
        good = "Every rep had good form." if reps and not faults else ""
    view = [(w["start_s"], w["end_s"], w["message"]) for w in report.get("warnings", []) if _is_view(spec, w["cue"])]
    view += [(n["start_s"], n["end_s"], not_counted_message(spec, n)) for n in report.get("not_counted", [])]
    view = [f"{start:.1f}-{end:.1f} s: {message}" for start, end, message in sorted(view)]
    return {"headline": headline, "faults": faults, "good": good, "view": view, "per_side": per_side,
            "partial": not report.get("complete", True)}


@_styled
def measure_plot(report: dict[str, Any], spec: ExerciseSpec, series: dict[str, Any] | None) -> Markup:
    """The judged measure over time; reps or holds shaded (green good, red faulty); faults marked."""
    fig, ax = _figure(3.4)
    items = report.get("holds") or report.get("reps") or []
    noun = "hold" if report.get("holds") else "rep"
    for item in items:
        colour = BAD if item["faults"] else GOOD
        ax.axvspan(item["start_s"], item["end_s"], color=colour, alpha=0.15, lw=0)
        ax.text((item["start_s"] + item["end_s"]) / 2, 1.0, f"{noun} {item['index']}",
                transform=ax.get_xaxis_transform(), ha="center", va="bottom", color=colour)
    for span in [w for w in report.get("warnings", []) if _is_view(spec, w["cue"])] + report.get("not_counted", []):
        ax.axvspan(span["start_s"], span["end_s"], color=VIEW, alpha=0.25, lw=0)
    if series and any(v is not None for v in series["values"]):
        t = series["t"]
        values = [float("nan") if v is None else v for v in series["values"]]
        ax.plot(t, values, color=LINE, lw=1.6)
        unit = " (deg)" if series.get("unit") == "deg" else ""
        ax.set_ylabel(series.get("label", series["measure"]) + unit)
        for cue in spec.cues:  # the bounds the judged measure is held to, from the spec
            if cue.measure == series["measure"] and cue.when == "top":
                for bound in (cue.below, cue.above):
                    if bound is not None:
                        ax.axhline(bound, color=BAD, lw=0.8, ls="--")
                        ax.text(t[-1] if t else 0, bound, f" {cue.name}", va="center", color=BAD)
        for w in report.get("warnings", []):
            if _is_view(spec, w["cue"]):
                continue
            span = [(x, v) for x, v in zip(t, values, strict=True) if w["start_s"] <= x <= w["end_s"]]
            if span:
                ax.plot([x for x, _ in span], [v for _, v in span], color=BAD, lw=3.2)
                ax.plot(*span[0], marker="v", color=BAD, ms=9)
                ax.annotate(w["cue"], span[0], textcoords="offset points", xytext=(0, 8),
                            color=BAD, ha="center")
    else:
        ax.set_yticks([])
        said = "per-frame measure not stored for this session" if not series else "the judged joints were never seen"
        ax.text(0.5, 0.5, said, transform=ax.transAxes, ha="center", va="center", color="#555")
        for w in report.get("warnings", []):
            if not _is_view(spec, w["cue"]):
                ax.plot((w["start_s"] + w["end_s"]) / 2, 0.1, marker="v", color=BAD, ms=9,
                        transform=ax.get_xaxis_transform())
    ax.set_xlabel("time (s)")
    ax.set_xlim(0, max(report.get("source", {}).get("duration_s") or 0, max((i["end_s"] for i in items), default=1)))
    ax.grid(alpha=0.3)
    return _svg(fig)


def session_html(report: dict[str, Any], spec: ExerciseSpec, series: dict[str, Any] | None = None,
                 pictures: dict[int, str] | None = None, session: StoredSession | None = None) -> str:
    pictures = pictures or {}
    items = report.get("holds") or report.get("reps") or []
    rows = []
    for item in items:
        faults = [spec.cue(f).message for f in item["faults"]]
        side = spec.cycle.side_name(item.get("side")) if spec.cycle.side_from else None
        rows.append({"index": item["index"], "side": side, "start_s": item["start_s"],
                     "end_s": item["end_s"], "seconds": item.get("seconds", item.get("hold_s", 0.0)),
                     "good_form_s": item.get("good_form_s"), "faults": faults,
                     "picture": pictures.get(item["index"])})
    return _templates.get_template("session.html.j2").render(
        title=f"{spec.name}: formcheck report", spec=spec, report=report, verdict=verdict(report, spec),
        plot=measure_plot(report, spec, series), rows=rows, holds=spec.mode == "holds",
        targets=_targets(spec), session=session)


# ---- progress across sessions ------------------------------------------------------------------

def _range_of_motion(report: dict[str, Any], spec: ExerciseSpec) -> tuple[float | None, str]:
    """The median over a session's reps (or holds) of the judged measure at the top, else of the drive's span."""
    items = report.get("reps") or report.get("holds") or []
    key = f"{spec.display_measure}_top_median"
    measure = spec.measures.get(spec.display_measure)
    label = f"{measure.label if measure else spec.display_measure} at the top"
    if not items or not all(key in i.get("metrics", {}) for i in items):
        key = "range"
        drive = spec.measures.get(spec.cycle.drive)
        label = f"{drive.label if drive else spec.cycle.drive} range"
    values = [i["metrics"][key] for i in items if key in i.get("metrics", {})]
    unit = " (deg)" if measure and measure.unit == "deg" and key != "range" else ""
    return (statistics.median(values) if values else None), label + unit


def _bars(ax, xs: list[int], series: dict[str, list], colours: dict[str, str]) -> None:
    width = 0.8 / max(len(series), 1)
    for k, (name, values) in enumerate(series.items()):
        offset = (k - (len(series) - 1) / 2) * width
        ax.bar([x + offset for x in xs], [v or 0 for v in values], width, label=name, color=colours[name])


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


@_styled
def progress_plots(rows: list[dict[str, Any]], spec: ExerciseSpec) -> list[tuple[str, Markup]]:
    labels = [r["date"][5:] for r in rows]
    xs = list(range(len(rows)))
    targets = _targets(spec)
    plots = []
    if spec.mode == "reps":
        fig, ax = _figure()
        _bars(ax, xs, {"reps": [r["rep_count"] for r in rows], "good form": [r["good_reps"] for r in rows]},
              {"reps": LINE, "good form": GOOD})
        ax.set_ylabel("reps")
        ax.legend(loc="upper left")
        _session_axis(ax, labels)
        plots.append(("Reps per session", _svg(fig)))
    else:
        fig, ax = _figure()
        sides = spec.cycle.sides if spec.cycle.side_from else ()
        names = [spec.cycle.side_name(side) for side in sides]
        held = {name: [r["per_side"][k] for r in rows] for k, name in enumerate(names)} or {
            "all holds": [r["held_s"] for r in rows]}
        _bars(ax, xs, held, dict(zip(held, (LINE, SECOND), strict=False)))
        _reference(ax, targets.get("hold_s"), "target per side (s):" if sides else "target per hold (s):")
        ax.set_ylabel("seconds held")
        ax.legend(loc="upper right")
        _session_axis(ax, labels)
        plots.append(("Hold seconds per side" if sides else "Hold seconds", _svg(fig)))
    fig, ax = _figure(2.6)
    ax.plot(xs, [None if r["good_form_share"] is None else 100 * r["good_form_share"] for r in rows], "o-",
            color=GOOD)
    ax.set_ylim(-5, 105)
    ax.set_ylabel("good form (%)")
    _session_axis(ax, labels)
    plots.append(("Good-form share per session", _svg(fig)))
    if any(r["rom"] is not None for r in rows):
        fig, ax = _figure(2.6)
        ax.plot(xs, [r["rom"] for r in rows], "o-", color=LINE)
        ax.set_ylabel(rows[0]["rom_label"])
        _session_axis(ax, labels)
        plots.append(("Range of motion per session (median over the reps)", _svg(fig)))
    if spec.mode == "reps" and targets.get("top_hold_s") and any(r["top_hold_s"] for r in rows):
        fig, ax = _figure(2.6)
        ax.plot(xs, [r["top_hold_s"] for r in rows], "o-", color=LINE)
        _reference(ax, targets["top_hold_s"], "shortest good hold (s):")
        ax.set_ylabel("hold at the top (s)")
        _session_axis(ax, labels)
        plots.append(("Hold at the top per session (median)", _svg(fig)))
    if any(r["pain_before"] is not None or r["pain_after"] is not None for r in rows):
        fig, ax = _figure(2.6)
        for key, colour in (("pain_before", BAD), ("pain_after", LINE)):
            ax.plot(xs, [r[key] for r in rows], "o-", color=colour, label=key.replace("_", " "))
        ax.set_ylim(-0.5, 10.5)
        ax.set_ylabel("pain (0-10)")
        ax.legend(loc="upper right")
        _session_axis(ax, labels)
        plots.append(("Pain before and after", _svg(fig)))
    return plots


def progress_html(sessions: list[StoredSession], specs: dict[str, ExerciseSpec]) -> str:
    """One section per exercise, its sessions oldest first."""
    sections = []
    for exercise, spec in specs.items():
        mine = [s for s in sessions if s.name == exercise]
        if mine:
            rows = progress_rows(mine, spec)
            sections.append({"spec": spec, "rows": rows, "plots": progress_plots(rows, spec),
                             "targets": _targets(spec), "holds": spec.mode == "holds",
                             "sides": [spec.cycle.side_name(side) for side in spec.cycle.sides]
                             if spec.cycle.side_from else []})
    dates = [s.saved_at[:10] for s in sessions]
    return _templates.get_template("progress.html.j2").render(
        title="formcheck: progress", sections=sections, total=len(sessions),
        first=min(dates, default=None), last=max(dates, default=None))
