"""`_common.toml`: what every exercise shares (cues, messages) and the tables of the frame
pipeline, the listener and the routine (`[raised_hand]`, `[pain_count]`, ...)."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import Any, TypeVar

from formcheck.errors import FormcheckError
from formcheck.resources import bundled_specs_dir, specs_dir
from formcheck.spec.reader import read_toml

Rule = TypeVar("Rule")


def common_data(folder: Path | None = None) -> dict[str, Any]:
    """`_common.toml`: the cues and messages every exercise shares; a folder without one (a
    physiotherapist's own exercise) shares the bundled one."""
    common = (folder or specs_dir()) / "_common.toml"
    bundled = bundled_specs_dir() / "_common.toml"
    return read_toml(common if common.is_file() else bundled)


def common_messages(folder: Path | None = None) -> dict[str, str]:
    """The shared messages, for moments with no exercise chosen yet."""
    return {k: str(v) for k, v in common_data(folder).get("messages", {}).items()}


def common_rule(cls: type[Rule], table: str, folder: Path | None = None) -> Rule:
    """`[table]` as `cls` (a keyword dataclass of numbers), exactly its fields; the bundled table
    when the folder's `_common.toml` has none."""
    found = common_data(folder).get(table) or common_data(bundled_specs_dir()).get(table)
    names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
    if not isinstance(found, dict) or set(found) != names:
        raise FormcheckError(f"_common.toml: [{table}] needs exactly {sorted(names)}")
    return cls(**{k: float(v) for k, v in found.items()})
