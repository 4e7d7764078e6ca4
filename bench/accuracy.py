"""Accuracy of `analyze` on rendered clips with ground truth (formcheck.synth/1).

    python -m bench.accuracy FOLDER [--half A|B] [--model full] [--cache DIR] [--markdown OUT.md]
    python -m bench.accuracy bench/evalset --half B     # the kept poses of the rendered evaluation set

Each CLIP.mp4 needs CLIP.json beside it (its labels). `--half` keeps the clips of one half of
the evaluation set (`bench/make_eval_set.py` names them eval_A_..., eval_B_...). `--cache` keeps
each clip's pose landmarks, so a rerun after a change to measures, specs or the engine takes
seconds: the pose model is the slow part and does not change.

Prints, per exercise: clips, exact counts, hold-time error, sides; per rep or hold: the whole
verdict (its exact set of faults) right; per cue: recall on the reps or holds that carry it and
false alarms on clean ones, with 95% Wilson intervals, and how often it was left unjudged; then
the clips with the most mistakes.
"""

from __future__ import annotations

import argparse
import json
import math
import pickle
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench import pose_store
from formcheck.analysis.session import Session
from formcheck.pose.filters import PoseSmoother
from formcheck.reports.report import build_report
from formcheck.spec.specs import load_spec


def poses(clip: Path, model: str, cache: Path | None) -> tuple:
    stored = pose_store.pose_path(clip.parent, clip.stem, model)
    if stored.is_file():  # the kept evaluation set (bench/evalset)
        return pose_store.load(stored, clip.stem)
    target = cache / f"{clip.stem}.{model}.pkl" if cache else None
    if target and target.is_file():
        return pickle.loads(target.read_bytes())
    out = pose_store.detect(clip, model)
    if target:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(pickle.dumps(out))
    return out


def analyze(clip: Path, exercise: str, model: str, cache: Path | None) -> dict:
    info, frames = poses(clip, model, cache)
    session = Session(load_spec(exercise), (info.width, info.height))
    smoother = PoseSmoother()  # as the frame pipeline does
    for frame, cut in frames:
        session.update(smoother(frame, cut), cut=cut)
    session.finish()
    return build_report(session, info, model, True).as_dict()


def match(found: list[dict], truth: list[dict]) -> list[tuple[dict, dict | None]]:
    """Pairs each true rep/hold with the found one covering its middle (or None)."""
    pairs = []
    used: set[int] = set()
    for want in truth:
        mid = want.get("peak_s") or (want["start_s"] + want["end_s"]) / 2
        best = next((i for i, got in enumerate(found)
                     if i not in used and got["start_s"] - 1.0 <= mid <= got["end_s"] + 1.0), None)
        if best is not None:
            used.add(best)
        pairs.append((want, found[best] if best is not None else None))
    return pairs


def wilson(k: int, n: int) -> str:
    if not n:
        return "-"
    z, p = 1.96, k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return f"{max(centre - half, 0):.2f}-{min(centre + half, 1):.2f}"


def score(results: list[tuple[str, dict, dict]]) -> tuple[dict, list]:
    ex_stats: dict[str, dict] = defaultdict(lambda: {"clips": 0, "exact": 0, "items": 0, "verdict_ok": 0,
                                                      "hold_err": [], "side_ok": 0, "side_n": 0})
    cue_stats: dict[tuple[str, str], dict] = defaultdict(lambda: {"tp": 0, "pos": 0, "fa": 0, "clean": 0,
                                                                  "unjudged": 0})
    worst = []
    for name, report, truth in results:
        ex = truth["exercise"]
        spec = load_spec(ex)
        s = ex_stats[ex]
        holds = spec.mode == "holds"
        found, want = (report["holds"], truth["holds"]) if holds else (report["reps"], truth["reps"])
        s["clips"] += 1
        s["exact"] += len(found) == len(want)
        mistakes = abs(len(found) - len(want))
        for w, g in match(found, want):
            got = set(g["faults"]) if g else set()
            unjudged = {u["cue"] for u in g.get("unjudged", [])} if g else set()
            s["items"] += 1
            ok = g is not None and got == set(w["faults"])
            s["verdict_ok"] += ok
            mistakes += not ok
            if holds and g:
                s["hold_err"].append(g["seconds"] - w["seconds"])  # signed: found minus true
                s["side_n"] += 1
                s["side_ok"] += g["side"] == w["side"]
            for cue in (c.name for c in spec.cues if not c.view):
                c = cue_stats[(ex, cue)]
                if cue in w["faults"]:
                    c["pos"] += 1
                    c["tp"] += cue in got
                    c["unjudged"] += cue in unjudged
                elif not w["faults"]:
                    c["clean"] += 1
                    c["fa"] += cue in got
        if mistakes:
            worst.append((mistakes, name, [sorted(x["faults"]) for x in found], [sorted(x["faults"]) for x in want]))
    return {"exercises": ex_stats, "cues": cue_stats}, sorted(worst, reverse=True)


def table(scores: dict, worst: list, title: str) -> str:
    ex_stats, cue_stats = scores["exercises"], scores["cues"]
    lines = [f"## {title}", "",
             "| exercise | clips | exact count | verdict right (reps/holds) | hold error s: median (mean, max; "
             "bias) | sides |",
             "|---|---|---|---|---|---|"]
    total = {"clips": 0, "exact": 0, "items": 0, "ok": 0}
    for ex, s in sorted(ex_stats.items()):
        errors = np.array(s["hold_err"])
        hold = f"{np.median(abs(errors)):.2f} (mean {np.mean(abs(errors)):.2f}, max {np.max(abs(errors)):.2f}; " \
               f"bias {np.median(errors):+.2f})" if len(errors) else "-"
        side = f"{s['side_ok']}/{s['side_n']}" if s["side_n"] else "-"
        lines.append(f"| {ex} | {s['clips']} | {s['exact']}/{s['clips']} | {s['verdict_ok']}/{s['items']} | {hold} "
                     f"| {side} |")
        total["clips"] += s["clips"]
        total["exact"] += s["exact"]
        total["items"] += s["items"]
        total["ok"] += s["verdict_ok"]
    if total["clips"]:
        lines.append(f"| **all** | {total['clips']} | {total['exact']}/{total['clips']} "
                     f"({total['exact'] / total['clips']:.0%}) | {total['ok']}/{total['items']} "
                     f"({total['ok'] / max(total['items'], 1):.0%}) | | |")
    lines += ["", "| exercise | cue | recall | 95% CI | unjudged | false alarms on clean | 95% CI |",
              "|---|---|---|---|---|---|---|"]
    for (ex, cue), c in sorted(cue_stats.items()):
        lines.append(f"| {ex} | {cue} | {c['tp']}/{c['pos']} | {wilson(c['tp'], c['pos'])} | {c['unjudged']} "
                     f"| {c['fa']}/{c['clean']} | {wilson(c['fa'], c['clean'])} |")
    lines += ["", "Clips with mistakes, most first (found faults per rep/hold, then the truth):", ""]
    lines += [f"- {name}: {n} - got {got}, want {want}" for n, name, got, want in worst[:12]] or ["- none"]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--half", choices=["A", "B"])
    parser.add_argument("--model", default="full")
    parser.add_argument("--cache", type=Path, help="keep pose landmarks of each clip here")
    parser.add_argument("--markdown", type=Path, help="also write the tables here")
    args = parser.parse_args()
    # rendered clips (NAME.mp4 beside its labels), or the kept poses (NAME.MODEL.npz beside them)
    named = {p.with_suffix(".mp4") for p in args.folder.glob("*.json")
             if p.with_suffix(".mp4").is_file() or pose_store.pose_path(args.folder, p.stem, args.model).is_file()}
    clips = sorted(p for p in named if args.half is None or p.stem.startswith(f"eval_{args.half}_"))
    results = []
    for i, clip in enumerate(clips, 1):
        truth = json.loads(clip.with_suffix(".json").read_text())
        report = analyze(clip, truth["exercise"], args.model, args.cache)
        results.append((clip.stem, report, truth))
        key = "holds" if truth["holds"] else "reps"
        got = [sorted(r["faults"]) for r in report[key]]
        want = [sorted(r["faults"]) for r in truth[key]]
        print(f"[{i}/{len(clips)}] {'ok ' if got == want else 'DIFF'} {clip.name}: got {got} want {want}", flush=True)
    scores, worst = score(results)
    text = table(scores, worst, f"{args.folder.name}" + (f", half {args.half}" if args.half else ""))
    print()
    print(text)
    if args.markdown:
        args.markdown.write_text(text)


if __name__ == "__main__":
    main()
