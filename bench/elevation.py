"""How the camera's height changes what formcheck says: the same clean and faulty sets filmed
side-on from 0 to 45 degrees above the floor.

    python -m bench.elevation [FOLDER] [--model full]

FOLDER (default bench/elevation) holds the kept poses of rendered clips named
`elevDD_EXERCISE[_fault]_bN` (see bench/pose_store.py, `--names "elev*"`). Prints, per
elevation and exercise: exact counts, whole verdicts right, faults said on clean reps or holds
(false alarms) and which, cues left unjudged because the camera looked down, and the `look_down`
measure at rest (the median over each clip's first second, then over the clips).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from bench import pose_store
from bench.accuracy import analyze, match, poses
from formcheck.analysis.measures import MeasureComputer
from formcheck.pose.filters import PoseSmoother
from formcheck.spec.specs import load_spec

STORE = Path(__file__).resolve().parent / "elevation"
HIGH = "camera looked down"  # the unjudged reason of the `camera_high` view cue


def look_down_at_rest(clip: Path, exercise: str, model: str, seconds: float = 1.0) -> float:
    """The `look_down` measure's median over the clip's first `seconds` (the start position)."""
    info, frames = poses(clip, model, None)
    measures, smoother = MeasureComputer(load_spec(exercise)), PoseSmoother()
    values = [measures(smoother(f, cut), (info.width, info.height))["look_down"] for f, cut in frames if f.t <= seconds]
    return float(np.nanmedian(values)) if np.isfinite(values).any() else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, nargs="?", default=STORE)
    parser.add_argument("--model", default="full")
    args = parser.parse_args()
    rows: dict[tuple[int, str], dict] = defaultdict(lambda: {"clips": 0, "exact": 0, "items": 0, "ok": 0,
                                                           "clean": 0, "false": [], "high": 0, "tilt": []})
    for labels in sorted(args.folder.glob("elev*.json")):
        if not pose_store.pose_path(args.folder, labels.stem, args.model).is_file():
            continue
        truth = json.loads(labels.read_text())
        elevation = int(truth["scenario"]["camera"]["elevation_deg"])
        report = analyze(labels.with_suffix(".mp4"), truth["exercise"], args.model, None)
        key = "holds" if truth["holds"] else "reps"
        row = rows[(elevation, truth["exercise"])]
        row["clips"] += 1
        row["exact"] += len(report[key]) == len(truth[key])
        for want, got in match(report[key], truth[key]):
            row["items"] += 1
            row["ok"] += got is not None and set(got["faults"]) == set(want["faults"])
            if got is not None and not want["faults"]:
                row["clean"] += 1
                row["false"] += got["faults"]
            if got is not None:
                row["high"] += sum(HIGH in u["reason"] for u in got["unjudged"])
        row["tilt"].append(look_down_at_rest(labels.with_suffix(".mp4"), truth["exercise"], args.model))
    print("| elevation | exercise | clips | exact count | verdict right | false alarms on clean | "
          "cues unjudged: camera high | look_down at rest |")
    print("|---|---|---|---|---|---|---|---|")
    for (elevation, exercise), r in sorted(rows.items()):
        false = f"{len(r['false'])}/{r['clean']}" + (f" ({', '.join(sorted(set(r['false'])))})" if r["false"] else "")
        tilt = np.nanmedian(r["tilt"]) if np.isfinite(r["tilt"]).any() else float("nan")
        print(f"| {elevation} | {exercise} | {r['clips']} | {r['exact']}/{r['clips']} | {r['ok']}/{r['items']} "
              f"| {false} | {r['high']} | {tilt:.2f} |")


if __name__ == "__main__":
    main()
