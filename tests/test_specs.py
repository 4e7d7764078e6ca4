import shutil
from pathlib import Path

import pytest

from formcheck.errors import FormcheckError
from formcheck.specs import exercise_ids, load_spec, specs_dir


def test_every_bundled_spec_loads():
    ids = exercise_ids()
    assert "glute_bridge" in ids
    for ex in ids:
        spec = load_spec(ex)
        assert spec.id == ex
        names = [c.name for c in spec.cues]
        assert "body_not_visible" in names and "wrong_view" in names
        assert len(names) == len(set(names))


def test_glute_bridge_has_its_four_cues():
    names = {c.name for c in load_spec("glute_bridge").cues}
    assert {"hips_too_low", "hips_too_high", "no_hold_at_top", "feet_too_far"} <= names


def test_unknown_exercise_lists_the_known_ones():
    with pytest.raises(FormcheckError, match=r"unknown exercise 'squat'; known exercises: .*glute_bridge"):
        load_spec("squat")


@pytest.fixture
def spec_folder(tmp_path: Path) -> Path:
    shutil.copy(specs_dir() / "_common.toml", tmp_path)
    shutil.copy(specs_dir() / "glute_bridge.toml", tmp_path / "demo.toml")
    return tmp_path


def _edit(folder: Path, old: str, new: str) -> None:
    path = folder / "demo.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('kind = "height_above_line"', 'kind = "height"', r"measures\.hip_lift\.kind: expected one of"),
        ('drive = "hip_lift"', 'drive = "hips"', r"reps\.drive: expected a measure declared"),
        ("exit = 0.02", "exit = 0.5", r"reps\.exit: expected a number below enter"),
        ("enter = 0.035", 'enter = "high"', r"reps\.enter: expected a number, got 'high'"),
        ('points = ["hip", "shoulder", "ankle"]', 'points = ["hip", "shoulder"]',
         r"measures\.hip_lift\.points: expected 3 landmark names"),
        ('points = ["hip", "shoulder", "ankle"]', 'points = ["hip", "shoulder", "toe"]',
         r"measures\.hip_lift\.points: expected landmark names .*got 'toe'"),
        ('mode = "reps"', 'mode = "sets"', r"mode: expected one of reps, holds, got 'sets'"),
        ('when = "top"', 'when = "later"', r"cues\[\d+\]\.when: expected one of"),
    ],
)
def test_spec_errors_name_file_and_key(spec_folder, old, new, message):
    _edit(spec_folder, old, new)
    with pytest.raises(FormcheckError, match=message) as info:
        load_spec("demo", spec_folder)
    assert str(spec_folder / "demo.toml") in str(info.value)


def test_missing_key_is_named(spec_folder):
    _edit(spec_folder, 'drive = "hip_lift"\n', "")
    with pytest.raises(FormcheckError, match=r"demo\.toml: reps\.drive: expected a string \(missing\)"):
        load_spec("demo", spec_folder)


def test_broken_toml_is_reported_with_the_file(spec_folder):
    (spec_folder / "demo.toml").write_text("id = \n")
    with pytest.raises(FormcheckError, match=r"demo\.toml: not valid TOML"):
        load_spec("demo", spec_folder)
