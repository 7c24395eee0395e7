"""Sample data made by buzzline itself, in the formats users bring (buzz.json, smoker_temps.csv)."""

import logging
import random
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from buzzline.sources.buzz import generate_buzz

SAMPLE_AUTHORS = ("Alice", "Bob", "Charlie", "Diana", "Eve")
SAMPLE_SEED = 2025  # the sample files without a seed: the same every time, as the README shows
log = logging.getLogger(__name__)


def smoker_profile(rng: random.Random, start: datetime | None = None) -> list[tuple[str, float]]:
    """A cook: a steady climb, a stall (the temperature flattens for ~40 minutes), then on.

    One reading a minute for 4 hours; the stall sits from about 2:40 to 3:20 into the cook.
    """
    start = start or datetime(2025, 1, 1, 15, 0, 0)
    rows = []
    temperature = 70.0
    for minute in range(240):
        stalled = 160 <= minute < 200  # in the stall the range over 10 readings stays < 0.2
        step = rng.uniform(-0.02, 0.02) if stalled else 0.55 + rng.uniform(-0.25, 0.25)
        temperature = temperature + step if minute else temperature
        stamp = (start + timedelta(minutes=minute)).strftime("%Y-%m-%d %H:%M:%S")
        rows.append((stamp, round(temperature, 2)))
    return rows


def write_smoker_csv(path: Path, rng: random.Random) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["timestamp,temperature"] + [f"{t},{v}" for t, v in smoker_profile(rng)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def write_buzz_json(path: Path, rng: random.Random, count: int = 100) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    items = [m.to_dict() for m in generate_buzz(rng, count, authors=SAMPLE_AUTHORS)]
    path.write_bytes(orjson.dumps(items, option=orjson.OPT_INDENT_2) + b"\n")
    return path


SAMPLE_NAMES = {"buzz.json": write_buzz_json, "smoker_temps.csv": write_smoker_csv}


def ensure_sample(path: Path) -> Path:
    """``path`` itself if it exists; if it is missing and carries a sample's name
    (buzz.json, smoker_temps.csv), buzzline's sample (from ``SAMPLE_SEED``) is written there
    first. Any other missing file is the reader's error to report."""
    writer = SAMPLE_NAMES.get(path.name)
    if writer is not None and not path.exists():
        log.info("no %s yet: writing buzzline's sample there", path)
        writer(path, random.Random(SAMPLE_SEED))
    return path


def write_sample_data(
    buzz_path: Path, csv_path: Path, rng: random.Random | None = None, overwrite: bool = False
) -> list[Path]:
    """Write whichever sample file is missing (or both with ``overwrite``); return those written.
    Without ``rng``, from ``SAMPLE_SEED``: the same files every time."""
    rng = rng or random.Random(SAMPLE_SEED)
    written = []
    if overwrite or not buzz_path.exists():
        written.append(write_buzz_json(buzz_path, rng))
    if overwrite or not csv_path.exists():
        written.append(write_smoker_csv(csv_path, rng))
    return written
