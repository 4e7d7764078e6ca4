"""Self-contained HTML reports of one session (progress across sessions: `html_progress`).

Everything is inline (plots as SVG from matplotlib, pictures as base64 JPEG, the style sheet), so the
file opens from a USB stick or an email attachment and loads nothing from the network. The words come
first, in large type; the plots follow.
"""

from __future__ import annotations

import functools
import io
import textwrap
from typing import Any

import jinja2
from markupsafe import Markup

from formcheck.reports.history import StoredSession
from formcheck.reports.report import not_counted_message, unjudged_lines
from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import CueWhen, Mode

GOOD, BAD, VIEW, LINE, SECOND = "#2e9e4f", "#d64541", "#9a9a9a", "#1f4e8c", "#e39b2d"
# Text stays text in the SVG (small, sharp, searchable). Plots are drawn WIDTH_IN wide and shown at most
# 600 px wide: on a phone (420 px, the plot shrunk to 380 px) the smallest text is still about 13 px.
WIDTH_IN = 5.0
STYLE = {"svg.fonttype": "none", "font.size": 13, "xtick.labelsize": 12, "ytick.labelsize": 12,
         "legend.fontsize": 12}

templates = jinja2.Environment(loader=jinja2.PackageLoader("formcheck.reports", "templates"),
                                autoescape=True, trim_blocks=True, lstrip_blocks=True)


def styled(plotting):
    """Runs a plotting function in STYLE: text sizes are fixed when a figure's text is made."""

    @functools.wraps(plotting)
    def wrapper(*args, **kwargs):
        import matplotlib

        with matplotlib.rc_context(STYLE):
            return plotting(*args, **kwargs)

    return wrapper


def figure(height: float = 2.8, panels: int = 1):
    """A figure WIDTH_IN wide; `panels` > 1: that many axes one above the other, sharing the x axis."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(WIDTH_IN, height), layout="constrained")
    return fig, fig.subplots(panels, 1, sharex=True)


def svg(fig) -> Markup:
    """The figure as inline SVG, without a metadata block."""
    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Creator": None, "Date": None, "Format": None, "Type": None})
    text = buf.getvalue()
    return Markup(text[text.index("<svg"):])


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


templates.filters["plural"] = plural


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


def spec_targets(spec: ExerciseSpec) -> dict[str, float]:
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
    if spec.mode is Mode.HOLDS:
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


def _spaced_labels(items: list[dict], noun: str, end_s: float) -> list[tuple[dict, str]]:
    """Labels over the reps (or holds) that never overlap: "rep 3" when they fit, else "3", else every
    few (the shading still shows each one)."""
    per_s = WIDTH_IN * 72 * 0.82 / max(end_s, 1e-6)  # points of the plot's width per second, roughly
    centres = [(i["start_s"] + i["end_s"]) / 2 for i in items]
    gap = min((b - a for a, b in zip(centres, centres[1:], strict=False)), default=float("inf")) * per_s

    def wide(text: str) -> float:  # points, at about 0.6 of the font size a character
        return 0.6 * STYLE["font.size"] * (len(text) + 1)

    named = all(wide(f"{noun} {i['index']}") <= gap for i in items)
    found, last = [], float("-inf")
    for item, centre in zip(items, centres, strict=True):
        text = f"{noun} {item['index']}" if named else str(item["index"])
        if (centre - last) * per_s >= wide(text):
            found.append((item, text))
            last = centre
    return found


@styled
def measure_plot(report: dict[str, Any], spec: ExerciseSpec, series: dict[str, Any] | None) -> Markup:
    """The judged measure over time; reps or holds shaded (green good, red faulty); faults marked."""
    fig, ax = figure(2.9)
    items = report.get("holds") or report.get("reps") or []
    noun = "hold" if report.get("holds") else "rep"
    end_s = max(report.get("source", {}).get("duration_s") or 0, max((i["end_s"] for i in items), default=1))
    for item in items:
        ax.axvspan(item["start_s"], item["end_s"], color=BAD if item["faults"] else GOOD, alpha=0.15, lw=0)
    for item, text in _spaced_labels(items, noun, end_s):
        ax.text((item["start_s"] + item["end_s"]) / 2, 1.0, text, transform=ax.get_xaxis_transform(),
                ha="center", va="bottom", color=BAD if item["faults"] else GOOD)
    for span in [w for w in report.get("warnings", []) if _is_view(spec, w["cue"])] + report.get("not_counted", []):
        ax.axvspan(span["start_s"], span["end_s"], color=VIEW, alpha=0.25, lw=0)
    if series and any(v is not None for v in series["values"]):
        t = series["t"]
        values = [float("nan") if v is None else v for v in series["values"]]
        ax.plot(t, values, color=LINE, lw=1.6)
        unit = " deg" if series.get("unit") == "deg" else ""
        ax.set_ylabel(textwrap.fill(series.get("label", series["measure"]) + (" (deg)" if unit else ""), 22))
        bounds = sorted({b for cue in spec.cues if cue.measure == series["measure"] and cue.when is CueWhen.TOP
                         for b in (cue.below, cue.above) if b is not None})  # what the spec holds it to
        for k, bound in enumerate(bounds):
            words = f"limit{'s' if len(bounds) > 1 else ''} {', '.join(f'{b:g}' for b in bounds)}{unit}"
            ax.axhline(bound, color=BAD, lw=0.8, ls="--", label=None if k else words)
        labelled = set()  # each fault named once, in the spec's words, in the legend under the plot: no
        for w in report.get("warnings", []):  # label lies over the curve or over another
            if _is_view(spec, w["cue"]):
                continue
            span = [(x, v) for x, v in zip(t, values, strict=True) if w["start_s"] <= x <= w["end_s"]]
            if span:
                ax.plot([x for x, _ in span], [v for _, v in span], color=BAD, lw=3.2)
                words = None if w["cue"] in labelled else textwrap.shorten(spec.cue(w["cue"]).message, 40)
                labelled.add(w["cue"])
                ax.plot(*span[0], marker="v", color=BAD, ms=9, ls="none", label=words)
        named = len(ax.get_legend_handles_labels()[1])
        if named:
            fig.set_figheight(fig.get_figheight() + 0.24 * named)  # the plot keeps its height above the legend
            fig.legend(loc="outside lower center", ncols=1, frameon=False)
    else:
        ax.set_yticks([])
        said = "per-frame measure not stored for this session" if not series else "the judged joints were never seen"
        ax.text(0.5, 0.5, said, transform=ax.transAxes, ha="center", va="center", color="#555")
        for w in report.get("warnings", []):
            if not _is_view(spec, w["cue"]):
                ax.plot((w["start_s"] + w["end_s"]) / 2, 0.1, marker="v", color=BAD, ms=9,
                        transform=ax.get_xaxis_transform())
    ax.set_xlabel("time (s)")
    ax.set_xlim(0, end_s)
    ax.grid(alpha=0.3)
    return svg(fig)


def item_rows(report: dict[str, Any], spec: ExerciseSpec, pictures: dict[int, str] | None = None) -> list[dict]:
    """Each rep (or hold) for its card: when, how long, its faults in the spec's words, its picture."""
    pictures = pictures or {}
    rows = []
    for item in report.get("holds") or report.get("reps") or []:
        faults = [spec.cue(f).message for f in item["faults"]]
        side = spec.cycle.side_name(item.get("side")) if spec.cycle.side_from else None
        rows.append({"index": item["index"], "side": side, "start_s": item["start_s"],
                     "end_s": item["end_s"], "seconds": item.get("seconds", item.get("hold_s", 0.0)),
                     "good_form_s": item.get("good_form_s"), "faults": faults,
                     "unjudged": [f"Could not judge {line}" for line in unjudged_lines(spec, item)],
                     "picture": pictures.get(item["index"])})
    return rows


def session_html(report: dict[str, Any], spec: ExerciseSpec, series: dict[str, Any] | None = None,
                 pictures: dict[int, str] | None = None, session: StoredSession | None = None,
                 recording_changed: bool = False) -> str:
    """`recording_changed`: the file at the stored path is another recording now, so no pictures."""
    return templates.get_template("session.html.j2").render(recording_changed=recording_changed,
        title=f"{spec.name}: formcheck report", spec=spec, report=report, verdict=verdict(report, spec),
        plot=measure_plot(report, spec, series), rows=item_rows(report, spec, pictures),
        holds=spec.mode is Mode.HOLDS, targets=spec_targets(spec), session=session)
