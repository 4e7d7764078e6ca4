"""The data the package carries: exercise specs, routines and pose models.

In a checkout they are the top-level `exercise_specs/` and `models/` folders (people edit the
specs there); the wheel maps the same folders into the package (`formcheck.exercise_specs`,
`formcheck.models`), so both are found the same way, with `importlib.resources`.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path

SPECS_ENV = "FORMCHECK_SPECS_DIR"  # another folder of exercise specs
MODELS_ENV = "FORMCHECK_MODELS_DIR"  # another folder of pose models


def _package_dir(package: str) -> Path:
    # pip installs wheels unpacked, so the package's files are real files on disk: a Path is what
    # the spec loader (glob) and MediaPipe (a model path) need.
    return Path(str(files(package)))


def bundled_specs_dir() -> Path:
    return _package_dir("formcheck.exercise_specs")


def specs_dir() -> Path:
    env = os.environ.get(SPECS_ENV)
    return Path(env) if env else bundled_specs_dir()


def bundled_routines_dir() -> Path:
    return bundled_specs_dir() / "routines"


def models_dir() -> Path:
    env = os.environ.get(MODELS_ENV)
    return Path(env) if env else _package_dir("formcheck.models")
