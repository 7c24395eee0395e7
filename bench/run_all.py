"""Runs every benchmark case, then the report: `make bench`.

Starts ONE Kafka broker (buzzline's own `kafka start` code, Kafka from the install cache) for
the Kafka cases and the Kafka half of the latency case, stops it, then runs the file, chart
and memory cases on a quieter machine. Each case script runs as a subprocess with
``--json bench/results/<case>.json`` (and ``--bootstrap`` where it takes one); a script that
does not exist yet, fails or times out is noted, and the others go on. Last, bench/report.py
writes bench/RESULTS.md and bench/throughput.png.

Run: python bench/run_all.py [--only CASE ...] [--bootstrap HOST:PORT] [--no-report]
"""

import argparse
import os
import subprocess
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import ROOT, broker  # noqa: E402

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Case:
    name: str
    script: str
    kafka: str  # "needs": only with a broker; "optional": --bootstrap when there is one; ""
    timeout: float  # seconds


# in the order they run: the broker's cases first, then it stops
CASES = [
    Case("kafka-produce", "kafka_produce.py", "needs", 240),
    Case("kafka-consume", "kafka_consume.py", "needs", 300),
    Case("latency", "latency.py", "optional", 180),
    Case("file-pipeline", "file_pipeline.py", "", 180),
    Case("chart", "chart_frames.py", "", 240),
    Case("memory", "memory.py", "", 300),
]


def run_case(case: Case, results: Path, bootstrap: str | None) -> dict:
    script = HERE / case.script
    info: dict = {"script": f"bench/{case.script}", "seconds": None}
    out = results / f"{case.name}.json"
    out.unlink(missing_ok=True)  # never report an older run's numbers as this one's
    if not script.exists():
        info["status"] = "skipped: script not written yet"
    elif case.kafka == "needs" and bootstrap is None:
        info["status"] = "skipped: no Kafka broker"
    else:
        cmd = [sys.executable, str(script), "--json", str(out)]
        if bootstrap and case.kafka:
            cmd += ["--bootstrap", bootstrap]
        print(f"\n=== {case.name}: {' '.join(cmd[1:])}", flush=True)
        started = time.perf_counter()
        try:
            code = subprocess.run(cmd, cwd=ROOT, timeout=case.timeout, check=False).returncode
            info["status"] = "ok" if code == 0 and out.exists() else f"failed (exit code {code})"
        except subprocess.TimeoutExpired:
            info["status"] = f"failed: timed out after {case.timeout:.0f} s"
        info["seconds"] = round(time.perf_counter() - started, 1)
    shown = "" if info["seconds"] is None else f" in {info['seconds']:.0f} s"
    print(f"=== {case.name}: {info['status']}{shown}", flush=True)
    return info


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=[c.name for c in CASES], metavar="CASE",
                        help=f"run only these cases ({', '.join(c.name for c in CASES)})")
    parser.add_argument("--bootstrap", help="use this broker instead of starting one")
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--no-report", action="store_true")
    args = parser.parse_args()
    cases = [c for c in CASES if not args.only or c.name in args.only]
    args.results.mkdir(parents=True, exist_ok=True)
    meta: dict = {"scripts": {}, "broker": None}
    started = time.perf_counter()
    with ExitStack() as stack:
        bootstrap = args.bootstrap
        wants_kafka = any(c.kafka == "needs" and (HERE / c.script).exists() for c in cases)
        if wants_kafka and bootstrap is None:
            print("=== starting a Kafka broker (buzzline kafka start code)", flush=True)
            began = time.perf_counter()
            try:
                bootstrap = stack.enter_context(broker(None))
                meta["broker"] = f"{broker_version()} at {bootstrap}, started in " \
                                 f"{time.perf_counter() - began:.0f} s"
            except Exception as exc:  # noqa: BLE001 - the other cases still run
                meta["broker"] = f"did not start: {exc}"
            print(f"=== broker: {meta['broker']}", flush=True)
        elif bootstrap:
            meta["broker"] = f"given: {bootstrap}"
        for case in [c for c in cases if c.kafka]:
            meta["scripts"][case.name] = run_case(case, args.results, bootstrap)
    if meta["broker"] and not args.bootstrap:
        # the broker wrote gigabytes: let the disk write them back before the file cases (a
        # file pipeline run right after the Kafka cases once measured half of a rerun's rate)
        settle = time.perf_counter()
        os.sync()
        time.sleep(2.0)
        print(f"=== broker stopped; disk synced in {time.perf_counter() - settle:.0f} s",
              flush=True)
    for case in [c for c in cases if not c.kafka]:
        meta["scripts"][case.name] = run_case(case, args.results, None)
    meta["seconds"] = round(time.perf_counter() - started, 1)
    meta_path = args.results / "_run_all.json"
    if args.only and meta_path.exists():  # keep what an earlier run said of the other cases
        earlier = orjson.loads(meta_path.read_bytes())
        meta["scripts"] = {**earlier.get("scripts", {}), **meta["scripts"]}
        meta["broker"] = meta["broker"] or earlier.get("broker")
        meta["seconds"] = sum(i["seconds"] or 0 for i in meta["scripts"].values())
    meta_path.write_bytes(orjson.dumps(meta, option=orjson.OPT_INDENT_2))
    print("\n=== times")
    for name, info in meta["scripts"].items():
        seconds = "-" if info["seconds"] is None else f"{info['seconds']:.0f} s"
        print(f"  {name:<14} {seconds:>7}  {info['status']}")
    print(f"  {'total':<14} {meta['seconds']:>5.0f} s", flush=True)
    if not args.no_report:
        subprocess.run([sys.executable, str(HERE / "report.py"), "--results", str(args.results)],
                       cwd=ROOT, check=True, env={**os.environ, "PYTHONPATH": str(ROOT)})


def broker_version() -> str:
    try:
        from buzzline.kafka.broker import broker_version as version
        from buzzline.kafka.install import default_cache_dir, install

        return f"Kafka {version(install(default_cache_dir()))}"
    except Exception:  # noqa: BLE001 - only a label
        return "Kafka"


if __name__ == "__main__":
    main()
