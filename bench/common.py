"""What the benchmark scripts share: arguments, timing, fast input files, a subprocess
environment, a Kafka broker, a virtual display, timed chart frames and a steady-rate producer
(``python bench/common.py pace ...``)."""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import product
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from buzzline.messages import Buzz  # noqa: E402
from buzzline.sources.buzz import ACTIONS, ADJECTIVES, AUTHORS, TOPICS  # noqa: E402


def case_parser(doc: str, messages: int, runs: int = 3) -> argparse.ArgumentParser:
    """--messages, --runs and --json (the contract with bench/report.py)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n".join(doc.splitlines()[1:]))
    parser.add_argument("--messages", type=int, default=messages,
                        help=f"messages per run [{messages:,}]")
    parser.add_argument("--runs", type=int, default=runs, help=f"runs per subject [{runs}]")
    parser.add_argument("--json", type=Path, help="write the CaseResult here (bench/report.py)")
    return parser


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation; nan when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    at = (len(ordered) - 1) * q / 100
    low = int(at)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (at - low)


# -- input files, written directly (fast: 10,000,000 lines in a few seconds)

def buzz_pool() -> list[bytes]:
    """Every distinct message the basic producer can make (as ``generate_buzz`` words them)."""
    return [Buzz(message=f"I just {action} {topic}! It was {adjective}.", author=author).encode()
            for action, topic, adjective, author in product(ACTIONS, TOPICS, ADJECTIVES, AUTHORS)]


def buzz_lines(count: int, seed: int = 1) -> list[bytes]:
    return random.Random(seed).choices(buzz_pool(), k=count)


def write_buzz_file(path: Path, count: int, seed: int = 1, chunk: int = 1_000_000) -> Path:
    """``count`` buzz messages, one JSON line each."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rng, pool = random.Random(seed), buzz_pool()
    with path.open("wb") as f:
        for start in range(0, count, chunk):
            lines = rng.choices(pool, k=min(chunk, count - start))
            f.write(b"\n".join(lines) + b"\n")
    return path


COOK = 5_760  # readings per cook (one a second): climb, a 40-minute stall, climb


def _smoker_day(seed: int) -> list[bytes]:
    """One day of readings (86,400, one a second) dated 2025-01-01: 15 cooks of ``COOK``
    readings, each with one stall the stall analytic finds (the climb is ~0.05 °F a reading,
    the stall stays within 0.2 °F over its 10-reading window)."""
    rng = random.Random(seed)
    lines, temperature = [], 70.0
    for i in range(86_400):
        at = i % COOK
        if at == 0:
            temperature = 70.0
        elif 1_800 <= at < 4_200:
            temperature += rng.uniform(-0.01, 0.01)
        else:
            temperature += 0.05 + rng.uniform(-0.02, 0.02)
        stamp = f"2025-01-01 {i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d}"
        lines.append(b'{"timestamp":"%s","temperature":%.2f}' % (stamp.encode(), temperature))
    return lines


def write_smoker_file(path: Path, count: int, seed: int = 1) -> Path:
    """``count`` smoker readings, one a second from 2025-01-01 00:00:00 (a day's block of
    lines re-dated for each day)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    day = _smoker_day(seed)
    block = b"\n".join(day) + b"\n"
    first = date(2025, 1, 1)
    with path.open("wb") as f:
        for n, start in enumerate(range(0, count, len(day))):
            stamp = (first + timedelta(days=n)).isoformat().encode()
            left = count - start
            part = block if left >= len(day) else b"\n".join(day[:left]) + b"\n"
            f.write(part.replace(b"2025-01-01", stamp) if n else part)
    return path


# -- subprocesses

def bench_env(workdir: Path, **extra: str) -> dict[str, str]:
    """An environment for a buzzline subprocess: this checkout first, files under ``workdir``,
    no settings of the caller's (BUZZ*, KAFKA_*...)."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("BUZZ", "SMOKER_", "PROJECT_", "KAFKA_", "BASIC_"))}
    env.update(PYTHONPATH=str(ROOT), BUZZLINE_DATA_DIR=str(workdir / "data"),
               BUZZLINE_LOG_DIR=str(workdir / "logs"), BUZZLINE_OUTPUT_DIR=str(workdir / "out"),
               PYTHONUNBUFFERED="1")
    env.update(extra)
    return env


@contextmanager
def broker(bootstrap: str | None = None) -> Iterator[str]:
    """``bootstrap`` itself, or a one-node broker started with buzzline's own ``kafka start``
    code (Kafka installed into the usual cache) in a temporary folder, stopped at the end."""
    if bootstrap:
        yield bootstrap
        return
    from buzzline.kafka.broker import start, stop
    from buzzline.kafka.config import BrokerConfig
    from buzzline.kafka.install import default_cache_dir, install
    from buzzline.kafka.process import free_port

    with tempfile.TemporaryDirectory(prefix="buzzline-bench-kafka-") as tmp:
        port = free_port()
        controller = free_port()
        while controller == port:
            controller = free_port()
        config = BrokerConfig(data_dir=Path(tmp), port=port, controller_port=controller)
        info = start(install(default_cache_dir()), config)
        try:
            yield info.address
        finally:
            stop(config)


@contextmanager
def virtual_display() -> Iterator[str | None]:
    """A private Xvfb display (":N") for window-mode charts, or None without Xvfb."""
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        yield None
        return
    for number in range(140, 200):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        proc = subprocess.Popen([xvfb, f":{number}", "-screen", "0", "1600x1000x24", "-dpi", "96",
                                 "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.05)
        if proc.poll() is not None:
            continue
        try:
            yield f":{number}"
        finally:
            proc.terminate()
            proc.wait(timeout=10)
        return
    yield None


def window_toolkit() -> bool:
    """True when matplotlib can open a window here (tkinter or Qt importable)."""
    from buzzline.charts.display import window_backend

    return window_backend() is not None


# -- printing a case

def print_case(result: object) -> None:
    """One line per subject: median (min-max) in the case's unit, then each target."""
    from bench.results import CaseResult

    assert isinstance(result, CaseResult)
    print(f"{result.title} [{result.case}]")
    for name, values in result.subjects.items():
        if values:
            print(f"  {name:<58} {statistics.median(values):>14,.2f} {result.unit} "
                  f"({min(values):,.2f}-{max(values):,.2f}, {len(values)} runs)")
    medians = result.medians()
    for target in result.targets:
        value, met = target.check(medians)
        verdict = "n/a" if met is None else ("MET" if met else "NOT MET")
        shown = "-" if value is None else f"{value:,.3g}"
        print(f"  target: {target.text}: {shown} {verdict}")
    for note in result.notes:
        print(f"  note: {note}")


# -- timing a live view's frames (Session + LiveView, headless or in a window)

class FrameTimes:
    """Each frame's start and end (perf_counter seconds) and each chart snapshot's time and
    value (``measure(snapshot)``, e.g. the messages a bar chart shows).

    LiveView has no public end-of-frame hook (``on_frame`` runs before the frame draws, and
    Session.run sets it to the status line), so ``attach`` wraps the view's ``finished``
    (called as each frame starts) and ``_maybe_save`` (called as each frame's drawing ends,
    in a window after the blit) and each chart's ``snapshot``."""

    def __init__(self, measure: Callable[[object], float] | None = None,
                 clock: Callable[[], float] = time.perf_counter,
                 on_end: Callable[[int], None] | None = None) -> None:
        self.measure, self.clock, self.on_end = measure, clock, on_end
        self.starts: list[float] = []
        self.ends: list[float] = []
        self.snaps: list[tuple[float, float]] = []  # (time, measure(snapshot))

    def attach(self, view: object) -> None:
        finished, save = view.finished, view._maybe_save  # type: ignore[attr-defined]
        clock = self.clock

        def frame_start() -> bool:
            self.starts.append(clock())
            return finished()

        def frame_end(final: bool = False) -> None:
            save(final=final)
            if not final:
                self.ends.append(clock())
                if self.on_end is not None:
                    self.on_end(len(self.ends))

        view.finished, view._maybe_save = frame_start, frame_end  # type: ignore[attr-defined]
        for chart in view.charts():  # type: ignore[attr-defined]
            self._wrap(chart)

    def _wrap(self, chart: object) -> None:
        snapshot, measure = chart.snapshot, self.measure  # type: ignore[attr-defined]

        def timed_snapshot() -> object:
            snap = snapshot()
            if measure is not None:
                self.snaps.append((self.clock(), measure(snap)))
            return snap

        chart.snapshot = timed_snapshot  # type: ignore[attr-defined]

    def durations_ms(self, since: float = float("-inf")) -> list[float]:
        """Each whole frame's time, start to end of drawing (of the frames from ``since``)."""
        out, ends = [], iter(self.ends)
        for start in self.starts:
            if start < since:
                continue
            for end in ends:
                if end >= start:
                    out.append((end - start) * 1000)
                    break
        return out


def timed_session(frames: FrameTimes) -> type:
    """A buzzline Session class whose view reports to ``frames`` (for ``runner.prepare``'s
    ``session_type``)."""
    from buzzline.engine.session import Session

    class TimedSession(Session):
        def _make_view(self):  # noqa: ANN202 - Session's own signature
            view = super()._make_view()
            if view is not None:
                frames.attach(view)
            return view

    return TimedSession


# -- a producer at a steady rate, in its own process: python bench/common.py pace ...

def stamped_buzz(seq: int) -> bytes:
    """A buzz message that carries its sequence number and send time (time.time())."""
    return b'{"message":"%d %.6f","author":"%s"}' % (seq, time.time(), AUTHORS[seq % 4].encode())


def sent_stamp(message: str) -> tuple[int, float]:
    seq, sent = message.split(" ", 1)
    return int(seq), float(sent)


def pace(args: argparse.Namespace) -> None:
    """Send ``count`` messages at ``rate`` a second (in bursts of the ones due, then a flush)
    with buzzline's own transport producer: the lines of ``source`` after its first ``skip``,
    or stamped buzz messages; start when ``go`` exists, if given."""
    from itertools import islice

    from buzzline.settings import load_settings
    from buzzline.transports import create_transport

    env = {"BUZZLINE_DATA_DIR": str(args.data), "KAFKA_PARTITIONS": "1"}
    if args.bootstrap:
        env["KAFKA_BROKER_ADDRESS"] = args.bootstrap
    settings = load_settings(environ=env, env_file=None)
    transport = create_transport(args.transport, settings)
    if args.source:
        with args.source.open("rb") as f:
            lines = [line.rstrip(b"\n") for line in islice(f, args.skip, args.skip + args.count)]
        count = len(lines)
        make: Callable[[int], bytes] = lines.__getitem__
    else:
        first = args.first_seq

        def make(seq: int) -> bytes:
            return stamped_buzz(first + seq)

        count = args.count
    key = args.key.encode() if args.key else None
    with transport.producer(args.topic) as producer:
        if args.go:
            while not args.go.exists():
                time.sleep(0.005)
        clock = time.perf_counter
        start, sent = clock(), 0
        while sent < count:
            due = min(count, int((clock() - start) * args.rate) + 1)
            while sent < due:
                producer.send(make(sent), key)
                sent += 1
            if args.transport == "file":  # Kafka sends on its own within linger.ms
                producer.flush()
            time.sleep(max(0.0, start + sent / args.rate - clock()))
    transport.close()


def pace_command(data: Path, topic: str, rate: float, count: int,
                 source: Path | None = None, skip: int = 0, key: str | None = None,
                 first_seq: int = 0, go: Path | None = None, transport: str = "file",
                 bootstrap: str | None = None) -> list[str]:
    """The command line of a ``pace`` process (stamped buzz messages unless ``source``)."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "pace", "--data", str(data),
           "--topic", topic, "--rate", str(rate), "--count", str(count),
           "--transport", transport]
    if source is not None:
        cmd += ["--source", str(source), "--skip", str(skip)]
    for name, value in (("--key", key), ("--first-seq", first_seq), ("--go", go),
                        ("--bootstrap", bootstrap)):
        if value:
            cmd += [name, str(value)]
    return cmd


if __name__ == "__main__":
    _parser = argparse.ArgumentParser(description="bench helpers")
    _sub = _parser.add_subparsers(dest="command", required=True)
    _pace = _sub.add_parser("pace", help="send messages at a steady rate")
    _pace.add_argument("--data", type=Path, required=True)
    _pace.add_argument("--topic", required=True)
    _pace.add_argument("--rate", type=float, default=1000.0)
    _pace.add_argument("--count", type=int, required=True)
    _pace.add_argument("--source", type=Path, help="send these lines (default: stamped buzz)")
    _pace.add_argument("--skip", type=int, default=0, help="after the first SKIP lines")
    _pace.add_argument("--key")
    _pace.add_argument("--first-seq", type=int, default=0, help="stamped: the first number")
    _pace.add_argument("--go", type=Path)
    _pace.add_argument("--transport", default="file")
    _pace.add_argument("--bootstrap")
    pace(_parser.parse_args())
