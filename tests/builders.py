"""Small builders of side-view landmark sequences for tests that need no video."""

from __future__ import annotations

import math

import numpy as np

from formcheck.pose.landmarker import N_LANDMARKS, Landmark, PoseFrame

FLOOR_Y = 300.0


def _frame(t: float, near: dict[str, tuple[float, float]], side: str = "left") -> PoseFrame:
    """A PoseFrame whose near side has the given points; the far side sits 4 px behind it."""
    far = "right" if side == "left" else "left"
    xy = np.zeros((N_LANDMARKS, 2))
    vis = np.full(N_LANDMARKS, 0.95)
    z = np.zeros(N_LANDMARKS)
    for name, (x, y) in near.items():
        xy[Landmark[f"{side}_{name}".upper()]] = (x, y)
        xy[Landmark[f"{far}_{name}".upper()]] = (x + 4, y - 4)
        vis[Landmark[f"{far}_{name}".upper()]] = 0.4
        z[Landmark[f"{side}_{name}".upper()]] = -0.1
        z[Landmark[f"{far}_{name}".upper()]] = 0.1
    xy[Landmark.NOSE] = near["ear"][0] - 10, near["ear"][1] - 14  # face up: the nose above the ear
    return PoseFrame(t, xy, z, vis, np.full((N_LANDMARKS, 3), np.nan))


def bridge_pose(t: float, lift: float, top: str = "good", side: str = "left") -> PoseFrame:
    """Supine bridge seen from the side, `lift` 0 (on the floor) .. 1 (top of the rep).

    top: "good" ends on the straight shoulder-knee line, "low" 30 degrees short of it, "near_low"
    just past the limit (within its margin), "high" above it, "feet_far" straight but with the
    feet slid out (knee about 130 degrees).
    """
    shoulder = np.array([100.0, FLOOR_Y - 10])
    knee, ankle = np.array([330.0, 170.0]), np.array([345.0, FLOOR_Y - 8])
    if top == "feet_far":
        knee, ankle = np.array([350.0, 205.0]), np.array([440.0, FLOOR_Y - 8])
    rest_hip = np.array([230.0, FLOOR_Y - 12])
    # The hip on the shoulder-knee line (a straight bridge) at x = 230:
    line_y = shoulder[1] + (knee[1] - shoulder[1]) * (230 - shoulder[0]) / (knee[0] - shoulder[0])
    top_y = {"good": line_y, "feet_far": line_y, "low": line_y + 30, "near_low": line_y + 21, "high": line_y - 22}[top]
    hip = np.array([230.0, rest_hip[1] + lift * (top_y - rest_hip[1])])
    near = {"shoulder": shoulder, "hip": hip, "knee": knee, "ankle": ankle,
            "heel": ankle + (8, 6), "foot_index": ankle + (20, 4), "ear": shoulder - (40, 6),
            "eye": shoulder - (48, 10), "elbow": shoulder + (60, 4), "wrist": shoulder + (120, 4)}
    return _frame(t, {k: (float(v[0]), float(v[1])) for k, v in near.items()}, side)


def eased(u: float) -> float:
    return (1 - math.cos(math.pi * min(max(u, 0.0), 1.0))) / 2


def bridge_reps(tops: list[str], fps: float = 30.0, up_s: float = 1.2, top_s: float = 2.0,
                rest_s: float = 1.0, hold_overrides: dict[int, float] | None = None,
                lead_s: float = 1.0) -> list[tuple[float, float, str]]:
    """(t, lift, top) samples for a run of bridge reps; rep i's top held `top_s` unless overridden."""
    samples = []
    t = 0.0
    dt = 1.0 / fps
    while t < lead_s:
        samples.append((t, 0.0, tops[0]))
        t += dt
    for i, top in enumerate(tops):
        hold = (hold_overrides or {}).get(i, top_s)
        start = t
        total = 2 * up_s + hold + rest_s
        while t < start + total:
            u = t - start
            if u < up_s:
                lift = eased(u / up_s)
            elif u < up_s + hold:
                lift = 1.0
            elif u < 2 * up_s + hold:
                lift = 1 - eased((u - up_s - hold) / up_s)
            else:
                lift = 0.0
            samples.append((t, lift, top))
            t += dt
    return samples


# Measure streams: (t, {measure: value}) frames for the engine, one exercise's base values each.
FPS = 30.0


def frames(segments, base):
    """segments: (seconds, {measure: (from, to)}) pieces, eased; `base` fills the other measures."""
    t, out = 0.0, []
    for seconds, moves in segments:
        n = max(1, round(seconds * FPS))
        for i in range(n):
            u = eased(i / n)
            values = dict(base) | {k: a + (b - a) * u for k, (a, b) in moves.items()}
            out.append((t, values))
            t += 1 / FPS
    return out


def still(seconds, **values):
    return (seconds, {k: (v, v) for k, v in values.items()})


def cat_cow_rep(depth=1.0, ear_gap=0.35, arm=2.0):
    neutral, cow, cat = -15.0, -15.0 + 55 * depth, -15.0 - 40 * depth
    base = dict(ear_gap=ear_gap, arm_tilt=arm)
    return [
        (1.5, {"head_pitch": (neutral, cow)} | {k: (v, v) for k, v in base.items()}),
        still(0.8, head_pitch=cow, **base),
        (2.0, {"head_pitch": (cow, cat)} | {k: (v, v) for k, v in base.items()}),
        still(1.5, head_pitch=cat, **base),
        (1.2, {"head_pitch": (cat, neutral)} | {k: (v, v) for k, v in base.items()}),
        still(0.8, head_pitch=neutral, **base),
    ]


CAT_COW_BASE = {"head_pitch": -15.0, "arm_tilt": 2.0, "thigh_tilt": 2.0, "ear_gap": 0.35, "face_up": -0.1,
                "torso_tilt": 80.0, "knee": 90.0}


LUNGE_BASE = {"rear_thigh": 3.0, "front_knee": 90.0, "front_shin": 2.0, "torso_lean": 2.0}


def hold(seconds, leg=1.0, lean=2.0, shin=26.0):
    sink = (2.5, {"rear_thigh": (3.0, 32.0), "front_shin": (2.0, shin), "front_leg": (leg, leg)})
    held = (seconds, {"rear_thigh": (32.0, 32.0), "front_shin": (shin, shin), "torso_lean": (lean, lean),
                      "front_leg": (leg, leg)})
    back = (2.0, {"rear_thigh": (32.0, 3.0), "front_shin": (shin, 2.0), "front_leg": (leg, leg)})
    return [sink, held, back, (2.0, {"front_leg": (leg, leg)})]
