#!/usr/bin/env bash
# Set up formcheck in ./.venv: Python 3.11+, the package and its test tools. Idempotent.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
PYTHON="${PYTHON:-python3}"
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "formcheck needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# The ray and voice extras too, so the tests of `formcheck batch --ray` and of voice commands run
# here and in CI.
# The filter hides setuptools' notice about editable installs (the package-dir mapping makes it use
# an import finder); a real warning still shows.
PYTHONWARNINGS="ignore:Editable installation." .venv/bin/python -m pip install --quiet -e ".[dev,ray,voice]"
for variant in lite full; do
  [ -s "models/pose_landmarker_${variant}.task" ] || .venv/bin/python models/build_models.py
done
echo "formcheck is ready: .venv/bin/formcheck --help"
