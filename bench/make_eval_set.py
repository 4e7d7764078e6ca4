"""Write the broad evaluation set: scenarios for the formcheck-synth renderer, in two halves.

    python bench/make_eval_set.py OUT_DIR [--seed S] [--clean-per-exercise N]

Every body parameter across its whole range, cameras -35..35 degrees around the side view and
0..35 degrees of elevation, near and far, 24..60 fps, landscape and portrait phone frames, slow
and fast tempos, each fault at a borderline and at a clear severity, and clean clips for false
alarms. Half A is for tuning, half B for reporting: each half has every fault at both severities,
its own bodies and cameras. The names say the half (`eval_A_...`, `eval_B_...`); `order.txt`
lists the scenarios interleaved across halves and exercises, the order to render them in, so a
set cut short is still balanced.
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
TIMING_FAULTS = {"no_hold_at_top", "no_pause_at_top", "hold_too_short"}  # no magnitude to place
DIRECTIONS = {"knees_not_under_hips": ("behind", "ahead"), "front_knee_not_over_ankle": ("forward", "back")}
SCENES = ["studio", "living_room", "gym", "bare"]
LIGHTS = ["soft", "bright", "dim", "side"]
SLOW, FAST = 1.45, 0.7  # tempo factors on the renderer's defaults
DEFAULT_TEMPO = {
    "glute_bridge": {"up_s": 1.3, "top_s": 2.0, "down_s": 1.3, "rest_s": 1.0},
    "prone_chest_lift": {"up_s": 1.5, "top_s": 1.5, "down_s": 1.5, "rest_s": 1.0},
    "cat_cow": {"to_cow_s": 1.5, "cow_s": 0.8, "to_cat_s": 2.0, "cat_s": 1.5, "to_neutral_s": 1.2, "rest_s": 0.6},
    "table_top_leg_press": {"up_s": 1.2, "press_s": 6.0, "down_s": 1.2, "rest_s": 1.2},
}
HELD = {"glute_bridge": ("top_s", 1.5, 3.5), "prone_chest_lift": ("top_s", 1.0, 3.0),
        "cat_cow": ("cat_s", 1.0, 2.0), "table_top_leg_press": ("press_s", 5.2, 8.0)}
# (width, height, weight): landscape webcams and phones, and portrait phones
SIZES = [(640, 480, 5), (960, 540, 2), (480, 360, 2), (720, 1280, 2)]


def body(rng: random.Random) -> dict:
    """Each phenotype value over its whole range (adults: age 0.6..1)."""
    return {"gender": round(rng.random(), 2), "age": round(rng.uniform(0.6, 1.0), 2),
            "weight": round(rng.random(), 2), "muscle": round(rng.random(), 2),
            "height": round(rng.random(), 2), "proportions": round(rng.random(), 2)}


def camera(rng: random.Random) -> dict:
    return {"side": rng.choice(["left", "right"]), "azimuth_deg": rng.choice([-35, -25, -15, 0, 0, 10, 20, 30, 35]),
            "elevation_deg": rng.choice([0, 5, 10, 15, 20, 25, 30, 35]),
            "fill": rng.choice([0.45, 0.6, 0.75, 0.9])}  # far to near


def common(rng: random.Random, name: str, exercise: str, seed: int) -> dict:
    w, h = rng.choices([s[:2] for s in SIZES], weights=[s[2] for s in SIZES])[0]
    return {
        "name": name, "exercise": exercise, "seed": seed, "fps": rng.choice([24, 30, 30, 30, 60]),
        "size": [w, h], "camera": camera(rng), "body": body(rng),
        "clothing": {"sleeves": rng.choice(["short", "long", "none"]), "legs": rng.choice(["long", "shorts"])},
        "scene": {"background": rng.choice(SCENES), "lighting": rng.choice(LIGHTS)},
        "degrade": {"noise": rng.choice([0, 0, 2, 4]), "blur": rng.choice([0, 0, 0.5, 1.0])},
        "video": {"crf": 24},
    }


def tempo(rng: random.Random, exercise: str) -> dict:
    factor = rng.choice([SLOW, FAST, 1.0])
    held, low, high = HELD[exercise]
    out = {k: round(v * factor, 2) for k, v in DEFAULT_TEMPO[exercise].items()}
    out[held] = round(min(max(out[held], low + 0.1), high), 2)  # good holds stay good
    return out


def fault_option(fault: str, severity: float, rng: random.Random) -> dict:
    option: dict = {} if fault in TIMING_FAULTS else {"amount": severity}
    if fault in DIRECTIONS:
        option["direction"] = rng.choice(DIRECTIONS[fault])
    return option


def rep_scenario(rng: random.Random, exercise: str, name: str, seed: int,
                 faults: list[tuple[str, float]]) -> dict:
    """Four reps; faults go on reps 2 and 4, so each faulty rep sits beside clean ones."""
    d = common(rng, name, exercise, seed)
    table: dict = {}
    for rep, (fault, severity) in zip((2, 4), faults, strict=False):
        table[fault] = {"reps": [rep], **fault_option(fault, severity, rng)}
    segment: dict = {"reps": 4 if faults else 3, "tempo": tempo(rng, exercise)}
    if table:
        segment["faults"] = table
    d["script"] = [{"idle_s": round(rng.uniform(0.8, 2.0), 1)}, segment, {"idle_s": 0.6}]
    return d


def hold_scenario(rng: random.Random, name: str, seed: int, fault: tuple[str, float] | None) -> dict:
    d = common(rng, name, "deep_lunge_hip_flexor", seed)
    first = rng.choice(["left", "right"])
    script: list[dict] = [{"idle_s": 1.0}]
    for i, side in enumerate((first, "right" if first == "left" else "left")):
        hold: dict = {"side": side, "tempo": {"sink_s": rng.choice([1.8, 2.5, 3.5])}}
        if i == 0 and fault is not None:
            name_, severity = fault
            if name_ == "hold_too_short":
                hold["faults"] = ["hold_too_short"]
            else:
                hold["seconds"] = round(rng.uniform(20.8, 24), 1)
                hold["faults"] = {name_: fault_option(name_, severity, rng)}
        else:
            hold["seconds"] = round(rng.uniform(20.8, 24), 1)
        script.append({"hold": hold})
    script.append({"idle_s": 0.6})
    d["script"] = script
    return d


def half(rng: random.Random, label: str, seed: int, clean_per_exercise: int, replicates: int) -> list[dict]:
    """One half: every fault at a borderline (amount 0.05) and a clear (0.95) severity, plus clean clips."""
    out: list[dict] = []
    for exercise, faults in REP_FAULTS.items():
        instances = [(f, s) for _ in range(replicates) for s in (0.05, 0.95) for f in faults]
        rng.shuffle(instances)
        pairs = [instances[i:i + 2] for i in range(0, len(instances), 2)]
        for i, pair in enumerate(pairs):
            if len(pair) == 2 and pair[0][0] == pair[1][0]:
                pair = pair[:1]  # one fault name maps to one set of reps in a scenario
            out.append(rep_scenario(rng, exercise, f"eval_{label}_{exercise}_fault{i}", seed + len(out), pair))
        for i in range(clean_per_exercise):
            out.append(rep_scenario(rng, exercise, f"eval_{label}_{exercise}_clean{i}", seed + len(out), []))
    for i, fault in enumerate([(f, s) for f in HOLD_FAULTS for s in (0.05, 0.95) if f != "hold_too_short"]
                              + [("hold_too_short", 0.5)]):
        out.append(hold_scenario(rng, f"eval_{label}_deep_lunge_hip_flexor_fault{i}", seed + len(out), fault))
    for i in range(3):
        out.append(hold_scenario(rng, f"eval_{label}_deep_lunge_hip_flexor_clean{i}", seed + len(out), None))
    return out


def interleave(a: list[dict], b: list[dict]) -> list[dict]:
    """Render order: alternate halves, and within a half spread the exercises."""
    def spread(items: list[dict]) -> list[dict]:
        by_ex: dict[str, list[dict]] = {}
        for d in items:
            by_ex.setdefault(d["exercise"], []).append(d)
        queues = list(by_ex.values())
        out = []
        while any(queues):
            for q in queues:
                if q:
                    out.append(q.pop(0))
        return out
    out = []
    for x, y in zip(spread(a), spread(b), strict=False):
        out += [x, y]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--seed", type=int, default=10)
    parser.add_argument("--clean-per-exercise", type=int, default=5)
    parser.add_argument("--replicates", type=int, default=2, help="clips per fault and severity in each half")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    a = half(rng, "A", args.seed * 10000, args.clean_per_exercise, args.replicates)
    b = half(rng, "B", args.seed * 10000 + 5000, args.clean_per_exercise, args.replicates)
    for d in a + b:
        (args.out / f"{d['name']}.json").write_text(json.dumps(d, indent=1) + "\n")
    order = interleave(a, b)
    (args.out / "order.txt").write_text("".join(f"{d['name']}.json\n" for d in order))
    clean = sum(1 for d in a + b if "clean" in d["name"])
    print(f"{len(a) + len(b)} scenarios ({len(a)} in half A, {len(b)} in half B, {clean} clean) in {args.out}")


if __name__ == "__main__":
    main()
