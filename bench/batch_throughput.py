"""Batch throughput against one `formcheck analyze` after another, and what `--fps` costs in accuracy.

    python bench/batch_throughput.py throughput [--repeats 3] [--model full] [CLIP ...]
    python bench/batch_throughput.py fps [--rates 15 10] [--model full] [--workers 2] [CLIP ...]

`throughput`: the same clips, whole processes timed (start-up included), in one run: each clip
analysed by its own `formcheck analyze` one after another; `formcheck batch` with 1, 2 and 3
workers; 2 workers with OMP_NUM_THREADS=1; `--ray local` with 2 workers. Runs are interleaved
(round-robin over the setups) so machine noise hits all alike; medians are printed. The load
average before and after is printed too: other work on the machine shows in the numbers.

`fps`: every committed sample clip (`sample_videos/*.mp4` with labels `*.json`) batched at full
rate and with `--fps 15` and `--fps 10` (or `--rates`): rep and hold counts, verdicts (each rep's or hold's
faults, and its side) and hold seconds, against the labels and against the full rate, and time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "sample_videos"
DEFAULT_CLIPS = ["bridge_cut_off", "bridge_end_on", "bridge_az30", "prone_body2_az25"]


def formcheck(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "formcheck", *args], env=env, capture_output=True, text=True)


def load() -> str:
    return "load average " + ", ".join(f"{x:.2f}" for x in os.getloadavg())


def labels(name: str) -> dict:
    return json.loads((SAMPLES / f"{name}.json").read_text())


def write_manifest(folder: Path, clips: list[str]) -> Path:
    manifest = folder / "clips.csv"
    manifest.write_text("".join(f"{SAMPLES / c}.mp4,{labels(c)['exercise']}\n" for c in clips))
    return manifest


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # finished child processes and theirs
    return usage.ru_utime + usage.ru_stime


def timed(run) -> tuple[float, float]:
    """Wall and CPU seconds of a run (CPU: of the processes it waited for; Ray's own daemons too)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    result = run()
    if result.returncode != 0:
        raise SystemExit(f"failed: {result.args}\n{result.stderr}")
    return time.perf_counter() - started, cpu_seconds() - cpu


def throughput(clips: list[str], repeats: int, model: str) -> None:
    frames = sum(labels(c)["frame_count"] for c in clips)
    seconds = sum(labels(c)["duration_s"] for c in clips)
    print(f"{len(clips)} clips, {frames} frames ({seconds:.0f} s of video), model {model}, "
          f"{os.cpu_count()} cores; medians of {repeats} interleaved runs")
    print(f"before: {load()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        manifest = write_manifest(Path(tmp), clips)

        def one_after_another():
            for c in clips:
                result = formcheck("analyze", str(SAMPLES / f"{c}.mp4"), "--exercise", labels(c)["exercise"],
                                   "--model", model)
                if result.returncode != 0:
                    return result
            return result

        def batch(*extra: str, env: dict[str, str] | None = None):
            return lambda: formcheck("batch", "--manifest", str(manifest), "--out", str(Path(tmp) / "out"),
                                     "--force", "--model", model, *extra, env=env)

        setups = {"one after another (analyze)": one_after_another,
                  "batch --workers 1": batch("--workers", "1"),
                  "batch --workers 2": batch("--workers", "2"),
                  "batch --workers 3": batch("--workers", "3"),
                  "batch --workers 2, OMP_NUM_THREADS=1": batch("--workers", "2", env={"OMP_NUM_THREADS": "1"}),
                  "batch --ray local --workers 2": batch("--ray", "local", "--workers", "2")}
        times: dict[str, list[tuple[float, float]]] = {name: [] for name in setups}
        for _ in range(repeats):
            for name, run in setups.items():
                times[name].append(timed(run))
                print(f"  {name}: {times[name][-1][0]:.1f} s wall, {times[name][-1][1]:.1f} s cpu", flush=True)
    print(f"after: {load()}")
    base = statistics.median(wall for wall, _ in times["one after another (analyze)"])
    print(f"\n{'setup':40} {'wall s':>8} {'frames/s':>9} {'vs one after another':>21} {'cpu s':>7}")
    for name, values in times.items():
        wall = statistics.median(w for w, _ in values)
        cpu = statistics.median(c for _, c in values)
        print(f"{name:40} {wall:8.1f} {frames / wall:9.1f} {base / wall:20.2f}x {cpu:7.1f}")


def verdicts(report: dict) -> list:
    items = report["holds"] or report["reps"]
    return [(i.get("side"), sorted(i["faults"])) for i in items]


def fps_accuracy(clips: list[str], rates: list[str], model: str, workers: int) -> None:
    clips = clips or sorted(p.stem for p in SAMPLES.glob("*.mp4") if p.with_suffix(".json").is_file())
    print(f"{len(clips)} sample clips, rates full, {', '.join(rates)}, model {model}, batch --workers {workers}; "
          f"{load()}", flush=True)
    results: dict[str, dict[str, dict]] = {}
    walls: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        manifest = write_manifest(Path(tmp), clips)
        for rate in ["full", *rates]:
            out = Path(tmp) / f"out_{rate}"
            extra = [] if rate == "full" else ["--fps", rate]
            walls[rate], _ = timed(lambda out=out, extra=extra: formcheck(
                "batch", "--manifest", str(manifest), "--out", str(out), "--model", model, "--workers", str(workers),
                *extra))
            results[rate] = {c: json.loads((out / f"{c}.json").read_text()) for c in clips}
            print(f"  {rate}: {walls[rate]:.1f} s", flush=True)
    print(f"after: {load()}\n")
    print(f"{'rate':5} {'wall s':>7} {'speed':>6} {'counts = labels':>16} {'verdicts = labels':>18} "
          f"{'counts = full':>14} {'verdicts = full':>16} {'hold s err vs labels':>21} {'max hold s vs full':>19}")
    for rate, reports in results.items():
        full = results["full"]
        count = lambda r: len(r["holds"] or r["reps"])  # noqa: E731
        truth = {c: labels(c) for c in clips}
        want = {c: [(h.get("side"), sorted(h["faults"])) for h in (t["holds"] or t["reps"])] for c, t in truth.items()}
        hold_err = [abs(h["seconds"] - w["seconds"]) for c in clips
                    for h, w in zip(reports[c]["holds"], truth[c]["holds"], strict=False)]
        vs_full = [abs(h["seconds"] - f["seconds"]) for c in clips
                   for h, f in zip(reports[c]["holds"], full[c]["holds"], strict=False)]
        print(f"{rate:5} {walls[rate]:7.1f} {walls['full'] / walls[rate]:5.2f}x "
              f"{sum(count(reports[c]) == len(want[c]) for c in clips):>10}/{len(clips)} "
              f"{sum(verdicts(reports[c]) == want[c] for c in clips):>12}/{len(clips)} "
              f"{sum(count(reports[c]) == count(full[c]) for c in clips):>8}/{len(clips)} "
              f"{sum(verdicts(reports[c]) == verdicts(full[c]) for c in clips):>10}/{len(clips)} "
              f"{statistics.mean(hold_err):21.2f} {max(vs_full):19.2f}")
    for rate in rates:
        for c in clips:
            if verdicts(results[rate][c]) != verdicts(results["full"][c]):
                print(f"  {rate} fps changes {c}: {verdicts(results['full'][c])} -> {verdicts(results[rate][c])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["throughput", "fps"])
    parser.add_argument("clips", nargs="*", help=f"throughput default: {' '.join(DEFAULT_CLIPS)}; fps: all samples")
    parser.add_argument("--rates", nargs="*", default=["15", "10"], help="fps: the rates set against the full rate")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", default="full")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if args.part == "throughput":
        throughput(args.clips or DEFAULT_CLIPS, args.repeats, args.model)
    else:
        fps_accuracy(args.clips, args.rates, args.model, args.workers)


if __name__ == "__main__":
    main()
