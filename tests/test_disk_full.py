"""A full disk: one clear line and a non-zero exit, no torn line for the next producer, the
previous checkpoint intact, and exact counts once there is room again.

Real write failures, no mocks: a process whose file size limit (``RLIMIT_FSIZE``, with
``SIGXFSZ`` ignored) makes its writes fail with ``EFBIG``; a file that is a link to
``/dev/full`` (``ENOSPC``); and, where this process may mount one (root), a small tmpfs that
fills up for real."""

import errno
import fcntl
import json
import os
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from buzzline.checkpoints import FILE_NAME
from buzzline.transports.file import FileTransport
from tests.conftest import run_buzzline, subprocess_env

TOPIC = "t"


def limited(workdir: Path, args: list[str], max_bytes: int, **env: str
            ) -> subprocess.CompletedProcess:
    """``buzzline ARGS`` in a process that cannot write any file past ``max_bytes``."""

    def limit() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past it fails with EFBIG
        resource.setrlimit(resource.RLIMIT_FSIZE, (max_bytes, max_bytes))

    return subprocess.run([sys.executable, "-m", "buzzline", *args], cwd=workdir,
                          env=subprocess_env(workdir, **env), capture_output=True, text=True,
                          timeout=120, check=False, preexec_fn=limit)


def produce_args(count: int, seed: int) -> list[str]:
    return ["produce", "basic", "--topic", TOPIC, "--count", str(count), "--interval", "0",
            "--seed", str(seed)]


def one_error_line(done: subprocess.CompletedProcess, code: int, text: str) -> str:
    """The one ``buzzline: error:`` line (and no traceback) of a process that failed."""
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and "Logging error" not in done.stderr, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("buzzline: error:")]
    assert len(errors) == 1 and text in errors[0], done.stderr
    return errors[0]


def whole_lines(path: Path) -> int:
    """The number of lines of ``path``, each one a whole JSON object (and a newline last)."""
    data = path.read_bytes()
    assert data.endswith(b"\n"), data[-80:]
    lines = data.splitlines()
    for line in lines:
        orjson.loads(line)
    return len(lines)


def count_all(workdir: Path, expected: int, **env: str) -> dict:
    """A consumer from the beginning that stops after ``expected`` messages (or 20 s without
    one); its summary."""
    summary = workdir / "summary.json"
    done = run_buzzline(["consume", "basic", "--topic", TOPIC, "--no-chart", "--from-beginning",
                         "--count", str(expected), "--idle-exit", "20", "--summary-json",
                         str(summary)], workdir, **env)
    assert done.returncode == 0, done.stderr
    return json.loads(summary.read_text())


def check_next_producer_and_counts(workdir: Path, path: Path, written: int, **env: str) -> None:
    """The next producer's messages are whole, and a consumer counts exactly every one."""
    done = run_buzzline(produce_args(1_000, seed=2), workdir, **env)
    assert done.returncode == 0, done.stderr
    assert whole_lines(path) == written + 1_000
    summary = count_all(workdir, written + 1_000, **env)
    assert summary["messages"] == written + 1_000 and summary["rejected"] == 0
    assert summary["positions"] == {"0": path.stat().st_size}


def test_producer_past_the_file_size_limit_rolls_back_to_whole_lines(workdir: Path) -> None:
    path = workdir / "data" / f"{TOPIC}.jsonl"
    done = limited(workdir, produce_args(20_000, seed=1), 300_000)
    line = one_error_line(done, 1, "cannot write to")
    assert "File too large" in line and "the file ends with whole lines" in line
    written = whole_lines(path)  # no torn last line
    not_written = int(line.split("; ")[1].split()[0].replace(",", ""))
    assert 0 < written < 20_000 and 0 < not_written <= 20_000 - written
    check_next_producer_and_counts(workdir, path, written)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs (root only: skipped where it cannot be mounted)."""
    mount = shutil.which("mount")
    where = tmp_path / "disk"
    where.mkdir()
    if mount is None:
        pytest.skip("no mount command")
    made = subprocess.run([mount, "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(where)],
                          capture_output=True, text=True, check=False)
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", str(where)], check=False)


def test_producer_on_a_full_disk_rolls_back_to_whole_lines(
    workdir: Path, small_disk: Path
) -> None:
    data = small_disk / "data"
    path = data / f"{TOPIC}.jsonl"
    done = run_buzzline(produce_args(40_000, seed=1), workdir, BUZZLINE_DATA_DIR=str(data))
    line = one_error_line(done, 1, "cannot write to")
    assert "No space left on device" in line and "messages not written" in line
    written = whole_lines(path)
    assert 0 < written < 40_000
    grown = subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)],
                           capture_output=True, text=True, check=False)  # room again
    assert grown.returncode == 0, grown.stderr
    check_next_producer_and_counts(workdir, path, written, BUZZLINE_DATA_DIR=str(data))


def _saved_messages(workdir: Path) -> int:
    """Messages in the checkpoint (0 before the first), which must be intact."""
    db = sqlite3.connect(workdir / "data" / FILE_NAME, timeout=30)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        row = db.execute("SELECT state FROM checkpoints WHERE topic = ?", (TOPIC,)).fetchone()
    except sqlite3.OperationalError:  # no table yet
        return 0
    finally:
        db.close()
    return 0 if row is None else orjson.loads(row[0])["totals"]["messages"]


def test_a_checkpoint_that_cannot_be_saved_stops_the_consumer_and_keeps_the_last(
    workdir: Path
) -> None:
    path = workdir / "data" / f"{TOPIC}.jsonl"
    done = run_buzzline(produce_args(100_000, seed=1), workdir)
    assert done.returncode == 0, done.stderr
    first = count_all(workdir, 20_000)  # a checkpoint to keep
    assert first["messages"] == 20_000 and _saved_messages(workdir) == 20_000
    # the checkpoint journal grows with every save (every batch here) until it cannot
    done = limited(workdir, ["consume", "basic", "--topic", TOPIC, "--no-chart",
                             "--checkpoint-every", "0", "--idle-exit", "20"], 64 * 1024)
    line = one_error_line(done, 1, "cannot save the checkpoint")
    assert "the previous checkpoint is kept" in line
    saved = _saved_messages(workdir)  # intact, and at least where the first run left it
    assert 20_000 <= saved < 100_000
    summary = workdir / "summary.json"
    done = run_buzzline(["consume", "basic", "--topic", TOPIC, "--no-chart", "--count",
                         str(100_000 - saved), "--idle-exit", "20", "--summary-json",
                         str(summary)], workdir)
    assert done.returncode == 0, done.stderr
    result = json.loads(summary.read_text())
    assert result["messages"] == 100_000  # nothing lost, nothing counted twice
    assert result["positions"] == {"0": path.stat().st_size}


def test_a_chart_image_on_a_full_disk_is_one_line(workdir: Path) -> None:
    done = run_buzzline(produce_args(500, seed=1), workdir)
    assert done.returncode == 0, done.stderr
    out = workdir / "out"
    out.mkdir()
    (out / "basic.png.tmp").symlink_to("/dev/full")
    done = run_buzzline(["consume", "basic", "--topic", TOPIC, "--from-beginning", "--count",
                         "500", "--output", str(out)], workdir)
    one_error_line(done, 1, "cannot write the chart image")
    assert not (out / "basic.png").exists()
    assert _saved_messages(workdir) == 500  # the consumer still saved its checkpoint


def test_a_summary_on_a_full_disk_is_one_line(workdir: Path) -> None:
    done = run_buzzline(produce_args(500, seed=1), workdir)
    assert done.returncode == 0, done.stderr
    (workdir / "s.json").symlink_to("/dev/full")
    done = run_buzzline(["consume", "basic", "--topic", TOPIC, "--from-beginning", "--count",
                         "500", "--no-chart", "--summary-json", "s.json"], workdir)
    one_error_line(done, 1, "cannot write the summary s.json: No space left on device")
    assert _saved_messages(workdir) == 500  # counted and checkpointed all the same


def test_a_log_file_on_a_full_disk_is_one_line(workdir: Path) -> None:
    logs = workdir / "logs"
    logs.mkdir()
    (logs / "buzzline.log").symlink_to("/dev/full")
    done = run_buzzline(produce_args(500, seed=1), workdir)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr and "Logging error" not in done.stderr, done.stderr
    assert done.stderr.count("cannot write the log file buzzline.log") == 1
    assert whole_lines(workdir / "data" / f"{TOPIC}.jsonl") == 500


def test_a_consumer_never_reads_a_write_that_is_rolled_back(tmp_path: Path) -> None:
    """A producer holds its lock while it writes and while it cuts a failed write back: a
    consumer reads only what is there with no producer writing, so it never counts lines that
    vanish, nor resumes in the middle of the next producer's lines."""
    t = FileTransport(tmp_path / "data", poll_interval=0.001)
    with t.producer(TOPIC) as producer:
        producer.send(b'{"kept":1}')
    path = t.path(TOPIC)
    with t.consumer(TOPIC, group="g", start="beginning") as consumer:
        assert consumer.poll(timeout=1).values == [b'{"kept":1}']
        size = path.stat().st_size
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        got: list[bytes] = []
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # a producer writing...
            os.write(fd, b"".join(b'{"torn":%d}\n' % i for i in range(10)) + b'{"to')
            reader = threading.Thread(target=lambda: got.extend(consumer.poll(timeout=0).values))
            reader.start()
            reader.join(timeout=0.5)  # (a consumer that does not wait for the lock is done)
            os.ftruncate(fd, size)  # ... whose write failed: cut back
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        reader.join(timeout=10)
        assert got == []
        with t.producer(TOPIC) as producer:
            for i in range(20):
                producer.send(b'{"next":%d}' % i)
        values = []
        while len(values) < 20:
            batch = consumer.poll(timeout=1)
            assert batch.values, values
            values += batch.values
        assert values == [b'{"next":%d}' % i for i in range(20)]


def _fill(disk: Path) -> None:
    """Write to ``disk`` until it is full."""
    block = b"\0" * 4096
    with open(disk / "filler", "wb", buffering=0) as f:
        try:
            while True:
                f.write(block)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC, exc


def test_a_checkpoint_on_a_disk_that_fills_up(workdir: Path, small_disk: Path) -> None:
    """The checkpoint file on a small disk (the topic elsewhere), full while the consumer
    runs: "database or disk is full", one line, exit code 1, and a restart counts exactly."""
    data = workdir / "data"
    data.mkdir()
    (data / FILE_NAME).symlink_to(small_disk / FILE_NAME)  # SQLite keeps its journal there too
    done = run_buzzline(produce_args(1_000, seed=1), workdir)
    assert done.returncode == 0, done.stderr
    proc = subprocess.Popen(
        [sys.executable, "-m", "buzzline", "consume", "basic", "--topic", TOPIC, "--no-chart",
         "--from-beginning", "--checkpoint-every", "0", "--idle-exit", "30"],
        cwd=workdir, env=subprocess_env(workdir), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while not (small_disk / FILE_NAME).exists() or _saved_messages(workdir) < 1_000:
            assert proc.poll() is None and time.monotonic() < deadline, proc.stderr
            time.sleep(0.05)
        _fill(small_disk)
        produced = 1_000
        while proc.poll() is None and produced < 200_000:  # until a save fails
            done = run_buzzline(produce_args(5_000, seed=produced), workdir)
            assert done.returncode == 0, done.stderr
            produced += 5_000
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    one_error_line(subprocess.CompletedProcess([], proc.returncode, "", err), 1,
                   "cannot save the checkpoint")
    assert "database or disk is full" in err
    (small_disk / "filler").unlink()
    saved = _saved_messages(workdir)
    assert 1_000 <= saved < produced
    summary = workdir / "summary.json"
    done = run_buzzline(["consume", "basic", "--topic", TOPIC, "--no-chart", "--count",
                         str(produced - saved), "--idle-exit", "20", "--summary-json",
                         str(summary)], workdir)
    assert done.returncode == 0, done.stderr
    result = json.loads(summary.read_text())
    assert result["messages"] == produced
    assert result["positions"] == {"0": (data / f"{TOPIC}.jsonl").stat().st_size}
