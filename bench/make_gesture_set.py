"""Write the raised-hand gesture set: scenarios for the formcheck-synth renderer, in two halves.

    python -m bench.make_gesture_set OUT_DIR [--seed S] [--per-exercise N]

Each clip sits in an exercise's start position, does one rep (or one 20 s lunge hold), raises a
hand and holds it up (a stop: 1.8..3.5 s), and in every other clip also raises a hand only
briefly (0.3..0.6 s, not a stop). Bodies, cameras (side, azimuth, elevation, distance), the near
or the far hand, sizes and frame rates vary as in the evaluation set. Half A is for tuning, half
B for reporting (`gesture_A_...`, `gesture_B_...`); `order.txt` interleaves them.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from bench.make_eval_set import common, tempo

EXERCISES = ["glute_bridge", "cat_cow", "table_top_leg_press", "prone_chest_lift", "deep_lunge_hip_flexor"]
STOP_S = (1.8, 3.5)  # held up this long: a stop
BRIEF_S = (0.3, 0.6)  # up only this long: not a stop


def raise_hand(rng: random.Random, seconds: tuple[float, float]) -> dict:
    return {"raise_hand": {"side": rng.choice(["near", "far"]), "seconds": round(rng.uniform(*seconds), 1),
                           "tempo": {"up_s": rng.choice([0.5, 0.8, 1.2]), "down_s": rng.choice([0.5, 0.8, 1.2])}}}


def exercise_part(rng: random.Random, exercise: str) -> dict:
    if exercise == "deep_lunge_hip_flexor":
        # a good hold is at least 20 s (the renderer enforces the guide's minimum)
        return {"hold": {"side": rng.choice(["left", "right"]), "seconds": round(rng.uniform(20.0, 21.0), 1)}}
    return {"reps": 1, "tempo": tempo(rng, exercise)}


def scenario(rng: random.Random, name: str, exercise: str, seed: int, brief: bool) -> dict:
    d = common(rng, name, exercise, seed)
    d["size"] = rng.choice([[640, 480], [480, 360], [960, 540]])  # keep renders short
    d["fps"] = rng.choice([24, 30])
    script: list[dict] = [{"idle_s": round(rng.uniform(0.8, 1.5), 1)}, exercise_part(rng, exercise)]
    if brief:
        script += [raise_hand(rng, BRIEF_S), {"idle_s": 1.0}]
    script += [raise_hand(rng, STOP_S), {"idle_s": 1.0}]
    if exercise != "deep_lunge_hip_flexor":  # one 20 s hold is enough to show the signal beside a lunge
        script += [exercise_part(rng, exercise)]
    script += [{"idle_s": 0.5}]
    d["script"] = script
    d["description"] = "a rep or hold, " + ("a brief raise (not a stop), " if brief else "") + "a stop, a rep or hold"
    return d


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--per-exercise", type=int, default=2, help="clips per exercise in each half")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    halves: dict[str, list[dict]] = {"A": [], "B": []}
    for label, items in halves.items():
        for i in range(args.per_exercise):
            for exercise in EXERCISES:
                seed = args.seed * 1000 + len(halves["A"]) + len(items) + (500 if label == "B" else 0)
                items.append(scenario(rng, f"gesture_{label}_{exercise}_{i}", exercise, seed, brief=i % 2 == 0))
    order = [d for pair in zip(halves["A"], halves["B"], strict=True) for d in pair]
    for d in order:
        (args.out / f"{d['name']}.json").write_text(json.dumps(d, indent=1) + "\n")
    (args.out / "order.txt").write_text("".join(f"{d['name']}.json\n" for d in order))
    print(f"{len(order)} scenarios in {args.out}")


if __name__ == "__main__":
    main()
