"""The evaluation set's pose landmarks, kept small enough to live in the repository.

    python -m bench.pose_store RENDERED_DIR [--model full] [--into bench/evalset] [--names "eval_*"]

A clip's poses (what the slow model makes of it) and its labels without the per-frame truth are
all the accuracy bench needs, so a clip rendered once (minutes each) is scored again in any later
checkout. Stored per clip: `NAME.json` (the labels) and `NAME.MODEL.npz`: times, pixel positions
to 1/8 px, depth to 1e-4, visibility to 1/255, the cut flags and the video's size and rate. The
quantisation is far below the model's own jitter (about a pixel); world landmarks are not kept
(no measure reads them).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from formcheck.pose.landmarker import N_LANDMARKS, PoseEstimator, PoseFrame
from formcheck.video.cuts import CutDetector
from formcheck.video.files import VideoFile, VideoInfo

STORE = Path(__file__).resolve().parent / "evalset"
XY_STEP, Z_STEP = 1 / 8, 1e-4


def pose_path(folder: Path, name: str, model: str) -> Path:
    return folder / f"{name}.{model}.npz"


def save(path: Path, info: VideoInfo, frames: list[tuple[PoseFrame, bool]]) -> None:
    xy = np.stack([f.xy for f, _ in frames])
    found = np.isfinite(xy).all(axis=(1, 2))
    np.savez_compressed(
        path, t=np.array([f.t for f, _ in frames]), found=found,
        xy=np.where(found[:, None, None], np.nan_to_num(xy) / XY_STEP, 0).round().astype(np.int16),
        z=np.clip(np.nan_to_num(np.stack([f.z for f, _ in frames])) / Z_STEP, -32767, 32767).round().astype(np.int16),
        vis=(np.stack([f.visibility for f, _ in frames]) * 255).round().astype(np.uint8),
        cut=np.array([c for _, c in frames]),
        info=np.array([info.fps, info.frames, info.duration_s, info.width, info.height]))


def load(path: Path, name: str) -> tuple[VideoInfo, list[tuple[PoseFrame, bool]]]:
    data = np.load(path)
    fps, count, duration, width, height = data["info"]
    info = VideoInfo(path=f"{name}.mp4", fps=float(fps), frames=int(count), duration_s=float(duration),
                     width=int(width), height=int(height))
    frames = []
    for i, t in enumerate(data["t"]):
        if not data["found"][i]:
            frames.append((PoseFrame.empty(float(t)), bool(data["cut"][i])))
            continue
        frames.append((PoseFrame(float(t), data["xy"][i].astype(float) * XY_STEP, data["z"][i].astype(float) * Z_STEP,
                                 data["vis"][i].astype(float) / 255, np.full((N_LANDMARKS, 3), np.nan)),
                       bool(data["cut"][i])))
    return info, frames


def detect(clip: Path, model: str) -> tuple[VideoInfo, list[tuple[PoseFrame, bool]]]:
    video = VideoFile(clip)
    cuts = CutDetector()
    with PoseEstimator(model) as estimator:
        frames = [(estimator.detect(rgb, t), cuts(rgb)) for t, rgb in video.frames()]
    video.close()
    return video.info, frames


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rendered", type=Path, help="rendered clips: NAME.mp4 with NAME.json beside")
    parser.add_argument("--model", default="full")
    parser.add_argument("--into", type=Path, default=STORE)
    parser.add_argument("--names", default="eval_*", help="which clips (a glob on the name)")
    args = parser.parse_args()
    args.into.mkdir(parents=True, exist_ok=True)
    for clip in sorted(args.rendered.glob(f"{args.names}.mp4")):
        target = pose_path(args.into, clip.stem, args.model)
        labels = clip.with_suffix(".json")
        if target.is_file() or not labels.is_file():
            continue
        truth = json.loads(labels.read_text())
        truth.pop("frames", None)  # the per-frame truth: large, and not scored
        info, frames = detect(clip, args.model)
        save(target, info, frames)
        (args.into / labels.name).write_text(json.dumps(truth, indent=1) + "\n")
        print(f"{clip.stem}: {len(frames)} frames, {target.stat().st_size / 1024:.0f} KiB", flush=True)


if __name__ == "__main__":
    main()
