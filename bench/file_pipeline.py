"""File transport throughput: producer -> data/<topic>.jsonl -> consumer -> decode -> author counts.

Subjects (msgs/s, each run on a fresh folder; the target is on "buzzline"):
  buzzline                 `buzzline produce basic --interval 0 --count N` in another process
                           while a ConsumeJob (basic app: decode, validate, author counts,
                           checkpoints every second) follows the file, until all N are counted;
                           timed from the producer's start (its interpreter start included)
  buzzline producer alone  that `buzzline produce basic` process by itself (start to exit)
  buzzline consumer alone  that ConsumeJob over the finished file
  raw pipeline (limit)     the same path with no framework and no message objects: a writer
                           process appending ready-made lines (256 KiB writes) and a reader in
                           this process that follows the file (1 MiB reads, split,
                           orjson.loads, Counter of the authors)
  raw write / raw read     the two halves of it: file.write of ready lines; read + orjson.loads
                           + Counter of a finished file

Run: python bench/file_pipeline.py [--messages N] [--runs R] [--json PATH]  (make bench runs it)
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, bench_env, buzz_lines, case_parser, print_case, timed  # noqa: E402
from bench.results import CaseResult, Target  # noqa: E402

TOPIC = "buzz_live"
OURS, PRODUCER, CONSUMER = "buzzline", "buzzline producer alone", "buzzline consumer alone"
RAW, RAW_WRITE, RAW_READ = "raw pipeline (limit)", "raw write", "raw read + orjson + Counter"


def raw_writer(path: Path, count: int) -> None:
    """The raw producer: ready-made lines (no message objects), whole-line appends of 256 KiB
    (the limit: what a producer process can hand the file at most)."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    buf = bytearray()
    for line in buzz_lines(count, seed=3):
        buf += line
        buf += b"\n"
        if len(buf) > 262_144:
            os.write(fd, buf)
            buf.clear()
    os.write(fd, buf)
    os.close(fd)


def raw_follow(path: Path, count: int) -> Counter:
    """The raw consumer: follow the file until ``count`` messages are counted."""
    while not path.exists():
        time.sleep(0.005)
    authors: Counter = Counter()
    seen, tail, loads = 0, b"", orjson.loads
    with path.open("rb", buffering=0) as f:
        while seen < count:
            chunk = f.read(1_048_576)
            if not chunk:
                time.sleep(0.005)
                continue
            lines = (tail + chunk).split(b"\n")
            tail = lines.pop()
            authors.update(loads(line)["author"] for line in lines)
            seen += len(lines)
    return authors


def consume_all(data: Path, n: int) -> None:
    from buzzline.runner import ConsumeOptions, prepare
    from buzzline.settings import Settings
    from buzzline.transports.file import FileTransport

    # the consumer job alone, in this thread (no session: nothing else is timed)
    (job,) = prepare("basic", settings=Settings(data_dir=data), transport=FileTransport(data),
                     produce=False, consume=ConsumeOptions(topic=TOPIC, start="beginning",
                                                           count=n)).consumers
    job.run()
    assert job.totals.messages == n, (job.totals.messages, n)


def produce_process(workdir: Path, n: int) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "buzzline", "--log-level", "WARNING", "produce", "basic",
         "--interval", "0", "--count", str(n), "--seed", "3"], cwd=workdir,
        env=bench_env(workdir), stdout=subprocess.DEVNULL)


def run_once(result: CaseResult, n: int, workdir: Path, lines: list[bytes]) -> None:
    data = workdir / "data"

    def fresh() -> None:
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)

    def add(subject: str, seconds: float) -> None:
        result.add(subject, n / seconds)

    fresh()

    def pipeline() -> None:
        producer = produce_process(workdir, n)
        consume_all(data, n)
        assert producer.wait(timeout=600) == 0

    add(OURS, timed(pipeline))
    fresh()
    add(PRODUCER, timed(lambda: produce_process(workdir, n).wait(timeout=600)))
    add(CONSUMER, timed(lambda: consume_all(data, n)))
    fresh()
    topic_file = data / f"{TOPIC}.jsonl"

    def raw_pipeline() -> None:
        writer = subprocess.Popen([sys.executable, __file__, "--raw-writer", str(topic_file),
                                   "--messages", str(n)], env=bench_env(workdir))
        authors = raw_follow(topic_file, n)
        assert writer.wait(timeout=600) == 0 and authors.total() == n

    add(RAW, timed(raw_pipeline))
    raw = workdir / "raw.jsonl"

    def raw_write() -> None:
        with raw.open("wb") as f:
            for line in lines:
                f.write(line + b"\n")

    add(RAW_WRITE, timed(raw_write))

    def raw_read() -> None:
        authors: Counter = Counter()
        loads = orjson.loads
        with raw.open("rb") as f:
            authors.update(loads(line)["author"] for line in f)
        assert authors.total() == n

    add(RAW_READ, timed(raw_read))
    raw.unlink()


def main() -> None:
    parser = case_parser(__doc__, messages=1_000_000)
    parser.add_argument("--raw-writer", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.raw_writer:
        raw_writer(args.raw_writer, args.messages)
        return
    started = time.perf_counter()
    result = CaseResult(
        case="file-pipeline", title="File transport: producer -> file -> consumer -> counts",
        messages=args.messages, limit=RAW, primary=OURS,
        params={"messages": args.messages, "runs": args.runs, "root": str(ROOT)},
        targets=[Target(">= 300,000 msgs/s end to end", OURS, value_at_least=300_000)])
    lines = buzz_lines(args.messages)
    with tempfile.TemporaryDirectory(prefix="buzzline-bench-file-") as tmp:
        for _ in range(args.runs):
            run_once(result, args.messages, Path(tmp), lines)
    medians = result.medians()
    slowest = min((PRODUCER, CONSUMER), key=lambda s: medians[s])
    startup = timed(lambda: subprocess.run([sys.executable, "-m", "buzzline", "--version"],
                                           env=bench_env(Path(tempfile.gettempdir())),
                                           check=True, stdout=subprocess.DEVNULL))
    result.notes += [
        f"{args.messages:,} buzz messages per run. End to end includes the producer "
        f"process's start (`python -m buzzline --version` takes {startup:.2f} s here).",
        f"The slower half of buzzline's pipeline is the {slowest.split()[1]} "
        f"({medians[slowest]:,.0f} msgs/s alone): the end-to-end rate cannot beat it.",
        "The producer and the consumer share this machine's 2 cores (the raw pipeline too).",
    ]
    result.seconds = round(time.perf_counter() - started, 1)
    result.save(args.json)
    print_case(result)


if __name__ == "__main__":
    main()
