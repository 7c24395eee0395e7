"""Memory: peak RSS of a consumer process after 1,000,000 vs 10,000,000 messages (target: the
peak at 10,000,000 <= 1.10 x the peak at 1,000,000), and with 1,000,000 distinct authors
(target: <= 1 GiB with the chart; issue 12).

Each measurement is a fresh process running one buzzline Session with two ConsumeJobs over the
file transport, half the messages each, charts on (headless: Agg, artists updated at 10 fps, a
PNG every 2 s):
  basic app  buzz messages -> decode -> author counts (+ batches, totals) -> bar chart
  csv app    smoker readings -> decode -> stall detector + bounded line series -> line chart
The input files are written beforehand, directly (one reading a second, a stall every 96
minutes as in a cook); the consumers read them from the beginning at full speed, saving
checkpoints every second as usual. The process reports its own peak RSS
when the session ends (/proc/self/status VmHWM: getrusage's ru_maxrss would include the RSS of
the parent at the fork, see peak_rss_mib).

The distinct-keys measurement: one json-app consumer over --keys messages, each from another
author (in a scattered order), its bar chart headless (the top 20 and an "other" bar), exact
counts of every author checked at the end.

Run: python bench/memory.py [--messages N] [--small N] [--keys N] [--keys-only] [--runs R]
                            [--json PATH]
"""

import argparse
import math
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, case_parser, print_case, write_buzz_file, write_smoker_file  # noqa: E402,I001
from bench.results import CaseResult, Target  # noqa: E402

APPS = {"basic": "buzz.jsonl", "csv": "smoker.jsonl"}


def subject(messages: int) -> str:
    return f"peak RSS after {messages:,} messages"


def keys_subject(keys: int) -> str:
    return f"peak RSS with {keys:,} distinct authors (json app, bar chart)"


def write_authors_file(path: Path, keys: int, chunk: int = 100_000) -> Path:
    """``keys`` buzz messages, each from another author, in a scattered order."""
    step = next(s for s in range(7919, 2 * keys + 7919) if math.gcd(s, keys) == 1)
    with path.open("wb") as f:
        for start in range(0, keys, chunk):
            f.write(b"".join(b'{"message": "m%d", "author": "a%07d"}\n' % (i, i * step % keys)
                             for i in range(start, min(keys, start + chunk))))
    return path


def status_mib(field: str) -> float | None:
    """A memory line of /proc/self/status in MiB (VmHWM: this process image's peak RSS)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def peak_rss_mib() -> float:
    """The peak RSS since this program started. VmHWM, not getrusage's ru_maxrss: Linux carries
    into ru_maxrss the high-water mark of the process image replaced by exec, i.e. the parent's
    RSS at the fork (here the bench process that wrote the input files)."""
    hwm = status_mib("VmHWM")
    return hwm if hwm is not None else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(inputs: Path, messages: int, out: Path) -> None:
    """One measurement (its own process): both apps' consumers and charts in one Session."""
    from buzzline.apps import get_app
    from buzzline.engine.session import SessionOptions
    from buzzline.runner import ConsumeOptions, prepare
    from buzzline.settings import load_settings
    from buzzline.transports.file import FileTransport

    with tempfile.TemporaryDirectory(prefix="buzzline-bench-memory-") as tmp:
        work = Path(tmp)
        data = work / "data"
        data.mkdir()
        settings = load_settings(environ={"BUZZLINE_DATA_DIR": str(data)}, env_file=None)
        apps = [get_app(name) for name in APPS]
        for app, file in zip(apps, APPS.values(), strict=True):
            (data / f"{app.topic(settings)}.jsonl").symlink_to(inputs / file)
        options = SessionOptions(title="memory", image_name="memory", output_dir=work / "out",
                                 display="headless", fps=10.0, freeze_gc=True)
        session = prepare(apps, settings=settings, transport=FileTransport(data), produce=False,
                          consume=ConsumeOptions(start="beginning", count=messages // 2),
                          view=options).session
        started = time.perf_counter()
        summaries = session.run()
        seconds = time.perf_counter() - started
        counted = sum(s["messages"] for s in summaries)
        assert counted == messages // 2 * 2, (counted, messages)
        out.write_bytes(orjson.dumps({
            "peak_mib": peak_rss_mib(), "end_mib": status_mib("VmRSS") or float("nan"),
            "ru_maxrss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "seconds": seconds,
            "rate": counted / seconds, "frames": session.view.stats()["frames"],
            "stalls": len(summaries[1].get("stalls", [])),
            "points": summaries[1]["chart"]["drawn"][0]["points"]}))


def keys_child(inputs: Path, keys: int, out: Path) -> None:
    """The distinct-keys measurement (its own process): the json app's consumer and chart."""
    from buzzline.apps import get_app
    from buzzline.engine.session import SessionOptions
    from buzzline.runner import ConsumeOptions, prepare
    from buzzline.settings import load_settings
    from buzzline.transports.file import FileTransport

    with tempfile.TemporaryDirectory(prefix="buzzline-bench-keys-") as tmp:
        data = Path(tmp) / "data"
        data.mkdir()
        settings = load_settings(environ={"BUZZLINE_DATA_DIR": str(data)}, env_file=None)
        app = get_app("json")
        (data / f"{app.topic(settings)}.jsonl").symlink_to(inputs / "authors.jsonl")
        session = prepare(app, settings=settings, transport=FileTransport(data), produce=False,
                          consume=ConsumeOptions(start="beginning", count=keys),
                          view=SessionOptions(title="keys", image_name="keys",
                                              output_dir=Path(tmp) / "out",
                                              display="headless", fps=10.0,
                                              freeze_gc=True)).session
        started = time.perf_counter()
        summary = session.run()[0]
        seconds = time.perf_counter() - started
        counts, drawn = summary["author_counts"], summary["chart"]["drawn"][0]
        assert summary["messages"] == keys and len(counts) == keys, summary["messages"]
        assert len(drawn) == min(keys, 21) and sum(drawn.values()) == keys, drawn
        out.write_bytes(orjson.dumps({
            "peak_mib": peak_rss_mib(), "end_mib": status_mib("VmRSS") or float("nan"),
            "seconds": seconds, "rate": keys / seconds,
            "frames": session.view.stats()["frames"], "bars": len(drawn)}))


def measure(args: list[str], out: Path) -> dict:
    subprocess.run([sys.executable, __file__, *args, str(out)], check=True, timeout=900,
                   stdout=subprocess.DEVNULL,
                   env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    return orjson.loads(out.read_bytes())


def main() -> None:
    parser = case_parser(__doc__, messages=10_000_000, runs=1)
    parser.add_argument("--small", type=int, default=1_000_000,
                        help="the smaller size compared with --messages [1,000,000]")
    parser.add_argument("--keys", type=int, default=1_000_000,
                        help="distinct authors of the keys measurement (0: none) [1,000,000]")
    parser.add_argument("--keys-only", action="store_true",
                        help="only the distinct-keys measurement")
    parser.add_argument("--child", nargs=3, metavar=("INPUTS", "MESSAGES", "OUT"),
                        help=argparse.SUPPRESS)
    parser.add_argument("--keys-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        inputs, messages, out = args.child
        child(Path(inputs), int(messages), Path(out))
        return
    if args.keys_child:
        inputs, keys, out = args.keys_child
        keys_child(Path(inputs), int(keys), Path(out))
        return
    started = time.perf_counter()
    small, large, keys = args.small, args.messages, args.keys
    sizes = [] if args.keys_only else [small, large]
    result = CaseResult(
        case="memory", title="Memory: peak RSS of a consumer process (counts and line chart)",
        unit="MiB", higher_is_better=False, messages=large, primary=subject(large),
        params={"messages": sizes, "runs": args.runs, "apps": list(APPS), "keys": keys},
        targets=[Target(f"peak RSS at {large:,} <= 1.10 x that at {small:,} messages",
                        subject(large), vs=subject(small), ratio_at_most=1.10)] if sizes else [])
    if keys:
        result.targets.append(Target(f"peak RSS with {keys:,} distinct authors, chart on, "
                                     "<= 1,024 MiB", keys_subject(keys), value_at_most=1024))
    details: dict[int, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="buzzline-bench-memory-") as tmp:
        inputs = Path(tmp)
        if sizes:
            write_buzz_file(inputs / APPS["basic"], large // 2)
            write_smoker_file(inputs / APPS["csv"], large // 2)
        if keys:
            write_authors_file(inputs / "authors.jsonl", keys)
        out = inputs / "out.json"
        for _ in range(args.runs):
            for messages in sizes:
                measured = measure(["--child", str(inputs), str(messages)], out)
                result.add(subject(messages), measured["peak_mib"])
                details.setdefault(messages, []).append(measured)
            if keys:
                measured = measure(["--keys-child", str(inputs), str(keys)], out)
                result.add(keys_subject(keys), measured["peak_mib"])
                details.setdefault(-1, []).append(measured)
    for messages, runs in details.items():
        last = runs[-1]
        if messages < 0:
            result.notes.append(
                f"{keys:,} distinct authors: {last['rate']:,.0f} msgs/s ({last['seconds']:.1f} "
                f"s, {last['frames']} frames, {last['bars']} bars drawn: the top 20 and "
                f"'other'); RSS at the end {last['end_mib']:.1f} MiB; every count exact")
            continue
        result.notes.append(
            f"{messages:,} messages: {last['rate']:,.0f} msgs/s over both consumers "
            f"({last['seconds']:.1f} s, {last['frames']} frames); RSS at the end "
            f"{last['end_mib']:.1f} MiB; line chart holds {last['points']:,} points; "
            f"{last['stalls']:,} stalls kept by the stall detector")
    if sizes:
        result.notes.append("Half the messages are buzz messages (basic app), half smoker "
                            "readings (csv app), in one process; charts headless (Agg).")
    result.seconds = round(time.perf_counter() - started, 1)
    result.save(args.json)
    print_case(result)


if __name__ == "__main__":
    main()
