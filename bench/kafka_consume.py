"""Kafka -> decode -> author counts -> live bar chart at 10 fps: buzzline against what a user
would otherwise pick, on the same topic and broker in the same run (case "kafka-consume").

One topic of N buzz messages (keys: the author, 3 partitions) is written once; then each run
reads all of it with a fresh consumer group per subject:

  buzzline         `buzzline consume basic --from-beginning --count N`: a ConsumeJob in a
                   Session with its live bar chart at 10 fps (a window on a private Xvfb
                   display when there is one, else headless: chart updated at 10 fps, rendered
                   to a PNG every 2 s), its state in a local checkpoint file
                   (BUZZLINE_KAFKA_STATE=sqlite)
  buzzline, exactly once   the same with its state in the group's changelog topic, written
                   with the offsets in one Kafka transaction per checkpoint (the default)
  raw confluent-kafka (count only)   Consumer.consume(10000) loop that only counts, with
                   buzzline's fetch setting (the limit), and with librdkafka's defaults
  Quix Streams     an Application counting per author in its state store (bench/peers/quix.py;
                   the first 200,000 messages by default: it is slow enough to need a minute
                   per run for 1,000,000), with buzzline's fetch setting and with its defaults
  teaching consumer   kafka-python, json.loads and a full pyplot redraw per message (the
                   teaching project's consumer, bench/peers/kafka_python.py; 100 messages: it
                   manages about a dozen msgs/s)

buzzline and the raw loop are timed from start (group join) to close; the two peers that read
a sample are timed from their first message, so their start-up does not weigh on the shorter
run (generous to them).

Run: python bench/kafka_consume.py [--messages N] [--runs R] [--bootstrap HOST:PORT]
                                   [--json PATH] [--display auto|window|headless]
Without --bootstrap it starts a broker with buzzline's own `kafka start` code in a temp folder.
"""

import argparse
import gc
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from importlib import metadata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import confluent_kafka  # noqa: E402

from bench.common import broker, print_case, virtual_display  # noqa: E402
from bench.peers import buzz_lines, missing, raw_confluent  # noqa: E402
from bench.peers.kafka_env import bench_settings, delete_topics, end_total, fill_topic  # noqa: E402
from bench.results import CaseResult, Target  # noqa: E402
from buzzline.charts.display import window_backend  # noqa: E402
from buzzline.engine.session import SessionOptions  # noqa: E402
from buzzline.runner import ConsumeOptions, prepare  # noqa: E402
from buzzline.transports.kafka import FETCH_CONFIG, KafkaTransport  # noqa: E402

CASE = "kafka-consume"
TITLE = "Kafka -> decode -> author counts -> live bar chart at 10 fps"
BUZZLINE = "buzzline"
FROM_FIRST = "buzzline, timed from its first message (as Quix and the teaching consumer)"
EXACTLY_ONCE = "buzzline, exactly once (state and offsets in Kafka transactions)"
RAW = "raw confluent-kafka (count only)"
RAW_DEFAULT = "raw confluent-kafka (count only), librdkafka's default fetch backoff"
QUIX = "Quix Streams"
QUIX_DEFAULT = "Quix Streams, librdkafka's default fetch backoff"
TEACHING = "teaching consumer (kafka-python, redraw per message)"
PREFIX = "bench-consume-"


def targets() -> list[Target]:
    return [
        Target(">= 50 % of a raw confluent-kafka consume loop that only counts messages",
               BUZZLINE, RAW, ratio_at_least=0.5),
        Target("exactly once (state in a changelog, transactions) costs <= 25 % of the "
               "throughput", EXACTLY_ONCE, BUZZLINE, ratio_at_least=0.75),
        Target(">= 3x a Quix Streams application doing the same count by author",
               FROM_FIRST, QUIX, ratio_at_least=3.0),
        Target(">= 5,000x the teaching project's consumer (kafka-python, full redraw per "
               "message)", FROM_FIRST, TEACHING, ratio_at_least=5000.0),
    ]


def buzzline_consume(bootstrap: str, topic: str, n: int, workdir: Path, window: bool,
                     state: str = "sqlite") -> tuple[float, float, dict[str, Any]]:
    """msgs/s of `buzzline consume basic` with its live chart, timed from its start and from
    its first message (as the peers are), and the chart's frame stats; ``state``: where it
    keeps its state (BUZZLINE_KAFKA_STATE)."""
    settings = bench_settings(bootstrap, workdir,
                              BUZZ_CONSUMER_GROUP_ID=f"{PREFIX}buzzline-{uuid.uuid4().hex}",
                              BUZZLINE_KAFKA_STATE=state)
    started = time.perf_counter()
    prepared = prepare("basic", settings=settings, transport=KafkaTransport(settings),
                       produce=False,
                       consume=ConsumeOptions(topic=topic, start="beginning", count=n),
                       view=SessionOptions(
                           title="Basic: messages per author", image_name="kafka-consume",
                           output_dir=None if window else workdir / "out",
                           display="window" if window else "headless", fps=10.0, charts=True,
                           freeze_gc=True))
    (job,), session = prepared.consumers, prepared.session
    ended: list[float] = []
    first: list[float] = []

    def watch() -> None:  # the consumer's end is the time; then close the window
        while not job.read and not job.done.wait(0.001):
            pass
        first.append(time.perf_counter())  # its first batch is counted (within 1 ms)
        job.done.wait()
        ended.append(time.perf_counter())
        session.stop.set()

    threading.Thread(target=watch, daemon=True).start()
    summary = session.run()[0]
    if job.totals.messages != n:
        raise RuntimeError(f"buzzline counted {job.totals.messages:,} of {n:,} messages")
    return n / (ended[0] - started), n / (ended[0] - first[0]), summary.get("chart", {})


def quix_consume(bootstrap: str, topic: str, n: int, workdir: Path,
                 extra: dict | None = None) -> tuple[float, float]:
    """msgs/s from Quix's first message to the end of app.run, and its start-up seconds."""
    from bench.peers import quix

    started = time.perf_counter()
    counts, first = quix.count_by_author(bootstrap, topic, n, workdir / "quix-state",
                                         group=f"{PREFIX}quix-{uuid.uuid4().hex}",
                                         extra=extra)
    ended = time.perf_counter()
    if sum(counts.values()) != n:
        raise RuntimeError(f"Quix counted {sum(counts.values()):,} of {n:,} messages")
    return n / (ended - first), first - started


def raw_consume(bootstrap: str, topic: str, n: int, extra: dict | None = None) -> float:
    started = time.perf_counter()
    count = raw_confluent.consume_count(bootstrap, topic, n, extra)
    elapsed = time.perf_counter() - started
    if count < n:
        raise RuntimeError(f"raw consumer read {count:,} of {n:,} messages")
    return n / elapsed


def describe_chart(run: int, chart: dict[str, Any]) -> str:
    return (f"run {run}: buzzline chart {chart.get('mode', '?')}: {chart.get('frames', 0)} "
            f"frames at {chart.get('fps', 0):.1f} fps, mean frame "
            f"{chart.get('mean_frame_ms', 0):.1f} ms (full redraws {chart.get('full_redraws', 0)}"
            f", axes redraws {chart.get('axes_redraws', 0)})")


def versions() -> str:
    out = [f"confluent-kafka {confluent_kafka.__version__} "
           f"(librdkafka {confluent_kafka.libversion()[0]})"]
    for module, package in (("quixstreams", "quixstreams"), ("kafka", "kafka-python")):
        if missing(module) is None:
            out.append(f"{package} {metadata.version(package)}")
    return ", ".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bootstrap", help="an existing broker (default: start one)")
    parser.add_argument("--json", type=Path, help="write the CaseResult here")
    parser.add_argument("--quix-messages", type=int, default=200_000,
                        help="messages Quix Streams reads per run (at most N) [200,000]")
    parser.add_argument("--teaching-messages", type=int, default=100,
                        help="messages the teaching consumer reads per run [100]")
    parser.add_argument("--display", choices=("auto", "window", "headless"), default="auto",
                        help="buzzline's chart: a window on a private Xvfb display (auto: when "
                             "Xvfb and tkinter are there) or headless")
    args = parser.parse_args()
    began = time.perf_counter()
    n = args.messages
    n_quix = min(args.quix_messages, n)
    n_teaching = min(args.teaching_messages, n)
    result = CaseResult(CASE, TITLE, messages=n, targets=targets())
    skipped = {name: missing(module) for name, module in ((QUIX, "quixstreams"),
                                                          (TEACHING, "kafka"))}
    result.notes += [note for note in skipped.values() if note]

    lines = buzz_lines(n)
    with ExitStack() as stack:
        window = False
        if args.display != "headless" and window_backend() is not None:
            display = stack.enter_context(virtual_display())
            if display is not None:
                os.environ["DISPLAY"] = display  # this process only: buzzline draws there
                window = True
        if args.display == "window" and not window:
            print("no Xvfb or tkinter: buzzline's chart runs headless", file=sys.stderr)
        bootstrap = stack.enter_context(broker(args.bootstrap))
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-kc-")))
        settings = bench_settings(bootstrap, workdir)
        transport = KafkaTransport(settings)
        topic = f"{PREFIX}{uuid.uuid4().hex}"
        transport.ensure_topic(topic, partitions=3)
        stack.callback(delete_topics, bootstrap, [PREFIX, f"changelog__{PREFIX}"])
        fill_topic(bootstrap, topic, lines)
        if end_total(transport, topic) != n:
            raise RuntimeError(f"topic {topic} does not hold {n:,} messages")
        quix_starts: list[float] = []
        for run in range(1, args.runs + 1):
            rundir = workdir / f"run{run}"
            rate, from_first, chart = buzzline_consume(bootstrap, topic, n, rundir, window)
            # a closed window's Tk objects must be freed now, in the main thread: collected
            # later in a consumer thread, each would wait 1 s for a Tk main loop that is gone
            gc.collect()
            result.add(BUZZLINE, rate)
            result.add(FROM_FIRST, from_first)
            result.notes.append(describe_chart(run, chart))
            rate, _, _ = buzzline_consume(bootstrap, topic, n, rundir / "eos", window,
                                          state="changelog")
            gc.collect()
            result.add(EXACTLY_ONCE, rate)
            result.add(RAW, raw_consume(bootstrap, topic, n, FETCH_CONFIG))
            result.add(RAW_DEFAULT, raw_consume(bootstrap, topic, n))
            if not skipped[QUIX]:
                for name, extra in ((QUIX, FETCH_CONFIG), (QUIX_DEFAULT, None)):
                    state = rundir / ("quix" if extra else "quix-default")
                    rate, startup = quix_consume(bootstrap, topic, n_quix, state, extra)
                    result.add(name, rate)
                    quix_starts.append(startup)
                    delete_topics(bootstrap, [f"changelog__{PREFIX}"])
            if not skipped[TEACHING]:
                from bench.peers.kafka_python import teaching_consumer

                result.add(TEACHING, teaching_consumer(bootstrap, topic, n_teaching))
                gc.collect()  # its figure's Tk objects too (see buzzline_consume)
    result.notes += [
        f"{n:,} messages per run for buzzline and the raw loop (timed from start to close), "
        f"{n_quix:,} for Quix Streams and {n_teaching:,} for the teaching consumer (both timed "
        "from their first message: their start-up is not counted); buzzline is also timed "
        "from its first message, and that figure is the one compared with them",
        "buzzline's chart: " + ("a TkAgg window on a private Xvfb display (blitting)" if window
                                else "headless (updated at 10 fps, rendered every 2 s)"),
        f"versions: {versions()}",
        f"buzzline's consumer sets {FETCH_CONFIG} (librdkafka waits 1 s by default before it "
        "fetches again for a partition whose local queue once held 100,000 messages); the "
        "raw loop and Quix Streams run with the same setting, and once more with the default",
        *([f"Quix Streams start-up (not counted): median {statistics.median(quix_starts):.1f} s"]
          if quix_starts else []),
        f"script time {time.perf_counter() - began:.0f} s",
    ]
    result.save(args.json)
    print_case(result)


if __name__ == "__main__":
    main()
