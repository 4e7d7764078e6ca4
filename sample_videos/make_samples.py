"""Render the sample clips from `scenarios/` with the formcheck-synth renderer and keep small labels.

    python sample_videos/make_samples.py /path/to/synth/render.py [SCENARIO_NAME ...]

The renderer writes per-frame ground truth; the tests read only reps, holds and the camera, so
the kept label JSON drops the per-frame arrays (the clip stays a few hundred kB in all).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
KEEP = ("schema", "exercise", "fps", "frame_count", "duration_s", "width", "height", "reps",
        "holds", "gestures", "checks_passed")


def strip_labels(full: dict) -> dict:
    small = {k: full[k] for k in KEEP if k in full}
    small["scenario"] = full["scenario"]
    small["camera"] = {"side_facing_camera": full["camera"]["side_facing_camera"],
                       "azimuth_deg": full["scenario"]["camera"]["azimuth_deg"]}
    return small


def main() -> None:
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    renderer = Path(sys.argv[1])
    names = sys.argv[2:] or [p.stem for p in sorted((HERE / "scenarios").glob("*.json"))]
    with tempfile.TemporaryDirectory() as tmp:
        scenarios = [str(HERE / "scenarios" / f"{n}.json") for n in names]
        subprocess.run([sys.executable, str(renderer), *scenarios, "-o", tmp], check=True)
        for n in names:
            (HERE / f"{n}.mp4").write_bytes((Path(tmp) / f"{n}.mp4").read_bytes())
            full = json.loads((Path(tmp) / f"{n}.json").read_text())
            (HERE / f"{n}.json").write_text(json.dumps(strip_labels(full), indent=1) + "\n")
            print(f"kept {n}.mp4 and {n}.json")


if __name__ == "__main__":
    main()
