"""Where a Kafka consume with its live chart spends its time: the kafka-consume case's buzzline
subject run under py-spy, its samples summed per thread and per part of the work.

  consumer thread   librdkafka's consume() handing over the messages (what the raw loop does
                    too), the rest of the poll (one C-level map per field), decoding and
                    validating, the analytics, the rest of the loop (freeing each batch, the
                    calls between)
  main thread       while buzzline runs (not the set-up: broker, topic): the frames
                    (snapshot, draw, blit), the toolkit's loop, the rest (making the figure
                    and the window, imports)

Run: python bench/profile_consume.py [--messages N] [--runs R] [--bootstrap HOST:PORT]
                                     [--rate HZ]
Without --bootstrap it starts a broker with buzzline's own `kafka start` code in a temp folder.
Needs py-spy (`pip install -e ".[bench]"`); a window on a private Xvfb display when there is one.
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import uuid
from collections import Counter
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

# (part, what a stack holds to be in it), first match wins
CONSUMER_PARTS = [
    ("decoding and validating (decode_batch)", "decode_batch ("),
    ("analytics (counts, batches, totals)", "Pipeline.update ("),
    ("waiting at the drawing gate", "Gate.pause ("),
    ("librdkafka consume(): the messages handed over (as the raw loop)", "KafkaConsumer.poll ("),
    ("the rest of the loop (freeing each batch, the calls between)", ""),
]
MAIN_PARTS = [
    ("frames (snapshot, draw, blit)", "LiveView.update ("),
    ("frames (snapshot, draw, blit)", "Blitter."),
    ("the toolkit's loop", "mainloop"),
    ("the rest (figure, window, imports)", ""),
]


def part_of(stack: str, parts: list[tuple[str, str]]) -> str:
    return next(name for name, mark in parts if mark in stack)


def summarize(raw: Path) -> dict[str, Counter]:
    """Samples per thread kind ("consumer", "main") and part, from py-spy's raw output."""
    out: dict[str, Counter] = {"consumer": Counter(), "main": Counter()}
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        thread = stack.split(";", 1)[0]
        if "consume-" in thread:
            out["consumer"][part_of(stack, CONSUMER_PARTS)] += int(count)
        elif "MainThread" in thread and "buzzline_consume (" in stack:  # not the set-up
            out["main"][part_of(stack, MAIN_PARTS)] += int(count)
    return out


def child(args: argparse.Namespace) -> None:
    """The profiled process: fill a topic, then the kafka-consume case's buzzline runs."""
    from bench.common import broker, virtual_display
    from bench.kafka_consume import PREFIX, buzzline_consume
    from bench.peers import buzz_lines
    from bench.peers.kafka_env import bench_settings, delete_topics, fill_topic
    from buzzline.charts.display import window_backend
    from buzzline.transports.kafka import KafkaTransport

    with ExitStack() as stack:
        window = False
        if window_backend() is not None:
            display = stack.enter_context(virtual_display())
            if display is not None:
                os.environ["DISPLAY"] = display
                window = True
        bootstrap = stack.enter_context(broker(args.bootstrap))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-prof-")))
        topic = f"{PREFIX}profile-{uuid.uuid4().hex}"
        KafkaTransport(bench_settings(bootstrap, workdir)).ensure_topic(topic, partitions=3)
        stack.callback(delete_topics, bootstrap, [f"{PREFIX}profile-"])
        fill_topic(bootstrap, topic, buzz_lines(args.messages))
        for run in range(args.runs):
            rate, from_first, chart = buzzline_consume(bootstrap, topic, args.messages,
                                                       workdir / f"run{run}", window)
            print(f"run {run + 1}: {rate:,.0f} msgs/s from start, {from_first:,.0f} from its "
                  f"first message; {chart.get('frames')} frames, mean "
                  f"{chart.get('mean_frame_ms')} ms ({'window' if window else 'headless'})",
                  flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--bootstrap", help="an existing broker (default: start one)")
    parser.add_argument("--rate", type=int, default=250, help="samples a second [250]")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)
    spy = shutil.which("py-spy", path=f"{Path(sys.executable).parent}:{os.environ['PATH']}")
    if spy is None:
        sys.exit("py-spy is missing: pip install -e \".[bench]\"")
    with tempfile.TemporaryDirectory(prefix="bench-prof-") as tmp:
        raw = Path(tmp) / "samples.txt"
        cmd = [sys.executable, __file__, "--child", "--messages", str(args.messages),
               "--runs", str(args.runs)]
        if args.bootstrap:
            cmd += ["--bootstrap", args.bootstrap]
        subprocess.run([spy, "record", "-r", str(args.rate), "-f", "raw", "-o", str(raw),
                        "--threads", "--nonblocking", "--", *cmd], check=True)
        parts = summarize(raw)
    for kind, counts in parts.items():
        total = sum(counts.values())
        print(f"\n{kind} thread: {total:,} samples")
        for name, n in counts.most_common():
            print(f"  {100 * n / max(total, 1):5.1f} %  {name}")


if __name__ == "__main__":
    main()
