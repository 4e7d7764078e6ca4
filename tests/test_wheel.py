"""The built wheel, installed into a fresh virtual environment, runs `analyze` from outside the checkout."""

import json
import os
import shutil
import subprocess
import sys
import venv
import zipfile

import pytest

from tests.helpers import ROOT, SAMPLES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    built = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(out), str(ROOT)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr
    assert "Warning" not in built.stderr and "warning" not in built.stderr.lower(), built.stderr
    (path,) = out.glob("formcheck-*.whl")
    return path


def test_the_wheel_carries_the_specs_routines_templates_and_models(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("formcheck/exercise_specs/glute_bridge.toml", "formcheck/exercise_specs/_common.toml",
                   "formcheck/exercise_specs/routines/back_pain.toml", "formcheck/reports/templates/session.html.j2",
                   "formcheck/models/pose_landmarker_full.task", "formcheck/models/pose_landmarker_lite.task",
                   "formcheck/analysis/engine/core.py", "formcheck/__main__.py"):
        assert needed in names


def test_the_installed_wheel_analyzes_a_clip_from_another_folder(wheel, tmp_path):
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], capture_output=True,
                               text=True, timeout=900)
    assert installed.returncode == 0, installed.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    clip = shutil.copy(SAMPLES / "bridge_mixed.mp4", elsewhere / "clip.mp4")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "FORMCHECK_SPECS_DIR",
                                                           "FORMCHECK_MODELS_DIR")}
    where = subprocess.run([str(python), "-c", "import formcheck, sys; print(formcheck.__file__)"], cwd=elsewhere,
                           capture_output=True, text=True, env=env, check=True).stdout
    assert str(env_dir) in where  # the wheel's copy, not the checkout's
    run = subprocess.run([str(env_dir / "bin" / "formcheck"), "analyze", str(clip), "-e", "glute_bridge", "--json",
                          "r.json", "--no-save"], cwd=elsewhere, capture_output=True, text=True, env=env,
                         timeout=600)
    assert run.returncode == 0, run.stderr
    report = json.loads((elsewhere / "r.json").read_text())
    truth = json.loads((SAMPLES / "bridge_mixed.json").read_text())
    assert report["rep_count"] == len(truth["reps"])
    module = subprocess.run([str(python), "-m", "formcheck", "exercises"], cwd=elsewhere, capture_output=True,
                            text=True, env=env, timeout=120)
    assert module.returncode == 0 and "glute_bridge" in module.stdout
