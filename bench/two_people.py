"""Does looking for a second person slow the one-person case? And is the second person found?

    python bench/two_people.py [--model full] [--repeats N] [--frames N]

Pure pose inference (frames decoded to memory first) on a one-person clip with `num_poses` 1
and 2, N runs each, interleaved so machine load hits both alike; prints the median frames per
second of each and their ratio. Then, on a two-person clip made by putting two sample clips side
by side, the share of frames where two people were found.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np

from formcheck.pose import PoseEstimator
from formcheck.sources import VideoFile

ROOT = Path(__file__).resolve().parent.parent
ONE_PERSON = ROOT / "sample_videos" / "bridge_fast_good.mp4"
SECOND = ROOT / "sample_videos" / "bridge_mixed.mp4"


def decode(path: Path, limit: int) -> list[tuple[float, np.ndarray]]:
    video = VideoFile(path)
    frames = []
    for item in video.frames():
        frames.append(item)
        if len(frames) >= limit:
            break
    video.close()
    return frames


def side_by_side(a: list, b: list) -> list[tuple[float, np.ndarray]]:
    h = min(a[0][1].shape[0], b[0][1].shape[0])
    return [(t, np.hstack([fa[:h], fb[:h]])) for (t, fa), (_, fb) in zip(a, b, strict=False)]


def fps_and_people(frames: list, model: str, num_poses: int) -> tuple[float, float]:
    with PoseEstimator(model, num_poses=num_poses) as estimator:
        two = 0
        started = time.perf_counter()
        for t, rgb in frames:
            estimator.detect(rgb, t)
            two += estimator.people >= 2
        return len(frames) / (time.perf_counter() - started), two / len(frames)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="full")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    one = decode(ONE_PERSON, args.frames)
    runs: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.repeats):
        for num_poses in (1, 2):
            runs[num_poses].append(fps_and_people(one, args.model, num_poses)[0])
    m1, m2 = statistics.median(runs[1]), statistics.median(runs[2])
    print(f"one person, {len(one)} frames, model {args.model}, {args.repeats} runs each")
    print(f"  num_poses=1: median {m1:.1f} fps  (runs: {', '.join(f'{x:.1f}' for x in runs[1])})")
    print(f"  num_poses=2: median {m2:.1f} fps  (runs: {', '.join(f'{x:.1f}' for x in runs[2])})")
    print(f"  ratio 2/1: {m2 / m1:.3f}")
    pair = side_by_side(one, decode(SECOND, args.frames))
    fps2, share = fps_and_people(pair, args.model, 2)
    print(f"two people side by side, num_poses=2: {fps2:.1f} fps, two found in {share * 100:.0f}% of frames")


if __name__ == "__main__":
    main()
