"""Write varied scenarios (bodies, cameras, tempos, faults) for the formcheck-synth renderer.

    python bench/make_eval_set.py OUT_DIR [--per-exercise N] [--seed S]

Render them with the synth renderer, then score with bench/accuracy.py. The set is
deterministic for a seed, so a run can be repeated; a new seed gives clips nobody tuned on.
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

REP_FAULTS = {
    "glute_bridge": ["hips_too_low", "hips_too_high", "no_hold_at_top", "feet_too_far"],
    "cat_cow": ["hands_not_under_shoulders", "knees_not_under_hips", "shoulders_hunched", "shallow_range"],
    "table_top_leg_press": ["knees_not_90", "knees_not_over_hips", "no_crunch", "hold_too_short", "body_moving"],
    "prone_chest_lift": ["neck_not_neutral", "legs_lifted", "no_pause_at_top", "shoulders_hunched"],
}
HOLD_FAULTS = ["front_knee_not_over_ankle", "torso_leaning", "hold_too_short"]
SCENES = ["studio", "living_room", "gym", "bare"]
LIGHTS = ["soft", "bright", "dim", "side"]
TEMPO = {
    "glute_bridge": {"up_s": (0.9, 2.0), "down_s": (0.9, 2.0), "rest_s": (0.6, 1.5), "top_s": (1.6, 3.0)},
    "prone_chest_lift": {"up_s": (1.0, 2.0), "down_s": (1.0, 2.0), "rest_s": (0.6, 1.5), "top_s": (1.1, 2.5)},
    "cat_cow": {"to_cow_s": (1.0, 2.0), "to_cat_s": (1.5, 2.5), "cat_s": (1.0, 2.0), "rest_s": (0.4, 1.0)},
    "table_top_leg_press": {"up_s": (0.9, 1.5), "press_s": (5.2, 7.0), "down_s": (0.9, 1.5), "rest_s": (0.8, 1.5)},
}


def body(rng: random.Random) -> dict:
    return {"gender": round(rng.random(), 2), "age": round(rng.uniform(0.62, 0.95), 2),
            "weight": round(rng.uniform(0.3, 0.8), 2), "muscle": round(rng.uniform(0.3, 0.7), 2),
            "height": round(rng.uniform(0.4, 0.8), 2), "proportions": round(rng.uniform(0.3, 0.7), 2)}


def common(rng: random.Random, name: str, exercise: str, seed: int) -> dict:
    return {
        "name": name, "exercise": exercise, "seed": seed, "fps": rng.choice([24, 30, 30, 30]),
        "camera": {"side": rng.choice(["left", "right"]), "azimuth_deg": rng.choice([-25, -10, 0, 0, 10, 20, 30]),
                   "height_m": round(rng.uniform(0.5, 1.1), 2)},
        "body": body(rng),
        "scene": {"background": rng.choice(SCENES), "lighting": rng.choice(LIGHTS)},
        "degrade": {"noise": rng.choice([0, 0, 2]), "blur": rng.choice([0, 0, 0.5])},
        "video": {"crf": 24},
    }


def rep_scenario(rng: random.Random, exercise: str, name: str, seed: int) -> dict:
    d = common(rng, name, exercise, seed)
    n = rng.randint(3, 5)
    faults: dict[str, list[int]] = {}
    bridge_shape = {"hips_too_low", "hips_too_high", "feet_too_far"}
    for rep in range(1, n + 1):
        if rng.random() < 0.55:
            f = rng.choice(REP_FAULTS[exercise])
            faults.setdefault(f, []).append(rep)
    tempo = {k: round(rng.uniform(*r), 2) for k, r in TEMPO[exercise].items() if rng.random() < 0.5}
    # bridge shape faults are exclusive within a rep; one fault per rep keeps that true.
    assert all(len([f for f in faults if rep in faults[f] and f in bridge_shape]) <= 1 for rep in range(1, n + 1))
    segment: dict = {"reps": n, "faults": faults}
    if tempo:
        segment["tempo"] = tempo
    d["script"] = [{"idle_s": round(rng.uniform(0.8, 2.0), 1)}, segment, {"idle_s": 0.5}]
    return d


def hold_scenario(rng: random.Random, name: str, seed: int) -> dict:
    d = common(rng, name, "deep_lunge_hip_flexor", seed)
    d["camera"]["azimuth_deg"] = rng.choice([-20, 0, 0, 15, 25])
    first = rng.choice(["left", "right"])
    script: list[dict] = [{"idle_s": 1.0}]
    for side in (first, "right" if first == "left" else "left"):
        hold: dict = {"side": side}
        fault = rng.choice([None, *HOLD_FAULTS])
        if fault == "hold_too_short":
            hold["faults"] = ["hold_too_short"]
        else:
            hold["seconds"] = round(rng.uniform(20.5, 24), 1)
            if fault == "front_knee_not_over_ankle":
                hold["faults"] = {fault: {"direction": rng.choice(["forward", "back"])}}
            elif fault:
                hold["faults"] = [fault]
        script.append({"hold": hold})
    script.append({"idle_s": 0.5})
    d["script"] = script
    return d


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--per-exercise", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--exercises", nargs="*", default=[*REP_FAULTS, "deep_lunge_hip_flexor"])
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    for exercise in args.exercises:
        for i in range(args.per_exercise):
            seed = args.seed * 1000 + len(exercise) * 10 + i
            name = f"eval_{exercise}_{args.seed}_{i}"
            d = (hold_scenario(rng, name, seed) if exercise == "deep_lunge_hip_flexor"
                 else rep_scenario(rng, exercise, name, seed))
            (args.out / f"{name}.json").write_text(json.dumps(d, indent=1) + "\n")
            print(args.out / f"{name}.json")


if __name__ == "__main__":
    main()
