"""Angles and alignments in image pixels (x right, y down). NumPy, vectorised over leading axes."""

from __future__ import annotations

import numpy as np

UP = np.array([0.0, -1.0])  # image "up": y grows downwards


def joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Angle at b between b->a and b->c, degrees in [0, 180]."""
    return angle_between(np.asarray(a) - b, np.asarray(c) - b)


def side_of_line(p: np.ndarray, a: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Signed perpendicular distance of p from the line a-c, positive on the image's up side."""
    d = np.asarray(c) - a
    n = np.stack([-d[..., 1], d[..., 0]], axis=-1)  # a normal of a-c
    n = n / np.linalg.norm(n, axis=-1, keepdims=True)
    n = np.where((np.sum(n * UP, axis=-1) < 0)[..., None], -n, n)  # make it point up
    return np.sum((np.asarray(p) - a) * n, axis=-1)


def signed_joint_angle(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """joint_angle at b, reported as 360 - angle when b lies above the line a-c.

    Below 180: b sags below the a-c line; above 180: b is pushed over it. A plain angle cannot
    tell a hip that stops short from one pushed too high; this can.
    """
    angle = joint_angle(a, b, c)
    return np.where(side_of_line(b, a, c) > 0, 360.0 - angle, angle)


def angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Unsigned angle between two vectors, degrees in [0, 180]."""
    cos = np.sum(u * v, axis=-1) / (np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1))
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


def signed_angle_from_vertical(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Angle of the line a-b from the vertical: positive when b lies right of a (a above b)."""
    d = np.asarray(b) - a
    d = np.where((d[..., 1] < 0)[..., None], -d, d)  # orient downwards
    return np.degrees(np.arctan2(d[..., 0], d[..., 1]))


def angle_from_vertical(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Acute angle (0..90 degrees) between the line a-b and the image vertical."""
    d = np.asarray(b) - a
    return np.degrees(np.arctan2(np.abs(d[..., 0]), np.abs(d[..., 1])))


def angle_from_horizontal(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Acute angle (0..90 degrees) between the line a-b and the image horizontal."""
    return 90.0 - angle_from_vertical(a, b)


def distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.linalg.norm(np.asarray(a) - b, axis=-1)
