"""Memory: peak RSS of a consumer process after 1,000,000 vs 10,000,000 messages (target: the
peak at 10,000,000 <= 1.10 x the peak at 1,000,000).

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

Run: python bench/memory.py [--messages N] [--small N] [--runs R] [--json PATH]
"""

import argparse
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
    from buzzline.engine.consume import ConsumeJob
    from buzzline.engine.session import Session, ViewOptions
    from buzzline.settings import load_settings
    from buzzline.transports.file import FileTransport

    with tempfile.TemporaryDirectory(prefix="buzzline-bench-memory-") as tmp:
        work = Path(tmp)
        data = work / "data"
        data.mkdir()
        settings = load_settings(environ={"BUZZLINE_DATA_DIR": str(data)}, env_file=None)
        transport = FileTransport(data)
        jobs = []
        for name, file in APPS.items():
            app = get_app(name)
            topic = app.topic(settings)
            (data / f"{topic}.jsonl").symlink_to(inputs / file)
            jobs.append(ConsumeJob(app, settings, transport, topic, start="beginning",
                                   count=messages // 2))
        options = ViewOptions(title="memory", image_name="memory", output_dir=work / "out",
                              display="headless", fps=10.0)
        session = Session([], jobs, options)
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


def main() -> None:
    parser = case_parser(__doc__, messages=10_000_000, runs=1)
    parser.add_argument("--small", type=int, default=1_000_000,
                        help="the smaller size compared with --messages [1,000,000]")
    parser.add_argument("--child", nargs=3, metavar=("INPUTS", "MESSAGES", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        inputs, messages, out = args.child
        child(Path(inputs), int(messages), Path(out))
        return
    started = time.perf_counter()
    small, large = args.small, args.messages
    result = CaseResult(
        case="memory", title="Memory: peak RSS of a consumer process (counts and line chart)",
        unit="MiB", higher_is_better=False, messages=large, primary=subject(large),
        params={"messages": [small, large], "runs": args.runs, "apps": list(APPS)},
        targets=[Target(f"peak RSS at {large:,} <= 1.10 x that at {small:,} messages",
                        subject(large), vs=subject(small), ratio_at_most=1.10)])
    details: dict[int, list[dict]] = {}
    with tempfile.TemporaryDirectory(prefix="buzzline-bench-memory-") as tmp:
        inputs = Path(tmp)
        write_buzz_file(inputs / APPS["basic"], large // 2)
        write_smoker_file(inputs / APPS["csv"], large // 2)
        for _ in range(args.runs):
            for messages in (small, large):
                out = inputs / "out.json"
                subprocess.run([sys.executable, __file__, "--child", str(inputs), str(messages),
                                str(out)], check=True, timeout=900, stdout=subprocess.DEVNULL,
                               env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
                measured = orjson.loads(out.read_bytes())
                result.add(subject(messages), measured["peak_mib"])
                details.setdefault(messages, []).append(measured)
    for messages, runs in details.items():
        last = runs[-1]
        result.notes.append(
            f"{messages:,} messages: {last['rate']:,.0f} msgs/s over both consumers "
            f"({last['seconds']:.1f} s, {last['frames']} frames); RSS at the end "
            f"{last['end_mib']:.1f} MiB; line chart holds {last['points']:,} points; "
            f"{last['stalls']:,} stalls kept by the stall detector")
    result.notes.append("Half the messages are buzz messages (basic app), half smoker "
                        "readings (csv app), in one process; charts headless (Agg).")
    result.seconds = round(time.perf_counter() - started, 1)
    result.save(args.json)
    print_case(result)


if __name__ == "__main__":
    main()
