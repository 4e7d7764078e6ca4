"""The raised-hand stop on clips: detections against the labels, and false stops on clips without one.

    python -m bench.gestures CLIP_OR_FOLDER... [--half A|B] [--cache DIR] [--model full] [--markdown OUT.md]

A clip with labels beside it (CLIP.json, formcheck.synth/1) is scored against its `gestures`: a
raise held `STOP_S` or longer must give one stop, after the hand reached the top (the delay is from
there) and before it is back down plus `LATE_S`; a briefer raise must give none. A clip without
labels (a real recording, a committed sample) must give no stop at all. `--cache` keeps each
clip's pose landmarks (as `bench/accuracy.py` does), so a change of the rule reruns in seconds.
"""

from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from bench import pose_store
from bench.accuracy import poses
from formcheck.analysis.commands import RaisedHandRule, RaisedHandWatch
from formcheck.errors import FormcheckError
from formcheck.pose.filters import PoseSmoother

STOP_S = 1.2  # a label's raise held this long is a stop; the gesture set's briefs are 0.3..0.6 s
LATE_S = 1.5  # a stop heard up to this long after the hand is back down still counts


def stops(clip: Path, model: str, cache: Path | None, rule: RaisedHandRule) -> tuple[list[float], float]:
    """The stops heard in the clip, and its length in seconds."""
    info, frames = poses(clip, model, cache)
    smoother, watch = PoseSmoother(), RaisedHandWatch(rule)
    heard = []
    for frame, cut in frames:
        command = watch(smoother(frame, cut))
        if command is not None:
            heard.append(command.t_s)
    return heard, (frames[-1][0].t if frames else 0.0)


def in_folder(folder: Path, model: str) -> set[Path]:
    """The clips of a folder: its videos, and the kept poses of others (bench/evalset)."""
    kept = {p.with_suffix(".mp4") for p in folder.glob("*.json")
            if pose_store.pose_path(folder, p.stem, model).is_file()}
    return set(folder.glob("*.mp4")) | kept


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", type=Path, nargs="+")
    parser.add_argument("--half", choices=["A", "B"])
    parser.add_argument("--model", default="full")
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--markdown", type=Path)
    args = parser.parse_args()
    rule = RaisedHandRule.shared()
    clips = sorted(c for p in args.paths for c in ([p] if p.is_file() else in_folder(p, args.model)))
    if args.half:
        clips = [c for c in clips if f"_{args.half}_" in c.name]
    delays: list[float] = []
    missed, false_stops, raises, briefs, seconds_without = [], [], 0, 0, 0.0
    brief_heard: list[str] = []
    for clip in clips:
        try:
            heard, length = stops(clip, args.model, args.cache, rule)
        except FormcheckError as exc:  # a clip still being rendered
            print(f"{clip.stem}: skipped ({exc})")
            continue
        labels = clip.with_suffix(".json")
        gestures = json.loads(labels.read_text()).get("gestures", []) if labels.is_file() else []
        left = list(heard)
        for g in gestures:
            hit = next((t for t in left if g["start_s"] <= t <= g["end_s"] + LATE_S), None)
            if g["seconds"] >= STOP_S:
                raises += 1
                if hit is None:
                    missed.append(f"{clip.stem} at {g['start_s']:.1f} s")
                else:
                    delays.append(hit - g["up_s"])
            else:
                briefs += 1
                if hit is not None:
                    brief_heard.append(f"{clip.stem} at {g['start_s']:.1f} s")
            if hit is not None:
                left.remove(hit)
        false_stops += [f"{clip.stem} at {t:.1f} s" for t in left]
        busy = sum(g["end_s"] - g["start_s"] for g in gestures)
        seconds_without += length - busy
        print(f"{clip.stem}: heard {[round(t, 1) for t in heard]}; raises "
              f"{[(g['up_s'], g['seconds']) for g in gestures]}", flush=True)
    lines = [
        f"| clips | {len(clips)} |", "|---|---|",
        f"| stops heard | {raises - len(missed)} of {raises} |",
        f"| delay after the hand is up, median (max) | "
        f"{statistics.median(delays):.2f} s ({max(delays):.2f} s) |" if delays else "| delay | - |",
        f"| brief raises (not a stop) heard as one | {len(brief_heard)} of {briefs} |",
        f"| false stops | {len(false_stops)} in {seconds_without / 60:.1f} min without a raise |",
    ]
    text = "\n".join(lines) + "\n" + "".join(f"- missed: {m}\n" for m in missed) + \
        "".join(f"- false stop: {f}\n" for f in false_stops) + \
        "".join(f"- brief raise heard: {b}\n" for b in brief_heard)
    print(text)
    if args.markdown:
        args.markdown.write_text(text)


if __name__ == "__main__":
    main()
