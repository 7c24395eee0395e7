"""Many distinct keys (issue 12): exact counts, frames bounded whatever the key count (the top
K and an "other" bar), one-line headlines, and a consumer of a million authors with its chart
that finishes under 1 GiB and stops on Ctrl-C within seconds."""

import json
import math
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import orjson
import pytest

from buzzline.analytics import Counts, MeanBy
from buzzline.analytics.ranking import DEFAULT_TOP_K, OTHER, Leaders, rank
from buzzline.apps import get_app
from buzzline.charts.bar import BarChart
from buzzline.charts.base import compact
from buzzline.charts.figure import make_figure
from buzzline.charts.hbar import HBarChart
from buzzline.charts.pie import PieChart
from buzzline.clock import ManualClock
from buzzline.dashboard.panels import panel
from buzzline.engine.status import STATUS_WIDTH, WIDTH, StatusLine, one_line
from buzzline.messages import Buzz
from buzzline.settings import load_settings
from tests.conftest import subprocess_env

HEAVY = {"heavy1": 50, "heavy2": 30, "heavy3": 20}  # ahead of the crowd of single messages


def buzzes(authors) -> list[Buzz]:
    return [Buzz(message="m", author=a) for a in authors]


def view_of(authors: list[str], parts: int = 1) -> tuple[Counts, list[Counts]]:
    """A view summing ``parts`` Counts that counted ``authors`` between them."""
    counts = [Counts() for _ in range(parts)]
    for i, part in enumerate(counts):
        part.update(buzzes(authors[i::parts]))
    view = Counts()
    view.combine(counts)
    return view, counts


@dataclass(frozen=True)
class Row:
    category: str
    sentiment: float


# -- analytics ------------------------------------------------------------------------------

def test_the_view_and_its_ranking_follow_the_parts_exactly() -> None:
    rng = random.Random(12)
    for trial in range(200):
        parts, view, truth = [Counts() for _ in range(rng.randint(1, 3))], Counts(), Counter()
        for _ in range(rng.randint(1, 25)):
            part = rng.choice(parts)
            authors = [f"a{rng.randint(0, rng.choice([3, 40, 500]))}"
                       for _ in range(rng.randint(0, 30))]
            part.update(buzzes(authors))
            truth.update(authors)
            if rng.random() < 0.1:  # a restore: that part's counts are replaced
                part.load_state(part.state())
            if rng.random() < 0.7:  # a batch applied: the view combines
                view.combine(parts)
                assert view.counts() == dict(truth), trial
                k = rng.randint(1, 30)
                ranking, expected = view.ranking(k), rank(dict(truth), k) if truth else {}
                assert list(ranking.items()) == list(expected.items()), trial
                assert ranking.others == len(truth) - len(ranking)
                assert ranking.rest == truth.total() - sum(ranking.values())


def test_means_per_key_combine_only_the_keys_a_batch_changed() -> None:
    """The view of MeanBy (project: sentiment per category) adds what changed, and equals a
    view made afresh from the parts after any updates, restores and huge values."""
    rng = random.Random(5)
    for trial in range(150):
        parts = [MeanBy("category", "sentiment") for _ in range(rng.randint(1, 3))]
        view = MeanBy("category", "sentiment")
        for _ in range(rng.randint(1, 20)):
            part = rng.choice(parts)
            part.update([Row(f"c{rng.randint(0, rng.choice([3, 50]))}",
                             rng.choice([0.5, -1.0, 1e308, 3]))
                         for _ in range(rng.randint(0, 20))])
            if rng.random() < 0.1:
                part.load_state(part.state())
            if rng.random() < 0.7:
                view.combine(parts)
                fresh = MeanBy("category", "sentiment")
                fresh.combine(parts)
                assert view.state() == fresh.state(), trial
    big = [MeanBy("category", "sentiment")]
    big[0].update([Row(f"c{i}", 1.0) for i in range(100_000)])
    view = MeanBy("category", "sentiment")
    view.combine(big)
    big[0].update([Row("c7", 3.0)])
    added = []
    original = MeanBy._add
    MeanBy._add = lambda self, parts, keys: (added.append(keys), original(self, parts, keys))[1]
    try:
        view.combine(big)
    finally:
        MeanBy._add = original
    assert added == [{"c7"}] and view.means()["c7"] == 2.0


def test_batches_and_frames_never_rank_or_sum_every_key(monkeypatch) -> None:
    rebuilds: list[int] = []
    rebuild = Leaders.rebuild
    monkeypatch.setattr(Leaders, "rebuild",
                        lambda self, counts: (rebuilds.append(len(counts)), rebuild(self, counts)))
    part, view = Counts(), Counts()
    view.combine([part])
    view.ranking()
    summed = view._counts
    for batch in range(40):  # 40 batches of 1,000 new authors, a frame after each
        part.update(buzzes([*(f"a{batch:02d}-{i:03d}" for i in range(1000)),
                            *(["heavy"] * batch)]))
        view.combine([part])
        ranking = view.ranking()
    assert rebuilds == [0]  # ranked once, when empty; then kept from the keys that grew
    assert view._counts is summed  # the parts' changes were added, never all summed again
    assert list(ranking)[:2] == ["heavy", "a00-000"] and ranking["heavy"] == sum(range(40))
    assert ranking.others == 40_001 - DEFAULT_TOP_K and len(ranking) == DEFAULT_TOP_K
    assert ranking.rest == 40_000 + sum(range(40)) - sum(ranking.values())


# -- charts ---------------------------------------------------------------------------------

CROWD = [f"a{i:05d}" for i in range(5000)]


def drawn_values(chart) -> list[float]:
    """What the artists show, read back from them (heights, widths or wedge angles)."""
    if isinstance(chart, BarChart):
        return [rect.get_height() for rect in chart.bars]
    if isinstance(chart, HBarChart):
        return [rect.get_width() for rect in chart.bars]
    return [wedge.theta2 - wedge.theta1 for wedge in chart.wedges]


@pytest.mark.parametrize("kind", [BarChart, HBarChart, PieChart])
@pytest.mark.parametrize("top_k", [0, 5])
def test_charts_draw_the_top_k_and_an_other_bar_holding_the_rest(kind, top_k) -> None:
    authors = [*CROWD, *(a for a, n in HEAVY.items() for _ in range(n))]
    random.Random(1).shuffle(authors)
    view, _ = view_of(authors, parts=2)
    fig, axes = make_figure(1, "keys", "agg")
    chart = kind(axes[0], view.ranking, top_k=top_k)
    chart.update(chart.snapshot())
    k = top_k or DEFAULT_TOP_K
    keys = chart.keys
    values = drawn_values(chart)
    assert len(values) == k + 1 and keys[-1] == OTHER == "others"
    expected = [*HEAVY, *CROWD[: k - len(HEAVY)]]
    assert keys[:-1] == expected
    total, rest = len(authors), len(authors) - sum(HEAVY.values()) - (k - len(HEAVY))
    if kind is PieChart:
        assert values[-1] == pytest.approx(360 * rest / total)
        assert sum(values) == pytest.approx(360)
    else:
        assert values[:3] == list(HEAVY.values()) and values[3:-1] == [1] * (k - 3)
        assert values[-1] == rest and sum(values) == total
    count = len(CROWD) + len(HEAVY) - k  # the keys the other bar holds, in its label
    label = f"{count:,} keys" if kind is PieChart else f"{compact(count)} keys"
    assert label in chart.labels[-1].get_text()


def test_a_key_called_others_keeps_its_bar() -> None:
    view, _ = view_of(["others"] * 9 + ["b"] * 5 + ["c", "d"])
    fig, axes = make_figure(1, "others", "agg")
    chart = BarChart(axes[0], view.ranking, top_k=2)
    chart.update(chart.snapshot())
    assert chart.drawn() == {"others": 9, "b": 5, "all others": 2}


def test_a_few_keys_keep_name_order_and_no_other_bar() -> None:
    view, _ = view_of(["Eve", "Bob", "Bob", "Alice"])
    fig, axes = make_figure(1, "few", "agg")
    chart = BarChart(axes[0], view.ranking)
    chart.update(chart.snapshot())
    assert chart.drawn() == {"Alice": 1, "Bob": 2, "Eve": 1}


def test_the_dashboard_feed_is_bounded() -> None:
    app, settings = get_app("json"), load_settings(environ={}, env_file=None)
    part, view = app.pipeline(settings, ManualClock()), app.pipeline(settings, ManualClock())
    part.update(buzzes([*(f"a{i:06d}" for i in range(50_000)), "heavy", "heavy"]))
    view.combine([part])
    feed = app.feeds(view, settings)[0]
    body = panel(feed, feed.data())["data"]
    assert len(body["counts"]) == DEFAULT_TOP_K and next(iter(body["counts"])) == "heavy"
    assert body["others"] == {"keys": 50_001 - DEFAULT_TOP_K,
                              "total": 50_002 - sum(body["counts"].values())}
    assert len(orjson.dumps(body)) < 1000


# -- one short line -------------------------------------------------------------------------

def test_headlines_and_the_status_line_stay_one_short_line() -> None:
    app = get_app("json")
    counts = {f"a{i:06d}": 1 for i in range(200_000)} | {"heavy1": 50}
    summary = {"messages": 200_050, "author_counts": counts, "top_authors": ["heavy1", "a000000"]}
    line = app.headline(summary)
    assert line == "200,050 messages (200,001 authors; top: heavy1 50, a000000 1)"
    few = {"messages": 3, "author_counts": {"Alice": 2, "Bob": 1}, "top_authors": ["Alice"]}
    assert app.headline(few) == "3 messages (Alice 2, Bob 1)"  # as before for a few keys
    long = {"messages": 3, "author_counts": {"x" * 300: 3}, "top_authors": ["x" * 300]}
    assert len(app.headline(long)) == WIDTH and "\n" not in app.headline(long)
    assert one_line("a\nb\x1b[2J") == "a\\nb\\x1b[2J"  # control characters shown as escapes
    status = StatusLine(lambda: "json 1,000 msgs " + "z" * 10_000)
    assert len(status.render()) == STATUS_WIDTH and status.render().endswith("...")


# -- a million authors, end to end ----------------------------------------------------------

def write_authors(path: Path, keys: int) -> int:
    """``keys`` authors of one message each, in a scattered order, and the HEAVY ones."""
    step = next(s for s in range(7919, 2 * keys + 7919) if math.gcd(s, keys) == 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as f:
        for start in range(0, keys, 100_000):
            f.write(b"".join(b'{"message": "m", "author": "a%07d"}\n' % (i * step % keys)
                             for i in range(start, min(keys, start + 100_000))))
        f.write(b"".join(b'{"message": "m", "author": "%s"}\n' % a.encode()
                         for a, n in HEAVY.items() for _ in range(n)))
    return keys + sum(HEAVY.values())


# the consumer, reporting its own peak RSS (VmHWM of its process) when it exits
PEAK = ("import atexit, pathlib, runpy, sys\n"
        "def peak():\n"
        "    for line in open('/proc/self/status'):\n"
        "        if line.startswith('VmHWM:'):\n"
        "            pathlib.Path('peak_kib').write_text(line.split()[1])\n"
        "atexit.register(peak)\n"
        "sys.argv = ['buzzline', *sys.argv[1:]]\n"
        "runpy.run_module('buzzline', run_name='__main__')\n")


def consume(workdir: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", PEAK, "consume", "json", "--from-beginning",
                             "--output", "out", "--summary-json", "s.json", *args],
                            cwd=workdir, env=subprocess_env(workdir), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def check_summary(workdir: Path, messages: int) -> dict:
    """Exact counts, the chart's top 20 and "other" bar adding up to them, the image."""
    summary = json.loads((workdir / "s.json").read_text())
    counts = summary["author_counts"]
    assert summary["messages"] == messages and sum(counts.values()) == messages
    drawn = summary["chart"]["drawn"][0]
    top = [(k, v) for k, v in drawn.items() if k != OTHER]
    assert len(top) == DEFAULT_TOP_K and all(counts[k] == v for k, v in top)
    assert drawn[OTHER] == messages - sum(v for _, v in top)
    assert top == list(rank(counts, DEFAULT_TOP_K).items())
    assert (workdir / "out" / "json.png").read_bytes()[:4] == b"\x89PNG"
    return summary


@pytest.mark.slow
def test_a_million_distinct_authors_with_the_chart_under_1_gib(workdir) -> None:
    keys = int(os.environ.get("BUZZLINE_TEST_KEYS", "1000000"))
    messages = write_authors(workdir / "data" / "buzzline_json.jsonl", keys)
    started = time.monotonic()
    proc = consume(workdir, "--idle-exit", "1")
    out, err = proc.communicate(timeout=300)
    seconds = time.monotonic() - started
    assert proc.returncode == 0, err[-2000:]
    summary = check_summary(workdir, messages)
    assert len(summary["author_counts"]) == keys + len(HEAVY)
    assert all(summary["author_counts"][a] == n for a, n in HEAVY.items())
    headline = out.strip().splitlines()[-1]
    assert headline == (f"json: {messages:,} messages ({keys + 3:,} authors; top: heavy1 50, "
                        "heavy2 30, heavy3 20)")
    peak = int((workdir / "peak_kib").read_text()) / 1024
    print(f"{keys:,} authors: {seconds:.1f} s, peak RSS {peak:.0f} MiB")
    assert peak < 1024


@pytest.mark.slow
def test_ctrl_c_with_many_keys_stops_within_seconds_with_summary_and_image(workdir) -> None:
    messages = write_authors(workdir / "data" / "buzzline_json.jsonl", 300_000)
    proc = consume(workdir)
    live = workdir / "data" / "live"
    try:
        deadline, seen = time.monotonic() + 120, 0
        while seen < 100_000 and proc.poll() is None and time.monotonic() < deadline:
            for path in live.glob("json-*.json"):  # published at the frame rate
                try:
                    seen = orjson.loads(path.read_bytes())["messages"]
                except (OSError, orjson.JSONDecodeError):
                    continue
            time.sleep(0.05)
        assert seen >= 100_000, "the consumer did not get going"
        asked = time.monotonic()
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        stopped = time.monotonic() - asked
    finally:
        proc.kill()
    assert proc.returncode == 0 and "Traceback" not in err, err[-2000:]
    print(f"stopped {stopped:.2f} s after Ctrl-C, {seen:,}+ messages counted")
    assert stopped < 5.0
    summary = json.loads((workdir / "s.json").read_text())
    check_summary(workdir, summary["messages"])
    assert seen <= summary["messages"] <= messages
