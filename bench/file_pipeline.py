"""File transport throughput: producer -> data/<topic>.jsonl -> consumer -> decode -> author counts.

Each case is timed against a baseline measured in the same run (ratios, not absolute claims):
  produce   FileProducer.send of encoded messages   vs  plain file.write of the same lines
  consume   ConsumeJob (poll, decode, validate, counts) vs  for-line-in-file + orjson.loads
  pipeline  `buzzline produce basic --interval 0` in another process while a ConsumeJob
            counts what it writes, until all N are counted (the end-to-end figure)

Run: python bench/file_pipeline.py [--messages N] [--runs R]   (make bench runs it)
"""

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import print_table, repeat, timed  # noqa: E402
from buzzline.apps import get_app  # noqa: E402
from buzzline.engine.consume import ConsumeJob  # noqa: E402
from buzzline.settings import Settings  # noqa: E402
from buzzline.sources.buzz import generate_buzz  # noqa: E402
from buzzline.transports.file import FileTransport  # noqa: E402


def consume_all(data_dir: Path, n: int) -> ConsumeJob:
    settings = Settings(data_dir=data_dir)
    job = ConsumeJob(get_app("basic"), settings, FileTransport(data_dir), "buzz_live",
                     start="beginning", count=n)
    job.run()
    assert job.totals.messages == n, (job.totals.messages, n)
    return job


def run_once(n: int, workdir: Path, lines: list[bytes]) -> dict[str, tuple[float, float]]:
    """{case: (buzzline seconds, baseline seconds)}."""
    data = workdir / "data"
    data.mkdir(parents=True, exist_ok=True)
    topic_file = data / "buzz_live.jsonl"
    topic_file.unlink(missing_ok=True)

    def produce() -> None:
        with FileTransport(data).producer("buzz_live") as producer:
            for line in lines:
                producer.send(line)

    def raw_write() -> None:
        with (workdir / "raw.jsonl").open("wb") as f:
            for line in lines:
                f.write(line + b"\n")

    results = {"produce": (timed(produce), timed(raw_write))}

    def raw_read() -> None:
        count = 0
        with topic_file.open("rb") as f:
            for line in f:
                orjson.loads(line)
                count += 1
        assert count == n

    results["consume"] = (timed(lambda: consume_all(data, n)), timed(raw_read))
    topic_file.unlink()

    def pipeline() -> None:
        env = {"PYTHONPATH": str(ROOT), "BUZZLINE_DATA_DIR": str(data),
               "BUZZLINE_LOG_DIR": str(workdir / "logs"), "PATH": "/usr/bin:/bin"}
        producer = subprocess.Popen(
            [sys.executable, "-m", "buzzline", "--log-level", "WARNING", "produce", "basic",
             "--interval", "0", "--count", str(n)], cwd=workdir, env=env,
            stdout=subprocess.DEVNULL)
        consume_all(data, n)
        assert producer.wait(timeout=600) == 0

    results["pipeline"] = (timed(pipeline), results["consume"][1] + results["produce"][1])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    lines = [m.encode() for m in generate_buzz(random.Random(1), args.messages)]
    with tempfile.TemporaryDirectory() as tmp:
        results = repeat(args.runs, lambda: run_once(args.messages, Path(tmp), lines))
    print_table("file transport", args.messages, results, "baseline msgs/s")


if __name__ == "__main__":
    main()
