"""Run every detector over the real running recordings and list what each found.

Usage: ``python tools/detect_real.py [folder]`` (default ``../shared/data/real`` or
``$KICKANALYSIS_REAL_DATA``). One line per running file: strides (count, sets), interval
session, final kick — for checking by eye. A file that cannot be analysed says why.
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import kickanalysis as ka
from kickanalysis.errors import DataQualityWarning, EmptyActivityError


def running_files(root: Path) -> list[Path]:
    """Every readable recording under *root* (not ``bad/``) whose sport is running.

    GPX files rarely state a sport: those with no sport count as running.
    """
    out = []
    for path in sorted(root.glob("*/*")):
        if path.parent.name == "bad" or not path.is_file():
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DataQualityWarning)
                act = ka.read(path)
        except ka.KickAnalysisError:
            continue
        sport = (act.meta.sport or "").lower()
        if sport.startswith("run") or (act.meta.format == "gpx" and not sport):
            out.append(path)
    return out


def describe(path: Path) -> str:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataQualityWarning)
        act = ka.read(path)
    try:
        strides = ka.detect_strides(act)
        reps = ka.detect_intervals(act)
        kick = ka.detect_kick(act)
    except EmptyActivityError as exc:
        return f"not analysable: {exc.reason}"  # (its str() starts with the full path)
    km = act.records["distance_m"].max() / 1000
    parts = [f"{km:5.1f} km"]
    sets = strides["set"].nunique()
    parts.append(
        f"strides {len(strides)} in {sets} set{'s' * (sets != 1)}" if len(strides) else "no strides"
    )
    parts.append(ka.interval_session(reps).summary)
    if kick.detected:
        parts.append(
            f"kick from {kick.start_distance_m:.0f} m: {kick.distance_m:.0f} m in "
            f"{kick.duration_s:.0f} s, {kick.gain_pct:+.0f} %"
        )
    else:
        parts.append("no kick")
    return "; ".join(parts)


def main() -> None:
    env = os.environ.get("KICKANALYSIS_REAL_DATA")
    default = Path(env) if env else Path(__file__).resolve().parents[1].parent / "shared/data/real"
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    for path in running_files(root):
        print(f"{path.parent.name}/{path.name}: {describe(path)}")


if __name__ == "__main__":
    main()
