"""The reports of the committed sample clips, made by an earlier commit and by this checkout, compared.

    python -m bench.same_reports REF [--model lite]

Checks out REF in a temporary worktree, runs `formcheck analyze` on every `sample_videos/*.mp4`
(the exercise from its labels) with REF's code and with this checkout's, and compares the two
JSON reports field by field. Fields this checkout added since REF are listed, not compared.
Prints one line per clip: identical, or the fields that differ.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def report(code: Path, clip: Path, exercise: str, model: str, out: Path) -> dict:
    """`formcheck analyze` with the code in `code`, started as its pyproject's script says."""
    script = tomllib.loads((code / "pyproject.toml").read_text())["project"]["scripts"]["formcheck"]
    module, function = script.split(":")
    env = {**os.environ, "PYTHONPATH": str(code), "FORMCHECK_HOME": str(out.parent),
           "FORMCHECK_SPECS_DIR": str(code / "exercise_specs"), "FORMCHECK_MODELS_DIR": str(code / "models")}
    start = f"import sys; sys.argv[0] = 'formcheck'; from {module} import {function}; {function}()"
    done = subprocess.run([sys.executable, "-c", start, "analyze", str(clip), "-e", exercise, "--model", model,
                           "--json", str(out), "--no-save"], cwd=code, env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"{code}: analyze {clip.name} failed: {done.stderr.strip()[-500:]}")
    return json.loads(out.read_text())


def differences(old: object, new: object, path: str = "") -> tuple[list[str], list[str]]:
    """(fields that differ, fields only the new report has)."""
    if isinstance(old, dict) and isinstance(new, dict):
        differ, added = [], [f"{path}.{k}".lstrip(".") for k in new if k not in old]
        differ += [f"{path}.{k}".lstrip(".") for k in old if k not in new]
        for k in old.keys() & new.keys():
            d, a = differences(old[k], new[k], f"{path}.{k}")
            differ, added = differ + d, added + a
        return differ, added
    if isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        differ, added = [], []
        for i, (o, n) in enumerate(zip(old, new, strict=True)):
            d, a = differences(o, n, f"{path}[{i}]")
            differ, added = differ + d, added + a
        return differ, sorted(set(added))
    return ([] if old == new else [path]), []


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ref")
    parser.add_argument("--model", default="lite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ref = Path(tmp) / "ref"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(ref), args.ref], check=True,
                       capture_output=True)
        try:
            same, added_all = 0, set()
            clips = sorted((ROOT / "sample_videos").glob("*.mp4"))
            for clip in clips:
                labels = clip.with_suffix(".json")
                exercise = json.loads(labels.read_text())["exercise"] if labels.is_file() else "auto"
                old = report(ref, clip, exercise, args.model, Path(tmp) / "old.json")
                new = report(ROOT, clip, exercise, args.model, Path(tmp) / "new.json")
                differ, added = differences(old, new)
                added_all.update(a.split("[")[0] for a in added)
                same += not differ
                print(f"{clip.name}: {'identical' if not differ else 'differs in ' + ', '.join(differ[:8])}",
                      flush=True)
            print(f"{same} of {len(clips)} identical; fields added since {args.ref}: {sorted(added_all)}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(ref)], check=False)


if __name__ == "__main__":
    main()
