"""Rebuild the MediaPipe pose landmarker bundles in this folder from registry packages.

    python models/build_models.py            # writes pose_landmarker_{lite,full}.task
    python models/build_models.py --heavy    # also pose_landmarker_heavy.task

Sources (no other network access is needed):
- PyPI wheel mediapipe==0.10.21: pose_detection.tflite and pose_landmark_full.tflite
- npm package @mediapipe/pose 0.5.1675469404: pose_landmark_lite.tflite and pose_landmark_heavy.tflite

A .task bundle is a zip of pose_detector.tflite and pose_landmarks_detector.tflite. Each carries
TFLite metadata with its input normalization, which the Tasks API requires.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tarfile
import tempfile
import types
import zipfile
from pathlib import Path

WHEEL = "mediapipe==0.10.21"
NPM_PACKAGE = "@mediapipe/pose@0.5.1675469404"
HERE = Path(__file__).resolve().parent

# (mean, std) of the image input: detector maps pixels to [-1, 1], landmark models to [0, 1].
DETECTOR_NORM = (127.5, 127.5)
LANDMARKS_NORM = (0.0, 255.0)


def _stub_missing_metadata_module() -> None:
    # mediapipe 1.2.2 ships the metadata writers without this compiled helper; only its
    # minimum-parser-version lookup is used, and "1.0.0" is what the official bundles carry.
    name = "mediapipe.tasks.cc.metadata.python._pywrap_metadata_version"
    if name in sys.modules:
        return
    stub = types.ModuleType(name)
    stub.GetMinimumMetadataParserVersion = lambda _buf: "1.0.0"  # type: ignore[attr-defined]
    sys.modules[name] = stub
    for parent in ("mediapipe.tasks.cc.metadata.python", "mediapipe.tasks.cc.metadata"):
        sys.modules.setdefault(parent, types.ModuleType(parent))


def with_image_metadata(model: bytes, name: str, mean: float, std: float) -> bytes:
    _stub_missing_metadata_module()
    from mediapipe.tasks.python.metadata.metadata_writers import metadata_writer

    writer = metadata_writer.MetadataWriter.create(bytearray(model))
    writer.add_general_info(name, "MediaPipe pose model")
    writer.add_image_input(norm_mean=[mean], norm_std=[std])
    tflite, _json = writer.populate()
    del writer  # its temp folder must go before interpreter shutdown tears down os.path
    return bytes(tflite)


def fetch_wheel_models(work: Path) -> dict[str, bytes]:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
         "--only-binary=:all:", "--python-version", "3.11", "--platform", "manylinux_2_28_x86_64",
         WHEEL, "-d", str(work)],
        check=True,
    )
    wheel = next(work.glob("mediapipe-0.10.21-*.whl"))
    with zipfile.ZipFile(wheel) as zf:
        return {
            "detector": zf.read("mediapipe/modules/pose_detection/pose_detection.tflite"),
            "full": zf.read("mediapipe/modules/pose_landmark/pose_landmark_full.tflite"),
        }


def fetch_npm_models(work: Path) -> dict[str, bytes]:
    subprocess.run(["npm", "pack", "--silent", NPM_PACKAGE], cwd=work, check=True,
                   stdout=subprocess.DEVNULL)
    tgz = next(work.glob("mediapipe-pose-*.tgz"))
    with tarfile.open(tgz) as tf:
        def read(member: str) -> bytes:
            f = tf.extractfile(member)
            assert f is not None
            return f.read()
        return {
            "lite": read("package/pose_landmark_lite.tflite"),
            "heavy": read("package/pose_landmark_heavy.tflite"),
        }


def write_bundle(path: Path, detector: bytes, landmarks: bytes) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        # Fixed timestamps keep the bundle byte-identical between rebuilds.
        for name, data in (("pose_detector.tflite", detector),
                           ("pose_landmarks_detector.tflite", landmarks)):
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            zf.writestr(info, data)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buf.getvalue())
    tmp.replace(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--heavy", action="store_true", help="also build the heavy bundle")
    parser.add_argument("--out", type=Path, default=HERE, help="output folder")
    args = parser.parse_args()
    variants = ["lite", "full"] + (["heavy"] if args.heavy else [])
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        models = fetch_wheel_models(work) | fetch_npm_models(work)
    detector = with_image_metadata(models["detector"], "pose_detector", *DETECTOR_NORM)
    for variant in variants:
        landmarks = with_image_metadata(models[variant], "pose_landmarks_detector", *LANDMARKS_NORM)
        out = args.out / f"pose_landmarker_{variant}.task"
        write_bundle(out, detector, landmarks)
        print(f"wrote {out} ({out.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
