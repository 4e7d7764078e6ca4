"""Real MediaPipe on the committed rendered clips, against their ground-truth labels."""

import pytest

from tests.conftest import labels

BRIDGE_CLIPS = ["bridge_mixed", "bridge_body2_right", "bridge_az30", "bridge_fast_good"]


@pytest.mark.parametrize("name", BRIDGE_CLIPS)
def test_bridge_counts_and_faults_match_the_labels(analyzed, name):
    report = analyzed(name)
    truth = labels(name)
    assert report["complete"] is True
    assert report["rep_count"] == len(truth["reps"])
    assert [sorted(r["faults"]) for r in report["reps"]] == [sorted(r["faults"]) for r in truth["reps"]]
    assert report["good_reps"] == sum(1 for r in truth["reps"] if not r["faults"])
    assert report["pose_coverage"] > 0.95


@pytest.mark.parametrize("name", BRIDGE_CLIPS)
def test_each_rep_is_found_where_it_happened(analyzed, name):
    for got, want in zip(analyzed(name)["reps"], labels(name)["reps"], strict=True):
        assert want["start_s"] - 0.2 <= got["peak_s"] <= want["end_s"] + 0.2
        assert abs(got["peak_s"] - want["peak_s"]) < max(1.5, want["hold_s"])
        assert got["start_s"] < got["end_s"]


@pytest.mark.parametrize("name", BRIDGE_CLIPS)
def test_warnings_fall_inside_their_rep(analyzed, name):
    report = analyzed(name)
    reps = {r["index"]: r for r in report["reps"]}
    for w in report["warnings"]:
        assert w["message"]
        rep = reps[w["rep"]]
        assert w["cue"] in rep["faults"]
        assert rep["start_s"] <= w["start_s"] <= w["end_s"] <= rep["end_s"]


def test_top_hold_time_is_close_to_the_truth(analyzed):
    report, truth = analyzed("bridge_mixed"), labels("bridge_mixed")
    for got, want in zip(report["reps"], truth["reps"], strict=True):
        assert got["hold_s"] == pytest.approx(want["hold_s"], abs=0.8)


def test_report_contract(analyzed):
    report = analyzed("bridge_mixed")
    assert report["schema"] == "formcheck.report/1"
    assert report["exercise"] == "glute_bridge"
    assert report["model"] == "pose_landmarker_full"
    assert report["holds"] == []
    src = report["source"]
    assert (src["width"], src["height"]) == (480, 360)
    assert src["fps"] == pytest.approx(30.0)
    assert src["frames"] == labels("bridge_mixed")["frame_count"]
    rep = report["reps"][0]
    for key in ("index", "start_s", "peak_s", "end_s", "hold_s", "side", "faults", "metrics"):
        assert key in rep
    for w in report["warnings"]:
        assert set(w) >= {"cue", "start_s", "end_s", "rep", "message"}
