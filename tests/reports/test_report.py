"""The `formcheck.report/1` contract with its meaning: a report built from a session fed with
generated bridge landmarks (good, low, too-close-to-call reps, a stretch out of sight, a cut)
says what happened, in the types the contract promises, as strict JSON."""

import csv
import dataclasses
import io
import json
import math

import pytest

from formcheck.analysis.notes import Note, NoteKind
from formcheck.analysis.session import Session
from formcheck.pose.landmarker import PoseFrame
from formcheck.reports.report import (
    SCHEMA,
    LiveBlock,
    build_report,
    combined,
    measure_series,
    measures_csv,
    report_json,
)
from formcheck.spec.specs import load_spec
from formcheck.video.files import VideoInfo
from tests.builders import bridge_pose, bridge_reps
from tests.helpers import lunge_report

TOPS = ["good", "low", "near_low", "good", "good"]
UNSEEN = (16.6, 18.2)  # after rep 3 the body is out of sight
CUT_AFTER = 24.0  # the first frame after this starts a new shot, in the middle of rep 5


@dataclasses.dataclass
class Run:
    session: Session
    info: VideoInfo
    frames: int
    unseen: int
    cut_t: float


@pytest.fixture(scope="module")
def run() -> Run:
    session = Session(load_spec("glute_bridge"), (640, 480))
    unseen, cut_t = 0, math.nan
    for t, lift, top in bridge_reps(TOPS):
        if UNSEEN[0] < t < UNSEEN[1]:
            session.update(PoseFrame.empty(t))
            unseen += 1
            continue
        cut = math.isnan(cut_t) and t > CUT_AFTER
        cut_t = t if cut else cut_t
        session.update(bridge_pose(t, lift, top), cut=cut)
    session.finish()
    info = VideoInfo("clips/bridge.mp4", 30.0, session.frames, round(session.last_t, 3), 640, 480)
    return Run(session=session, info=info, frames=session.frames, unseen=unseen, cut_t=cut_t)


@pytest.fixture
def report(run) -> dict:
    return build_report(run.session, run.info, "pose_landmarker_full", True).as_dict()


def strict(text: str) -> dict:
    def refuse(constant):
        raise ValueError(f"not strict JSON: {constant}")
    return json.loads(text, parse_constant=refuse)


def test_the_top_level_fields_have_their_types_and_values(run, report):
    assert report["schema"] == SCHEMA == "formcheck.report/1"
    assert report["complete"] is True and report["incomplete_reason"] is None
    assert report["exercise"] == "glute_bridge" and report["model"] == "pose_landmarker_full"
    assert report["source"] == {"path": "clips/bridge.mp4", "fps": 30.0, "frames": run.frames,
                                "duration_s": run.info.duration_s, "width": 640, "height": 480}
    assert type(report["rep_count"]) is int and type(report["good_reps"]) is int
    assert report["frames_analyzed"] == run.frames
    assert report["pose_coverage"] == round(1 - run.unseen / run.frames, 4) < 1.0
    assert report["holds"] == [] and report["side_totals"] == {}  # a rep exercise
    assert report["notes"] == []
    assert "live" not in report and "segments" not in report  # blocks of other runs are left out, not null


def test_rep_count_and_good_reps_agree_with_the_reps(report):
    reps = report["reps"]
    assert report["rep_count"] == len(reps) == 4  # the fifth rep is cut off by the edit
    assert [r["index"] for r in reps] == [1, 2, 3, 4]
    assert report["good_reps"] == sum(not r["faults"] for r in reps) == 3
    assert [r["faults"] for r in reps] == [[], ["hips_too_low"], [], []]  # the low top, and only it


def test_each_rep_has_the_contract_fields_in_their_types(report):
    for rep in report["reps"]:
        assert {"index", "start_s", "peak_s", "end_s", "hold_s", "side", "faults", "metrics"} <= set(rep)
        assert type(rep["index"]) is int and rep["side"] is None  # a side only for the lunge
        assert all(isinstance(rep[k], float) for k in ("start_s", "peak_s", "end_s", "hold_s"))
        assert all(isinstance(v, float) for v in rep["metrics"].values())
        assert rep["hold_s"] == pytest.approx(rep["top_end_s"] - rep["top_start_s"], abs=0.01)


def test_times_are_ordered_and_inside_the_clip(report):
    duration = report["source"]["duration_s"]
    end = 0.0
    for rep in report["reps"]:
        assert end <= rep["start_s"] <= rep["top_start_s"] <= rep["top_end_s"] <= rep["end_s"] <= duration
        assert rep["start_s"] <= rep["peak_s"] <= rep["end_s"]
        end = rep["end_s"]
    starts = [w["start_s"] for w in report["warnings"]]
    assert starts == sorted(starts)
    for w in report["warnings"]:
        assert 0 <= w["start_s"] <= w["end_s"] <= duration


def test_every_warning_belongs_to_a_rep_that_exists_and_lies_inside_it(report):
    reps = {r["index"]: r for r in report["reps"]}
    spec = load_spec("glute_bridge")
    for w in report["warnings"]:
        assert w["hold"] is None
        assert w["message"] == spec.cue(w["cue"]).message
        if w["rep"] is not None:
            rep = reps[w["rep"]]
            assert rep["start_s"] <= w["start_s"] <= w["end_s"] <= rep["end_s"]
    # each fault of a rep is a warning of that rep; the stretch out of sight is one of no rep
    faults = {(f, r["index"]) for r in report["reps"] for f in r["faults"]}
    assert faults <= {(w["cue"], w["rep"]) for w in report["warnings"]}
    (hidden,) = [w for w in report["warnings"] if w["cue"] == "body_not_visible"]
    assert hidden["rep"] is None
    assert hidden["start_s"] == pytest.approx(UNSEEN[0], abs=0.05)
    assert hidden["end_s"] == pytest.approx(UNSEEN[1], abs=0.05)


def test_unjudged_entries_name_a_cue_of_the_spec_with_a_reason(report):
    cues = {c.name for c in load_spec("glute_bridge").cues}
    entries = [(r["index"], u) for r in report["reps"] for u in r["unjudged"]]
    assert entries, "the rep just short of the limit is too close to call"
    for index, u in entries:
        assert set(u) == {"cue", "reason"}
        assert u["cue"] in cues and isinstance(u["reason"], str) and u["reason"]
        assert u["cue"] not in report["reps"][index - 1]["faults"]  # left open, not said
    assert entries == [(3, {"cue": "hips_too_low",
                            "reason": "too close to its limit to be sure (164 deg against 165 deg)"})]


def test_a_cut_leaves_the_rep_in_progress_uncounted(run, report):
    (cut,) = report["not_counted"]
    assert cut["reason"] == "cut"
    assert cut["start_s"] < cut["end_s"] == pytest.approx(run.cut_t, abs=0.05)
    assert all(not cut["start_s"] <= r["end_s"] <= cut["end_s"] for r in report["reps"])
    assert strict(report_json(report))["not_counted"][0]["reason"] == "cut"  # the enum is written as its word


def test_the_json_is_strict_and_an_unknown_number_is_null(run):
    made = build_report(run.session, run.info, "pose_landmarker_full", True)
    text = report_json(made)
    assert strict(text) == made.as_dict()
    made.results.reps[0].metrics["knee_top_median"] = math.nan  # a measure never seen over the top
    made.results.reps[0].metrics["range"] = math.inf
    with pytest.raises(ValueError):
        json.dumps(made.as_dict(), allow_nan=False)  # what report_json must not pass through
    metrics = strict(report_json(made))["reps"][0]["metrics"]
    assert metrics["knee_top_median"] is None and metrics["range"] is None
    assert metrics["hold_s"] == made.results.reps[0].metrics["hold_s"]  # the rest stay numbers


def test_an_incomplete_report_keeps_its_reason_a_complete_one_has_none(run):
    stopped = build_report(run.session, run.info, "m", False, incomplete_reason="stopped by Ctrl-C").as_dict()
    assert stopped["complete"] is False and stopped["incomplete_reason"] == "stopped by Ctrl-C"
    done = build_report(run.session, run.info, "m", True, incomplete_reason="stale").as_dict()
    assert done["complete"] is True and done["incomplete_reason"] is None


def test_notes_are_written_as_their_words(run):
    note = Note(note=NoteKind.TWO_PEOPLE, message="Two people are in the picture")
    data = strict(report_json(build_report(run.session, run.info, "m", True, notes=[note])))
    assert data["notes"] == [{"note": "two_people", "message": "Two people are in the picture"}]


def test_a_hold_exercise_lists_holds_per_side_and_their_totals():
    held = (21.0, 15.0)  # left upright, then right with the torso leaning 25 degrees
    report = lunge_report([(held[0], 1.0, 2.0), (held[1], 0.0, 25.0)])
    spec = load_spec("deep_lunge_hip_flexor")
    holds = report["holds"]
    assert report["reps"] == [] and report["rep_count"] == 0
    assert [h["side"] for h in holds] == ["left", "right"]
    assert {h["side"] for h in holds} <= set(spec.cycle.sides)
    for side, total in report["side_totals"].items():
        assert total == pytest.approx(sum(h["seconds"] for h in holds if h["side"] == side), abs=1e-3)
    for h, seconds in zip(holds, held, strict=True):
        assert {"index", "side", "start_s", "end_s", "seconds", "faults"} <= set(h)
        assert h["seconds"] == pytest.approx(h["end_s"] - h["start_s"], abs=0.01)
        assert h["seconds"] == pytest.approx(seconds, abs=1.5)
        assert 0 <= h["good_form_s"] <= h["seconds"]
        assert ("hold_too_short" in h["faults"]) == (h["seconds"] < spec.cycle.target_s)
    assert holds[1]["faults"] == ["torso_leaning", "hold_too_short"]
    assert holds[1]["good_form_s"] < 1.0  # the clock stopped while the torso leant
    assert holds[0]["good_form_s"] > 0.9 * holds[0]["seconds"]
    indexes = {h["index"] for h in holds}
    assert all(w["hold"] in indexes and w["rep"] is None for w in report["warnings"])


def test_the_csv_has_a_row_a_frame_and_blank_cells_for_unknown_values(run):
    rows = list(csv.DictReader(io.StringIO(measures_csv(run.session))))
    assert len(rows) == run.frames
    assert {"t", "pose", "visible", "hip_line", "hip_lift"} <= set(rows[0])
    unseen = [r for r in rows if r["pose"] == "0.0"]
    assert len(unseen) == run.unseen
    assert all(r["hip_line"] == "" and r["visible"] == "0.0" for r in unseen)
    assert all(float(r["hip_line"]) > 0 for r in rows if r["pose"] == "1.0")
    times = [float(r["t"]) for r in rows]
    assert times == sorted(times)


def test_the_measure_series_is_thinned_and_keeps_gaps_as_null(run):
    series = measure_series(run.session, max_points=100)
    assert series["measure"] == "hip_line" and series["unit"] == "deg"
    assert 50 <= len(series["t"]) == len(series["values"]) <= 100
    assert series["t"] == sorted(series["t"])
    gap = [v for t, v in zip(series["t"], series["values"], strict=True) if UNSEEN[0] + 0.1 < t < UNSEEN[1] - 0.1]
    assert gap and all(v is None for v in gap)


def test_a_routine_report_adds_up_its_segments_and_keeps_each_whole(run):
    one = build_report(run.session, run.info, "m", True)
    two = dataclasses.replace(build_report(run.session, run.info, "m", True), frames_seen=run.frames)
    one.frames_seen = run.frames
    total = combined([one, two], source={"path": "clips"}, model="m", complete=True).as_dict()
    assert total["exercise"] is None
    assert total["rep_count"] == 8 and total["good_reps"] == 6
    assert total["frames_analyzed"] == 2 * run.frames
    assert total["pose_coverage"] == pytest.approx(round(1 - run.unseen / run.frames, 4), abs=1e-4)
    assert [s["rep_count"] for s in total["segments"]] == [4, 4]
    assert total["segments"][0]["reps"] == one.as_dict()["reps"]


def test_a_live_block_carries_its_stats_and_how_it_ended(run):
    made = build_report(run.session, run.info, "m", True)
    made.live = LiveBlock(stats={"processed_fps": 24.5, "dropped_frames": 0}, ended_by="q")
    assert made.as_dict()["live"] == {"processed_fps": 24.5, "dropped_frames": 0, "ended_by": "q"}
    made.live = LiveBlock(stats={}, ended_by="camera lost", error="camera 0 stopped")
    assert made.as_dict()["live"] == {"ended_by": "camera lost", "error": "camera 0 stopped"}
