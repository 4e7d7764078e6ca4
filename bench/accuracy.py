"""Accuracy of `analyze` on a folder of rendered clips with ground truth (formcheck.synth/1).

    python bench/accuracy.py FOLDER [--model full] [--json OUT.json]

Each CLIP.mp4 needs CLIP.json beside it (its labels). Prints, per exercise: clips, exact-count
rate, mean count error, mean hold-time error, side accuracy; and per cue: recall on the reps or
holds that carry it and the false-alarm rate on clean ones.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

from formcheck.analysis import analyze_video
from formcheck.report import build_report
from formcheck.specs import load_spec


def match(found: list[dict], truth: list[dict]) -> list[tuple[dict, dict | None]]:
    """Pairs each true rep/hold with the found one covering its middle (or None)."""
    pairs = []
    used: set[int] = set()
    for want in truth:
        mid = (want.get("peak_s") or (want["start_s"] + want["end_s"]) / 2)
        best = None
        for i, got in enumerate(found):
            if i in used:
                continue
            if got["start_s"] - 1.0 <= mid <= got["end_s"] + 1.0:
                best = i
                break
        if best is not None:
            used.add(best)
        pairs.append((want, found[best] if best is not None else None))
    return pairs


def score(results: list[tuple[dict, dict]]) -> dict:
    by_ex: dict[str, dict] = defaultdict(lambda: {"clips": 0, "exact": 0, "count_err": 0, "hold_err": [],
                                                   "side_ok": 0, "side_n": 0, "cues": defaultdict(
                                                       lambda: {"tp": 0, "pos": 0, "fa": 0, "clean": 0})})
    for report, truth in results:
        ex = truth["exercise"]
        s = by_ex[ex]
        holds = load_spec(ex).mode == "holds"
        found, want = (report["holds"], truth["holds"]) if holds else (report["reps"], truth["reps"])
        s["clips"] += 1
        s["exact"] += len(found) == len(want)
        s["count_err"] += abs(len(found) - len(want))
        cue_names = [c.name for c in load_spec(ex).cues if c.name not in ("body_not_visible", "wrong_view")]
        for w, g in match(found, want):
            got_faults = set(g["faults"]) if g else set()
            if holds and g:
                s["hold_err"].append(abs(g["seconds"] - w["seconds"]))
                s["side_n"] += 1
                s["side_ok"] += g["side"] == w["side"]
            for cue in cue_names:
                c = s["cues"][cue]
                if cue in w["faults"]:
                    c["pos"] += 1
                    c["tp"] += cue in got_faults
                elif not w["faults"]:
                    c["clean"] += 1
                    c["fa"] += cue in got_faults
    return by_ex


def print_table(by_ex: dict) -> None:
    print(f"{'exercise':24} {'clips':>5} {'exact':>6} {'cnt err':>7} {'hold err s':>10} {'side':>6}")
    for ex, s in sorted(by_ex.items()):
        hold = f"{sum(s['hold_err']) / len(s['hold_err']):.2f}" if s["hold_err"] else "-"
        side = f"{s['side_ok']}/{s['side_n']}" if s["side_n"] else "-"
        print(f"{ex:24} {s['clips']:5d} {s['exact'] / s['clips']:6.0%} {s['count_err'] / s['clips']:7.2f} "
              f"{hold:>10} {side:>6}")
    print()
    print(f"{'exercise':24} {'cue':28} {'recall':>12} {'false alarm':>14}")
    for ex, s in sorted(by_ex.items()):
        for cue, c in s["cues"].items():
            rec = f"{c['tp']}/{c['pos']}" + (f" {c['tp'] / c['pos']:.0%}" if c["pos"] else "")
            fa = f"{c['fa']}/{c['clean']}" + (f" {c['fa'] / c['clean']:.0%}" if c["clean"] else "")
            print(f"{ex:24} {cue:28} {rec:>12} {fa:>14}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--model", default="full")
    parser.add_argument("--json", type=Path, help="also write every report and label summary here")
    args = parser.parse_args()
    results = []
    clips = sorted(p for p in args.folder.glob("*.mp4") if p.with_suffix(".json").is_file())
    for i, clip in enumerate(clips, 1):
        truth = json.loads(clip.with_suffix(".json").read_text())
        result = analyze_video(clip, load_spec(truth["exercise"]), args.model)
        report = build_report(result.session, result.info, result.model, result.complete)
        results.append((report, truth))
        key = "holds" if truth["holds"] else "reps"
        got = [(r.get("side"), sorted(r["faults"])) if key == "holds" else sorted(r["faults"]) for r in report[key]]
        want = [(r.get("side"), sorted(r["faults"])) if key == "holds" else sorted(r["faults"]) for r in truth[key]]
        print(f"[{i}/{len(clips)}] {'ok ' if got == want else 'DIFF'} {clip.name}: got {got} want {want}",
              flush=True)
    print()
    print_table(score(results))
    if args.json:
        args.json.write_text(json.dumps([{"clip": c.name, "report": r, "truth": {k: t[k] for k in ("reps", "holds")}}
                                         for c, (r, t) in zip(clips, results, strict=True)], indent=1))


if __name__ == "__main__":
    main()
