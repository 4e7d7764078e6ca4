"""What the progress page's plots share: one x position per session, labelled by its date and time,
bars side by side, reference lines and legends under the plot (never over the data)."""

from __future__ import annotations

import math
from collections import Counter

from formcheck.reports.html import BAD

MAX_LABELS = 6  # x labels that fit side by side on a plot WIDTH_IN wide, unrotated


def session_labels(dates: list[str]) -> list[str]:
    """Month-day over hour:minute ("2026-12-01 21:41" -> "12-01\\n21:41"); two sessions in the same minute
    told apart by a number."""
    short = [d[5:] for d in dates]
    twice, seen = Counter(short), Counter()
    labels = []
    for d in short:
        seen[d] += 1
        label = d.replace(" ", "\n", 1)
        labels.append(f"{label} #{seen[d]}" if twice[d] > 1 else label)
    return labels


def session_axis(ax, labels: list[str]) -> None:
    """A tick per session; at most MAX_LABELS of them labelled (every k-th, the last one always)."""
    every = max(1, math.ceil(len(labels) / MAX_LABELS))
    last = len(labels) - 1
    shown = [label if (last - i) % every == 0 else "" for i, label in enumerate(labels)]
    ax.set_xticks(range(len(labels)), shown)
    ax.set_xlim(-0.6, len(labels) - 0.4)
    ax.grid(axis="y", alpha=0.3)


def whole_numbers(ax) -> None:
    """Counts: ticks at whole numbers only."""
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))


def bars(ax, xs: list[int], series: dict[str, list], colours: dict[str, str]) -> None:
    width = 0.8 / max(len(series), 1)
    for k, (name, values) in enumerate(series.items()):
        offset = (k - (len(series) - 1) / 2) * width
        ax.bar([x + offset for x in xs], [v or 0 for v in values], width, label=name, color=colours[name])


def reference(ax, value: float | None, text: str) -> None:
    """A dashed line at `value`, named in the legend."""
    if value:
        ax.axhline(value, color=BAD, ls="--", lw=1, label=f"{text} {value:g}")


def legend_below(fig, ax) -> None:
    """The legend under the plot, where it covers nothing."""
    handles, names = ax.get_legend_handles_labels()
    if names:
        fig.legend(handles, names, loc="outside lower center", ncols=min(len(names), 2), frameon=False)
