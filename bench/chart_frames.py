"""Chart frame time: the live charts' time per frame while messages flow at full speed, against
the same at 1,000 msgs/s (target: full speed / 1,000 msgs/s <= 1.2).

Each measurement is a fresh process running buzzline's own Session + LiveView (10 fps) with one
ConsumeJob over the file transport, for --seconds:
  bar chart   the basic app (decode, author counts, bar chart)
  line chart  the csv app (decode, stall detector, bounded line series, line chart)
  full speed  the topic file already holds --messages messages; the consumer reads from its
              beginning as fast as it can while the frames draw
  1,000/s     a producer process (buzzline's FileProducer) appends 1,000 messages a second
The frames are drawn in a real window (TkAgg) on a private Xvfb display when Xvfb and tkinter
are there -- blitting, as a user sees it; otherwise headless (Agg: the artists are updated each
frame and a PNG is rendered every 2 s), which the notes say. The value per run is LiveView's
own stats()["mean_frame_ms"] (time from a frame's start to the end of its drawing).

Run: python bench/chart_frames.py [--messages N] [--runs R] [--seconds S] [--json PATH]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import (  # noqa: E402
    ROOT,
    FrameTimes,
    bench_session,
    case_parser,
    pace_command,
    percentile,
    print_case,
    virtual_display,
    window_toolkit,
    write_buzz_file,
    write_smoker_file,
)
from bench.results import CaseResult, Target  # noqa: E402

RATE = 1000
CHARTS = {"basic": "bar chart (basic app)", "csv": "line chart (csv app)"}


def subject(app: str, rate: int) -> str:
    return f"{CHARTS[app]}, {'full speed' if rate == 0 else f'{rate:,} msgs/s'}"


def child(app_name: str, rate: int, seconds: float, backlog: Path | None, out: Path) -> None:
    """One measurement (in its own process): a Session drawing one app's chart."""
    from buzzline.apps import get_app
    from buzzline.engine.consume import ConsumeJob
    from buzzline.engine.session import ViewOptions
    from buzzline.settings import load_settings
    from buzzline.transports.file import FileTransport

    with tempfile.TemporaryDirectory(prefix="buzzline-bench-chart-") as tmp:
        work = Path(tmp)
        data = work / "data"
        data.mkdir()
        app = get_app(app_name)
        settings = load_settings(environ={"BUZZLINE_DATA_DIR": str(data)}, env_file=None)
        topic = app.topic(settings)
        producer = None
        if rate == 0:
            assert backlog is not None
            (data / f"{topic}.jsonl").symlink_to(backlog)
        else:
            kind = "smoker" if app_name == "csv" else "buzz"
            producer = subprocess.Popen(pace_command(data, topic, rate,
                                                     int(rate * (seconds + 10)), kind))
        job = ConsumeJob(app, settings, FileTransport(data), topic, start="beginning")
        window = bool(os.environ.get("DISPLAY"))
        options = ViewOptions(title=app.title, image_name=app_name,
                              output_dir=None if window else work / "out",
                              display="window" if window else "headless", fps=10.0,
                              duration=seconds)
        frames = FrameTimes()
        session = bench_session([], [job], options, frames)
        started = time.perf_counter()
        session.run()
        wall = time.perf_counter() - started
        if producer is not None:
            producer.terminate()
            producer.wait(timeout=10)
        stats = session.view.stats()
        durations = frames.durations_ms()
        size = backlog.stat().st_size if backlog else 0
        out.write_bytes(orjson.dumps({
            "mode": session.mode, "stats": stats, "read": job.read, "wall": wall,
            "rate": job.read / wall, "p50": percentile(durations, 50),
            "p95": percentile(durations, 95), "max": max(durations, default=0.0),
            "backlog_done": bool(backlog) and job.state.positions.get(0, 0) >= size}))


def main() -> None:
    parser = case_parser(__doc__, messages=3_000_000, runs=3)
    parser.add_argument("--seconds", type=float, default=5.0, help="seconds per measurement [5]")
    parser.add_argument("--headless", action="store_true", help="never open a window")
    parser.add_argument("--child", nargs=3, metavar=("APP", "RATE", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--backlog", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        app, rate, out = args.child
        child(app, int(rate), args.seconds, args.backlog, Path(out))
        return
    started = time.perf_counter()
    result = CaseResult(
        case="chart", title="Chart: time per frame at full speed vs at 1,000 msgs/s",
        unit="ms", higher_is_better=False, messages=args.messages,
        params={"backlog messages": args.messages, "runs": args.runs,
                "seconds per measurement": args.seconds, "fps": 10},
        targets=[Target(f"{CHARTS[app]}: full speed <= 1.2 x the frame time at 1,000 msgs/s",
                        subject(app, 0), vs=subject(app, RATE), ratio_at_most=1.2)
                 for app in CHARTS])
    extra: dict[str, list[dict]] = {}
    windowed = not args.headless and window_toolkit()
    with tempfile.TemporaryDirectory(prefix="buzzline-bench-chart-") as tmp, \
            virtual_display() if windowed else nullcontext() as display:
        work = Path(tmp)
        backlogs = {"basic": write_buzz_file(work / "buzz.jsonl", args.messages),
                    "csv": write_smoker_file(work / "smoker.jsonl", args.messages)}
        env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
        env["PYTHONPATH"] = str(ROOT)
        if display:
            env["DISPLAY"] = display
        for _ in range(args.runs):
            for app in CHARTS:
                for rate in (0, RATE):
                    out = work / "out.json"
                    cmd = [sys.executable, __file__, "--seconds", str(args.seconds),
                           "--child", app, str(rate), str(out)]
                    if rate == 0:
                        cmd += ["--backlog", str(backlogs[app])]
                    subprocess.run(cmd, env=env, check=True, timeout=args.seconds + 120,
                                   stdout=subprocess.DEVNULL)
                    measured = orjson.loads(out.read_bytes())
                    result.add(subject(app, rate), measured["stats"]["mean_frame_ms"])
                    extra.setdefault(subject(app, rate), []).append(measured)
    modes = {m["mode"] for runs in extra.values() for m in runs}
    result.notes.append(
        "Frames drawn in a TkAgg window on a private Xvfb display (blitting, as on screen)."
        if modes == {"window"} else
        f"Frames drawn headless ({', '.join(sorted(modes))}): no window toolkit or Xvfb, so a "
        "frame updates the artists and renders a PNG every 2 s; not what a screen shows.")
    for name, runs in extra.items():
        rates = [m["rate"] for m in runs]
        frames = [m["stats"]["frames"] for m in runs]
        fps = [m["stats"]["fps"] for m in runs]
        note = (f"{name}: consumer read {statistics.median(rates):,.0f} msgs/s; "
                f"{statistics.median(frames):.0f} frames at {statistics.median(fps):.1f} fps; "
                f"frame p50 {statistics.median(m['p50'] for m in runs):.1f} ms, "
                f"p95 {statistics.median(m['p95'] for m in runs):.1f} ms, "
                f"max {max(m['max'] for m in runs):.1f} ms; full redraws "
                f"{statistics.median(m['stats']['full_redraws'] for m in runs):.0f}, "
                f"axes redraws {statistics.median(m['stats']['axes_redraws'] for m in runs):.0f}")
        if any(m["backlog_done"] for m in runs):
            note += " (the backlog ran out before the end: raise --messages)"
        result.notes.append(note)
    result.seconds = round(time.perf_counter() - started, 1)
    result.save(args.json)
    print_case(result)


if __name__ == "__main__":
    main()
