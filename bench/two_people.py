"""What does looking for a second person cost the one-person case, and is the second person found?

    python bench/two_people.py [--model full] [--repeats N] [--frames N]

1. The rejected way: a second pose in the VIDEO graph (`num_poses=2`). Pure inference on frames
   decoded to memory first, `num_poses` 1 against 2.
2. The way taken: `analyze` with its occasional people count (`analysis.CROWD_CHECK_S`) against
   `analyze` with the count switched off, on a one-person clip.
Runs are interleaved so the machine's load hits both sides alike; medians are printed, of the
process's CPU seconds (all its threads: what the work costs, little moved by other programs on a
busy machine) and of wall-clock seconds.
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

from formcheck.analysis import analyze as analysis
from formcheck.pose.landmarker import quiet_stderr, resolve_model
from formcheck.spec.specs import load_spec
from formcheck.video.files import VideoFile

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


def timed(work) -> tuple[float, float, object]:
    """(CPU seconds, wall seconds, result) of `work()`."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = work()
    return time.process_time() - cpu, time.perf_counter() - wall, result


def video_graph(frames: list, model: str, num_poses: int) -> None:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(resolve_model(model))),
                                           running_mode=vision.RunningMode.VIDEO, num_poses=num_poses)
    with quiet_stderr(), vision.PoseLandmarker.create_from_options(options) as landmarker:
        for i, (_, rgb) in enumerate(frames):
            landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), i * 33 + 1)


def analyze(path: Path, model: str, check_s: float) -> list[dict]:
    analysis.CROWD_CHECK_S = check_s
    return analysis.analyze_video(path, load_spec("glute_bridge"), model).notes


def write_side_by_side(a: list, b: list, path: Path) -> None:
    h = min(a[0][1].shape[0], b[0][1].shape[0])
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=Fraction(30))
        stream.width, stream.height, stream.pix_fmt = a[0][1].shape[1] + b[0][1].shape[1], h, "yuv420p"
        for (_, fa), (_, fb) in zip(a, b, strict=False):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(np.hstack([fa[:h], fb[:h]])), format="rgb24")
            out.mux(stream.encode(frame))
        out.mux(stream.encode())


def report(label: str, runs: list[tuple[float, float]]) -> tuple[float, float]:
    cpu, wall = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print(f"  {label}: median CPU {cpu:.2f} s, wall {wall:.2f} s  "
          f"(CPU runs: {', '.join(f'{r[0]:.2f}' for r in runs)})")
    return cpu, wall


def compare(title: str, sides: dict[str, object], repeats: int) -> None:
    runs: dict[str, list[tuple[float, float]]] = {label: [] for label in sides}
    for _ in range(repeats):
        for label, work in sides.items():
            cpu, wall, _ = timed(work)
            runs[label].append((cpu, wall))
    print(title)
    (cpu_a, wall_a), (cpu_b, wall_b) = (report(label, r) for label, r in runs.items())
    print(f"  ratio second/first: CPU {cpu_b / cpu_a:.3f}, wall {wall_b / wall_a:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", default="full")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--frames", type=int, default=300)
    args = parser.parse_args()
    one = decode(ONE_PERSON, args.frames)
    compare(f"1. VIDEO graph, one person, {len(one)} frames, model {args.model}",
            {f"num_poses={n}": (lambda n=n: video_graph(one, args.model, n)) for n in (1, 2)}, args.repeats)
    check_s = analysis.CROWD_CHECK_S

    def one_person(every: float) -> None:
        assert not analyze(ONE_PERSON, args.model, every)

    compare(f"2. analyze {ONE_PERSON.name} (one person), model {args.model}",
            {"without the count": lambda: one_person(float("inf")),
             f"count every {check_s:g} s": lambda: one_person(check_s)}, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        pair = Path(tmp) / "two_people.mp4"
        write_side_by_side(one, decode(SECOND, args.frames), pair)
        notes = analyze(pair, args.model, check_s)
    print(f"3. two people side by side: {notes[0]['message'] if notes else 'NOT FOUND'}")


if __name__ == "__main__":
    main()
