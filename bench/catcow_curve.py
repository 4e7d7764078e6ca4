"""Cat-cow: how well two ways of seeing the spine's curve tell good reps from shallow ones.

    python bench/catcow_curve.py CLIP.mp4 [CLIP2.mp4 ...]      (labels CLIP.json beside each)

1. landmarks: head pitch against the trunk (what the cat_cow spec uses), span from cow to cat;
2. outline: PoseLandmarker's segmentation mask; the back is the upper edge of the body between
   the shoulder and the hip; its largest signed bulge from the shoulder-hip chord, in torso
   lengths (cat rounds it up, cow sags it down), span from cow to cat.
Prints, per rep, both spans and the faults it carries, then the separation of each method:
(smallest good span - largest shallow span) / largest shallow span.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from formcheck.analysis.measures import MEASURE_KINDS
from formcheck.pose.landmarker import Landmark
from formcheck.video.files import VideoFile


def back_bulge(mask: np.ndarray, shoulder: np.ndarray, hip: np.ndarray) -> float:
    """Signed largest distance of the body's upper edge from the shoulder-hip chord (up > 0)."""
    x0, x1 = sorted((int(shoulder[0]), int(hip[0])))
    x0, x1 = x0 + (x1 - x0) // 6, x1 - (x1 - x0) // 6  # the middle of the back only
    body = mask > 0.5
    torso = float(np.hypot(*(shoulder - hip)))
    best = 0.0
    for x in range(max(x0, 0), min(x1, mask.shape[1] - 1)):
        rows = np.flatnonzero(body[:, x])
        if rows.size == 0:
            continue
        u = (x - shoulder[0]) / (hip[0] - shoulder[0])
        chord_y = shoulder[1] + u * (hip[1] - shoulder[1])
        height = (chord_y - rows[0]) / torso  # image y grows downwards
        best = height if abs(height) > abs(best) else best
    return best


def analyse(clip: Path) -> list[tuple[list[str], float, float]]:
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    from formcheck.pose.landmarker import resolve_model

    truth = json.loads(clip.with_suffix(".json").read_text())
    side = truth["camera"]["side_facing_camera"]
    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(resolve_model("full"))),
                                           running_mode=vision.RunningMode.VIDEO, output_segmentation_masks=True)
    video = VideoFile(clip)
    w, h = video.info.width, video.info.height
    times, pitch, bulge = [], [], []
    head_pitch = MEASURE_KINDS["head_pitch"]
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        for i, (t, rgb) in enumerate(video.frames()):
            result = landmarker.detect_for_video(mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb), i * 33 + 1)
            if not result.pose_landmarks:
                continue
            xy = np.array([(p.x * w, p.y * h) for p in result.pose_landmarks[0]])
            s, hp, e = (xy[Landmark[f"{side}_{n}".upper()]] for n in ("shoulder", "hip", "ear"))
            times.append(t)
            pitch.append(head_pitch(hp, s, e, xy[Landmark.NOSE]))
            bulge.append(back_bulge(result.segmentation_masks[0].numpy_view()[..., 0], s, hp))
    video.close()
    times, pitch, bulge = np.array(times), np.array(pitch), np.array(bulge)
    out = []
    for rep in truth["reps"]:
        inside = (times >= rep["start_s"]) & (times <= rep["end_s"])
        out.append((rep["faults"], float(np.ptp(pitch[inside])), float(np.ptp(bulge[inside]))))
    return out


def main() -> None:
    rows = [row for arg in sys.argv[1:] for row in analyse(Path(arg))]
    print(f"{'faults':36} {'head-pitch span deg':>20} {'outline span':>13}")
    for faults, p, b in rows:
        print(f"{','.join(faults) or 'good':36} {p:20.1f} {b:13.3f}")
    for name, k in (("landmarks (head pitch)", 1), ("outline (mask)", 2)):
        good = [r[k] for r in rows if "shallow_range" not in r[0]]
        shallow = [r[k] for r in rows if "shallow_range" in r[0]]
        if good and shallow:
            print(f"{name:24} good min {min(good):.3f}, shallow max {max(shallow):.3f}, "
                  f"separation {(min(good) - max(shallow)) / max(shallow):+.2f}")


if __name__ == "__main__":
    main()
