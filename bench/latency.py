"""Latency at 1,000 msgs/s: produce -> counted (p50, p99; target p99 <= 50 ms) and produce ->
on screen (p99; target <= one frame at 10 fps + 50 ms = 150 ms), over the file transport (and
Kafka with --bootstrap).

Each run is a fresh consumer process: a buzzline Session (10 fps) with one ConsumeJob of a
bench app, the basic app plus one analytic (author counts, batches, totals, bar chart; and
"latency", which notes when each message is counted). A producer process (buzzline's own
transport producer) sends 1,000 stamped buzz messages a second, each carrying its sequence
number and send time (time.time()) in its text. The topic already holds --history earlier
messages, which the consumer reads first (a consumer that has been running a while: its bars
are in the thousands, so the chart no longer rescales every second, as it does in the first
seconds of a fresh start); the producer starts once they are counted and the window is up
(Kafka: once the consumer holds its partition; the topic has one partition, so order is kept).
--fresh-runs runs without history are reported apart ("file, fresh start").
  counted    when the latency analytic's update sees the message (after decoding; the
             consumer waits between batches while a frame draws, as in the app)
  on screen  the end of the first frame whose bar chart snapshot includes it (the bars sum to
             at least its sequence number + 1): in a TkAgg window on a private Xvfb display,
             after the blit; headless (no Xvfb), after the frame's artists are updated
Messages sent in the first --warmup seconds are left out of the percentiles.

Run: python bench/latency.py [--seconds S] [--runs R] [--history N] [--fresh-runs R]
                             [--bootstrap HOST:PORT] [--json PATH]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from array import array
from collections.abc import Sequence
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    AUTHORS,
    ROOT,
    FrameTimes,
    case_parser,
    pace_command,
    percentile,
    print_case,
    sent_stamp,
    timed_session,
    virtual_display,
    window_toolkit,
)
from bench.results import CaseResult, Target  # noqa: E402

RATE = 1000
FPS = 10.0


class Recorder:
    """Sequence number, send time and counted time of each message (time.time() seconds)."""

    def __init__(self) -> None:
        self.seq, self.sent, self.counted = array("q"), array("d"), array("d")

    def add(self, messages: Sequence[Any]) -> None:
        now = time.time()
        for message in messages:
            seq, sent = sent_stamp(message.message)
            if not sent:  # the history written before the measurement
                continue
            self.seq.append(seq)
            self.sent.append(sent)
            self.counted.append(now)


def latency_app(recorder: Recorder) -> Any:
    """The basic app with one more analytic, "latency" (records into ``recorder``)."""
    from buzzline.analytics.base import Analytic
    from buzzline.apps.basic import BUZZ, BUZZ_ANALYTICS, basic
    from buzzline.streams import Setting, Stream
    from buzzline.streams.spec import Spec

    class Stamps(Analytic):
        name = "latency"

        def update(self, messages: Sequence[Any]) -> list:
            recorder.add(messages)
            return []

        def result(self) -> dict[str, Any]:
            return {}

        def state(self) -> dict[str, Any]:
            return {}

        def load_state(self, state: dict[str, Any]) -> None:
            pass

        def combine(self, parts: Sequence[Any]) -> None:
            pass

    stamps = Spec("latency", (), lambda clock, kind, settings: Stamps(), {})
    return Stream("latency", title="Latency bench: messages per author", source=basic.source,
                  topic=Setting("basic_topic"),
                  **{**BUZZ, "analytics": {**BUZZ_ANALYTICS, "latency": stamps}})


def on_screen_times(recorder: Recorder, frames: FrameTimes) -> list[float]:
    """For each message (in sequence order): the end of the first frame that drew it (nan if
    none did)."""
    ends = sorted(frames.ends)
    out, at_snap, at_end = [], 0, 0
    snaps = frames.snaps
    for seq in sorted(recorder.seq):
        while at_snap < len(snaps) and snaps[at_snap][1] < seq + 1:
            at_snap += 1
        if at_snap == len(snaps):
            out.append(float("nan"))
            continue
        shown = snaps[at_snap][0]
        while at_end < len(ends) and ends[at_end] < shown:
            at_end += 1
        out.append(ends[at_end] if at_end < len(ends) else float("nan"))
    return out


def child(transport_name: str, bootstrap: str | None, seconds: float, warmup: float,
          history: int, out: Path, poll_ms: float | None = None) -> None:
    from buzzline.engine.session import SessionOptions
    from buzzline.runner import ConsumeOptions, prepare
    from buzzline.settings import load_settings
    from buzzline.transports import create_transport

    with tempfile.TemporaryDirectory(prefix="buzzline-bench-latency-") as tmp:
        work = Path(tmp)
        data = work / "data"
        data.mkdir()
        env = {"BUZZLINE_DATA_DIR": str(data), "KAFKA_PARTITIONS": "1"}
        if bootstrap:
            env["KAFKA_BROKER_ADDRESS"] = bootstrap
        settings = load_settings(environ=env, env_file=None)
        recorder = Recorder()
        app = latency_app(recorder)
        topic = f"latency-{uuid.uuid4().hex[:12]}"
        transport = create_transport(transport_name, settings)
        if poll_ms is not None and transport_name == "file":  # a diagnostic
            from buzzline.transports.file import FileTransport

            transport = FileTransport(data, poll_interval=poll_ms / 1000)
        with transport.producer(topic) as producer:  # earlier messages (sent time 0)
            for seq in range(history):
                producer.send(b'{"message":"%d 0","author":"%s"}'
                              % (seq, AUTHORS[seq % 4].encode()))
        window = bool(os.environ.get("DISPLAY"))
        options = SessionOptions(title=app.title, image_name="latency",
                                 output_dir=None if window else work / "out",
                                 display="window" if window else "headless", fps=FPS,
                                 freeze_gc=True)
        frames = FrameTimes(measure=lambda snap: sum(v for _, v in snap[0]), clock=time.time,
                            on_end=lambda n: frame_ended(n))
        prepared = prepare(app, settings=settings, transport=transport, produce=False,
                           consume=ConsumeOptions(topic=topic, start="beginning"), view=options,
                           session_type=timed_session(frames))
        (job,), session = prepared.consumers, prepared.session
        ready = threading.Event()
        if transport_name == "file":
            ready.set()
        else:  # go once the group has handed this consumer its partition
            assigned = job.assigned

            def on_assigned(bounds: dict[int, tuple[int, int]]) -> dict[int, int]:
                ready.set()
                return assigned(bounds)

            job.assigned = on_assigned  # type: ignore[method-assign]
        go = work / "go"
        count = int(RATE * seconds)

        def frame_ended(n: int) -> None:
            if n >= 3 and ready.is_set() and job.read >= history and not go.exists():
                go.touch()

        checkpoints: list[tuple[float, float]] = []  # (start, end) of each checkpoint save
        save = job.state.checkpoint

        def timed_checkpoint(*args: Any, **kwargs: Any) -> dict[int, int]:
            began = time.time()
            try:
                return save(*args, **kwargs)
            finally:
                checkpoints.append((began, time.time()))

        job.state.checkpoint = timed_checkpoint  # type: ignore[method-assign]
        producer = subprocess.Popen(pace_command(data, topic, RATE, count, first_seq=history, go=go,
                                                 transport=transport_name, bootstrap=bootstrap))

        def stop_when_done() -> None:
            producer.wait()
            deadline = time.monotonic() + 15
            while len(recorder.seq) < count and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(3 / FPS)  # the frames that draw the last ones
            session.stop.set()

        threading.Thread(target=stop_when_done, daemon=True).start()
        session.run()
        if producer.poll() is None:
            producer.terminate()
        shown = on_screen_times(recorder, frames)
        order = sorted(range(len(recorder.seq)), key=recorder.seq.__getitem__)
        first = min(recorder.sent, default=0.0)
        counted, screen, late = [], [], []
        for index, shown_at in zip(order, shown, strict=True):
            sent = recorder.sent[index]
            if sent - first < warmup:
                continue
            counted.append((recorder.counted[index] - sent) * 1000)
            screen.append((shown_at - sent) * 1000)
            if counted[-1] > 50:
                late.append((sent, recorder.counted[index]))
        missing = sum(1 for s in screen if s != s)
        screen = [s for s in screen if s == s]
        durations = frames.durations_ms()
        # what the messages counted more than 50 ms after their sending waited on
        spans = list(zip(frames.starts, frames.ends, strict=False))
        long_frames = [(a, b) for a, b in spans if b - a > 0.04]
        blame = {"a frame over 40 ms": 0, "a checkpoint": 0, "neither": 0}
        for sent, at in late:
            if any(a < at and b > sent for a, b in long_frames):
                blame["a frame over 40 ms"] += 1
            elif any(a < at and b > sent for a, b in checkpoints):
                blame["a checkpoint"] += 1
            else:
                blame["neither"] += 1
        saves = [(b - a) * 1000 for a, b in checkpoints]
        out.write_bytes(orjson.dumps({
            "late": len(late), "blame": blame, "checkpoints": len(saves),
            "checkpoint_p50": percentile(saves, 50), "checkpoint_max": max(saves, default=0),
            "mode": session.mode, "messages": len(recorder.seq), "measured": len(counted),
            "not_shown": missing, "counted_p50": percentile(counted, 50),
            "counted_p99": percentile(counted, 99), "counted_max": max(counted, default=0),
            "screen_p50": percentile(screen, 50), "screen_p99": percentile(screen, 99),
            "screen_max": max(screen, default=0), "frame_p50": percentile(durations, 50),
            "frame_p99": percentile(durations, 99), "fps": session.view.stats()["fps"]}))


def main() -> None:
    parser = case_parser(__doc__, messages=RATE * 8, runs=3)
    parser.add_argument("--seconds", type=float, default=None,
                        help="seconds of sending per run [--messages / 1,000]")
    parser.add_argument("--warmup", type=float, default=0.5,
                        help="leave out messages sent in the first SECONDS [0.5]")
    parser.add_argument("--history", type=int, default=20_000,
                        help="messages already on the topic, read before the measurement (a "
                             "consumer that has been running: its chart no longer rescales "
                             "every second) [20,000]")
    parser.add_argument("--fresh-runs", type=int, default=1,
                        help="runs over the file from a fresh start (no history), reported "
                             "apart [1]")
    parser.add_argument("--bootstrap", help="also measure over Kafka on this broker")
    parser.add_argument("--headless", action="store_true", help="never open a window")
    parser.add_argument("--poll-ms", type=float,
                        help="diagnostic: the file consumer's poll interval (buzzline's default "
                             "FileTransport poll_interval otherwise)")
    parser.add_argument("--child", nargs=3, metavar=("TRANSPORT", "HISTORY", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    seconds = args.seconds if args.seconds is not None else args.messages / RATE
    if args.child:
        child(args.child[0], args.bootstrap, seconds, args.warmup, int(args.child[1]),
              Path(args.child[2]), args.poll_ms)
        return
    started = time.perf_counter()
    transports = ["file"] + (["kafka"] if args.bootstrap else [])
    frame_ms = 1000 / FPS
    result = CaseResult(
        case="latency", title="Latency at 1,000 msgs/s: produce -> counted, produce -> on screen",
        unit="ms", higher_is_better=False, messages=int(seconds * RATE),
        primary="file: produce -> counted p99",
        params={"rate": RATE, "seconds per run": seconds, "runs": args.runs,
                "history messages": args.history, "fresh-start runs": args.fresh_runs,
                "warmup seconds": args.warmup, "fps": FPS, "transports": transports})
    for name in transports:
        result.targets += [
            Target(f"{name}: produce -> counted p99 <= 50 ms", f"{name}: produce -> counted p99",
                   value_at_most=50.0),
            Target(f"{name}: produce -> on screen p99 <= one frame ({frame_ms:.0f} ms) + 50 ms",
                   f"{name}: produce -> on screen p99", value_at_most=frame_ms + 50)]
    details: dict[str, list[dict]] = {}
    windowed = not args.headless and window_toolkit()
    with tempfile.TemporaryDirectory(prefix="buzzline-bench-latency-") as tmp, \
            virtual_display() if windowed else nullcontext() as display:
        env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
        env["PYTHONPATH"] = str(ROOT)
        if display:
            env["DISPLAY"] = display
        out = Path(tmp) / "out.json"
        plan = [(name, name, args.history) for _ in range(args.runs) for name in transports]
        plan += [("file", "file, fresh start", 0)] * args.fresh_runs
        for transport, name, history in plan:
            cmd = [sys.executable, __file__, "--seconds", str(seconds), "--warmup",
                   str(args.warmup), "--child", transport, str(history), str(out)]
            if args.bootstrap:
                cmd += ["--bootstrap", args.bootstrap]
            if args.poll_ms is not None:
                cmd += ["--poll-ms", str(args.poll_ms)]
            subprocess.run(cmd, env=env, check=True, timeout=seconds + 180,
                           stdout=subprocess.DEVNULL)
            m = orjson.loads(out.read_bytes())
            details.setdefault(name, []).append(m)
            result.add(f"{name}: produce -> counted p50", m["counted_p50"])
            result.add(f"{name}: produce -> counted p99", m["counted_p99"])
            result.add(f"{name}: produce -> on screen p50", m["screen_p50"])
            result.add(f"{name}: produce -> on screen p99", m["screen_p99"])
    modes = {m["mode"] for runs in details.values() for m in runs}
    result.notes.append(
        "On screen = after the blit of a TkAgg window on a private Xvfb display."
        if modes == {"window"} else
        "Headless (no Xvfb or window toolkit): 'on screen' is the end of the frame that "
        "updated the chart's artists (a PNG is rendered only every 2 s).")
    for name, runs in details.items():
        blame: dict[str, int] = {}
        for m in runs:
            for what, n in m["blame"].items():
                blame[what] = blame.get(what, 0) + n
        late = sum(m["late"] for m in runs)
        result.notes.append(
            f"{name}: {sum(m['measured'] for m in runs):,} messages measured over "
            f"{len(runs)} runs; worst counted {max(m['counted_max'] for m in runs):.1f} ms, "
            f"worst on screen {max(m['screen_max'] for m in runs):.1f} ms; frames p50 "
            f"{min(m['frame_p50'] for m in runs):.1f}-{max(m['frame_p50'] for m in runs):.1f}"
            f" ms, p99 up to {max(m['frame_p99'] for m in runs):.1f} ms, at "
            f"{min(m['fps'] for m in runs):.1f}-{max(m['fps'] for m in runs):.1f} fps"
            + (f"; {sum(m['not_shown'] for m in runs)} never drawn"
               if any(m["not_shown"] for m in runs) else ""))
        if late:
            result.notes.append(
                f"{name}: {late:,} messages counted more than 50 ms after sending; while they "
                "waited, the consumer was held by "
                + ", ".join(f"{what}: {n:,}" for what, n in blame.items())
                + " (the consumer waits between batches while a frame draws); checkpoint saves "
                f"took {statistics.median(m['checkpoint_p50'] for m in runs):.1f} ms (median), "
                f"{max(m['checkpoint_max'] for m in runs):.1f} ms at most")
    if args.poll_ms is not None:
        result.notes.append(f"DIAGNOSTIC run: the file consumer polls every {args.poll_ms:g} ms "
                            "instead of buzzline's default.")
    result.seconds = round(time.perf_counter() - started, 1)
    result.save(args.json)
    print_case(result)


if __name__ == "__main__":
    main()
