"""What does looking for a second person cost the one-person case, and is the second person found?

    python bench/two_people.py [--model full] [--repeats N] [--frames N]

1. The rejected way: a second pose in the VIDEO graph (`num_poses=2`). Pure inference on frames
   decoded to memory first, `num_poses` 1 against 2.
2. The way taken: `analyze` with its occasional people count (`analysis.CROWD_CHECK_S`) against
   `analyze` with the count switched off, on a one-person clip.
Runs are interleaved so the machine's load hits both sides alike; medians are printed.
3. A two-person clip (two sample clips side by side): is the note given?
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from formcheck import analysis
from formcheck.pose import quiet_stderr, resolve_model
from formcheck.sources import VideoFile
from formcheck.specs import load_spec

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


def video_graph_fps(frames: list, model: str, num_poses: int) -> float:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(resolve_model(model))),
                                           running_mode=vision.RunningMode.VIDEO, num_poses=num_poses)
    with quiet_stderr(), vision.PoseLandmarker.create_from_options(options) as landmarker:
        started = time.perf_counter()
        for i, (_, rgb) in enumerate(frames):
            landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), i * 33 + 1)
        return len(frames) / (time.perf_counter() - started)


def analyze_seconds(path: Path, model: str, check_s: float) -> tuple[float, list[dict]]:
    analysis.CROWD_CHECK_S = check_s
    started = time.perf_counter()
    result = analysis.analyze_video(path, load_spec("glute_bridge"), model)
    return time.perf_counter() - started, result.notes


def write_side_by_side(a: list, b: list, path: Path) -> None:
    h = min(a[0][1].shape[0], b[0][1].shape[0])
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(30))
        stream.width, stream.height, stream.pix_fmt = a[0][1].shape[1] + b[0][1].shape[1], h, "yuv420p"
        for (_, fa), (_, fb) in zip(a, b, strict=False):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.hstack([fa[:h], fb[:h]])), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())


def median_line(label: str, values: list[float], unit: str) -> str:
    return f"  {label}: median {statistics.median(values):.2f} {unit}  (runs: {', '.join(f'{v:.2f}' for v in values)})"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="full")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    one = decode(ONE_PERSON, args.frames)

    graph: dict[int, list[float]] = {1: [], 2: []}
    for _ in range(args.repeats):
        for num_poses in graph:
            graph[num_poses].append(video_graph_fps(one, args.model, num_poses))
    print(f"1. VIDEO graph, one person, {len(one)} frames, model {args.model}")
    for num_poses, runs in graph.items():
        print(median_line(f"num_poses={num_poses}", runs, "frames/s"))
    print(f"  ratio 2/1: {statistics.median(graph[2]) / statistics.median(graph[1]):.3f}")

    timed: dict[str, list[float]] = {"without the count": [], f"count every {analysis.CROWD_CHECK_S:g} s": []}
    check_s = analysis.CROWD_CHECK_S
    for _ in range(args.repeats):
        for label, every in zip(timed, (float("inf"), check_s), strict=True):
            seconds, notes = analyze_seconds(ONE_PERSON, args.model, every)
            assert not notes, notes
            timed[label].append(seconds)
    print(f"2. analyze {ONE_PERSON.name} (one person), model {args.model}")
    for label, runs in timed.items():
        print(median_line(label, runs, "s"))
    medians = [statistics.median(v) for v in timed.values()]
    print(f"  ratio: {medians[1] / medians[0]:.3f}")

    with tempfile.TemporaryDirectory() as tmp:
        pair = Path(tmp) / "two_people.mp4"
        write_side_by_side(one, decode(SECOND, args.frames), pair)
        _, notes = analyze_seconds(pair, args.model, check_s)
    print(f"3. two people side by side: {notes[0]['message'] if notes else 'NOT FOUND'}")


if __name__ == "__main__":
    main()
