"""Real recordings of people: counts and faults, and nothing counted in other exercises.

    python bench/real_footage.py FOLDER [--cache DIR] [--model full]

FOLDER holds the recordings named below (real footage filmed by others: it is not shipped with
formcheck). Each case is a recording, the exercise it is analysed as, and what a person counts
by eye: the reps or holds of that exercise, or 0 where the recording shows another movement.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.accuracy import analyze

CASES = [
    ("skatefit_glute_bridges", "glute_bridge", 3, "side, slightly oblique; quick tops"),
    ("wongfit_musclewiki_glute_bridge", "glute_bridge", 2, "45 degrees from the feet; long tops"),
    ("polybag_kocici_hrbet", "cat_cow", 2, "oblique side, portrait phone"),
    ("polybag_podsazeni_panve", "glute_bridge", 0, "pelvic tilts in the bridge start position"),
    ("homegainz_Squats", "glute_bridge", 0, "standing squats"),
    ("homegainz_Crunches", "glute_bridge", 0, "crunches"),
    ("homegainz_Crunches", "table_top_leg_press", 0, "crunches"),
    ("pwarenfo_dead_bug", "table_top_leg_press", 0, "dead bug from table-top; two cuts"),
    ("skatefit_heel_floor_bridges", "glute_bridge", 0, "straight-leg heel bridges"),
    ("polybag_pozice_ditete", "cat_cow", 0, "child's pose flow from table-top"),
    ("polybag_bird_dog", "cat_cow", 0, "bird dog on hands and knees"),
    ("amila_donkey_kicks", "cat_cow", 0, "donkey kicks on hands and knees"),
    ("homegainz_PushUps", "prone_chest_lift", 0, "push-ups"),
    ("homegainz_Plank", "prone_chest_lift", 0, "forearm plank"),
    ("homegainz_Lunges", "deep_lunge_hip_flexor", 0, "standing lunges"),
    ("skatefit_hip_flexor_stretch", "deep_lunge_hip_flexor", None, "front-oblique; rocks in and out"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--cache", type=Path)
    parser.add_argument("--model", default="full")
    args = parser.parse_args()
    print("| recording | analysed as | by eye | counted | faults per rep or hold | unjudged | not counted |")
    print("|---|---|---|---|---|---|---|")
    for name, exercise, by_eye, note in CASES:
        clip = args.folder / f"{name}.mp4"
        if not clip.is_file():
            continue
        report = analyze(clip, exercise, args.model, args.cache)
        items = report["holds"] or report["reps"]
        faults = "; ".join(", ".join(x["faults"]) or "none" for x in items) or "-"
        unjudged = sum(len(x["unjudged"]) for x in items)
        eye = "?" if by_eye is None else str(by_eye)
        print(f"| {name} ({note}) | {exercise} | {eye} | {len(items)} | {faults} | {unjudged} "
              f"| {len(report['not_counted'])} |", flush=True)


if __name__ == "__main__":
    main()
