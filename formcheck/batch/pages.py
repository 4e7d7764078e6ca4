"""What a batch leaves beside the reports: `summary.csv`, `index.html` and a page per report."""

from __future__ import annotations

import csv
import html
import io
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from formcheck.batch.jobs import INDEX_NAME, SUMMARY_NAME, Job
from formcheck.batch.manifest import Manifest, stored_row
from formcheck.errors import path_text
from formcheck.reports.outputs import atomic_write
from formcheck.spec.specs import ExerciseSpec
from formcheck.spec.vocabulary import Mode

SUMMARY_COLUMNS = ["path", "patient", "exercise", "status", "reason", "reps", "good_reps", "holds", "left_s",
                   "right_s", "pose_coverage", "frames", "report"]


def write_summary(out: Path, jobs: list[Job], manifest: Manifest) -> list[dict[str, Any]]:
    """`summary.csv` (a column per fault cue, `fault_<cue>`) and `index.html`; returns the rows."""
    rows = []
    for job in jobs:
        entry = manifest.entries.get(job.rel, {})
        stored = stored_row(entry)
        status = "ok" if stored is not None else "failed" if entry.get("status") == "failed" else "not done"
        row = {"path": path_text(job.source), "patient": job.patient,
               "exercise": str(entry.get("exercise", job.exercise)),
               "status": status, "reason": str(entry.get("reason", "")) if status == "failed" else "",
               "report": path_text(job.rel + ".json") if stored is not None else "", **(stored or {})}
        page = job.rel + ".html" if (out / f"{job.rel}.html").is_file() else job.rel + ".json"
        row["page"] = page if stored is not None else ""  # a link: the file's own name, not its text
        rows.append(row)
    cues = sorted({cue for row in rows for cue in row.get("faults", {})})
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(SUMMARY_COLUMNS + [f"fault_{c}" for c in cues])
    for row in rows:
        counts = row.get("faults")
        writer.writerow([row.get(c, "") for c in SUMMARY_COLUMNS]
                        + [counts.get(c, 0) if counts is not None else "" for c in cues])
    atomic_write(out / SUMMARY_NAME, buf.getvalue())
    atomic_write(out / INDEX_NAME, _index_html(rows))
    return rows


PAGE_STYLE = ("body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
              "td,th{border:1px solid #ccc;padding:.3em .6em;text-align:left}tr.failed td{background:#fdd}")


def _page(title: str, body: str) -> str:
    return (f'<!doctype html>\n<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{PAGE_STYLE}</style></head><body>\n<h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n")


def report_html(report: dict[str, Any], spec: ExerciseSpec) -> str:
    """One report as a page: every rep or hold with its faults in the spec's words, and the warnings."""
    def faults(item: dict[str, Any]) -> str:
        return "; ".join(html.escape(spec.cue(c).message) for c in item["faults"]) or "good"

    if spec.mode is Mode.REPS:
        head = f"<p>{report['rep_count']} reps, {report['good_reps']} with good form.</p>"
        rows = [f"<tr><td>{r['index']}</td><td>{r['start_s']:.1f}-{r['end_s']:.1f} s</td>"
                f"<td>{r['hold_s']:.1f} s</td><td>{faults(r)}</td></tr>" for r in report["reps"]]
        table = "<tr><th>rep</th><th>time</th><th>held at the top</th><th>form</th></tr>"
    else:
        head = "<p>" + ", ".join(f"{side} leg forward: {secs:.1f} s" for side, secs in report["side_totals"].items())
        head += "</p>"
        rows = [f"<tr><td>{h['index']}</td><td>{h['side'] or '?'}</td><td>{h['start_s']:.1f}-{h['end_s']:.1f} s"
                f"</td><td>{h['seconds']:.1f} s ({h['good_form_s']:.1f} s good form)</td><td>{faults(h)}</td></tr>"
                for h in report["holds"]]
        table = "<tr><th>hold</th><th>front leg</th><th>time</th><th>in the stretch</th><th>form</th></tr>"
    warnings = "".join(f"<li>{w['start_s']:.1f}-{w['end_s']:.1f} s: {html.escape(w['message'])}</li>"
                       for w in report["warnings"])
    return _page(f"{spec.name}: {path_text(report['source']['path'])}",
                 f"{head}<table>{table}{''.join(rows)}</table>"
                 + (f"<h2>Corrections</h2><ul>{warnings}</ul>" if warnings else "")
                 + f"<p>Pose found in {report['pose_coverage'] * 100:.0f}% of frames; model {report['model']}.</p>")


def _index_html(rows: list[dict[str, Any]]) -> str:
    def cell(row: dict[str, Any]) -> str:
        link = (f'<a href="{quote(os.fsencode(row["page"]))}">{html.escape(row["path"])}</a>'
                if row["page"] else html.escape(row["path"]))
        faults = ", ".join(f"{c} &times;{n}" for c, n in row.get("faults", {}).items())
        counts = ("" if "reps" not in row else
                  f'{row["holds"]} holds, left {row["left_s"] or 0} s, right {row["right_s"] or 0} s' if row["holds"]
                  else f'{row["reps"]} reps, {row["good_reps"]} good')
        return (f'<tr class="{html.escape(row["status"])}"><td>{link}</td><td>{html.escape(row["patient"])}</td>'
                f'<td>{html.escape(row["exercise"])}</td><td>{html.escape(row["status"])}'
                f'{": " + html.escape(row["reason"]) if row["reason"] else ""}</td><td>{counts}</td>'
                f"<td>{faults}</td></tr>")

    failed = sum(r["status"] != "ok" for r in rows)
    return _page("formcheck batch", f'<p>{len(rows)} files, {failed} not analysed. <a href="summary.csv">summary.csv'
                 "</a></p>\n<table><tr><th>file</th><th>patient</th><th>exercise</th><th>status</th>"
                 "<th>reps / holds</th><th>faults</th></tr>\n" + "\n".join(cell(r) for r in rows) + "\n</table>")
