"""The file transport against real files: concurrency, resume and every tail -F edge case."""

import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from buzzline.errors import SettingsError
from buzzline.transports.base import Batch
from buzzline.transports.file import MAX_LINE_BYTES, FileConsumer, FileTransport
from buzzline.transports.file_lines import OVERSIZED_HEAD_BYTES

ROOT = Path(__file__).resolve().parents[1]
LOGGER = "buzzline.transports.file_tail"


def transport(tmp_path: Path, **kwargs: object) -> FileTransport:
    return FileTransport(tmp_path / "data", poll_interval=0.005, **kwargs)  # type: ignore[arg-type]


def drain(consumer: FileConsumer, count: int, deadline: float = 10.0) -> list[bytes]:
    """Poll until ``count`` messages arrived or the deadline passed; return what arrived."""
    got: list[bytes] = []
    end = time.monotonic() + deadline
    while len(got) < count and time.monotonic() < end:
        got.extend(consumer.poll(max_messages=count - len(got), timeout=0.05).values)
    return got


def poll_once(consumer: FileConsumer) -> Batch:
    return consumer.poll(timeout=0)


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as f:
        f.write(data)


def warnings(caplog: pytest.LogCaptureFixture, text: str) -> int:
    return sum(text in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_round_trip_100k_messages(tmp_path: Path) -> None:
    t = transport(tmp_path)
    sent = [orjson.dumps({"id": i, "text": f"message {i}"}) for i in range(100_000)]
    with t.consumer("t", group="g", start="beginning") as c:
        with t.producer("t") as p:
            for value in sent:
                p.send(value)
        got = drain(c, len(sent))
        assert got == sent
        last = c.poll(timeout=0)
    assert len(last) == 0 and last.caught_up
    assert last.positions == {0: (tmp_path / "data" / "t.jsonl").stat().st_size}


SHORT_WRITES = (  # every os.write writes at most 64 bytes: only the lock keeps lines whole
    "import os\n"
    "real_write = os.write\n"
    "os.write = lambda fd, data: real_write(fd, bytes(data[:64]))\n"
)


@pytest.mark.parametrize(
    "patch",
    [
        pytest.param("", id="plain"),
        pytest.param(
            SHORT_WRITES,
            id="short-writes",
            marks=pytest.mark.skipif(os.name == "nt", reason="no flock on Windows"),
        ),
    ],
)
def test_two_producer_processes_never_interleave_lines(tmp_path: Path, patch: str) -> None:
    data, go = tmp_path / "data", tmp_path / "go"
    code = patch + (
        "import sys, time, orjson\n"
        "from pathlib import Path\n"
        "from buzzline.transports.file import FileTransport\n"
        "tag, go = sys.argv[1], Path(sys.argv[3])\n"
        "p = FileTransport(Path(sys.argv[2])).producer('t')\n"
        "Path(sys.argv[3] + tag).touch()\n"
        "while not go.exists(): time.sleep(0.001)\n"
        "for i in range(10_000):\n"
        "    pad = 'x' * (5000 if i % 97 == 0 else i % 300)\n"
        "    p.send(orjson.dumps({'id': f'{tag}-{i}', 'pad': pad}))\n"
        "    p.flush()\n"
        "p.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen([sys.executable, "-c", code, tag, str(data), str(go)], env=env)
        for tag in ("a", "b")
    ]
    end = time.monotonic() + 30
    while not all(Path(f"{go}{tag}").exists() for tag in "ab") and time.monotonic() < end:
        time.sleep(0.005)
    go.touch()
    for proc in procs:
        assert proc.wait(timeout=60) == 0
    with transport(tmp_path).consumer("t", group="g", start="beginning") as c:
        lines = drain(c, 20_000)
        rest = c.poll(timeout=0)
    assert len(lines) == 20_000 and len(rest) == 0 and rest.caught_up
    ids = [orjson.loads(line)["id"] for line in lines]  # every line is one whole JSON object
    assert set(ids) == {f"{tag}-{i}" for tag in "ab" for i in range(10_000)}
    switches = sum(a[0] != b[0] for a, b in zip(ids, ids[1:], strict=False))
    assert switches >= 2, "the two producers did not write at the same time"


def test_resume_from_saved_position(tmp_path: Path) -> None:
    t = transport(tmp_path)
    with t.producer("t") as p:
        for i in range(10):
            p.send(b'{"i":%d}' % i)
    with t.consumer("t", group="g", start="beginning") as c:
        first = c.poll(max_messages=4, timeout=1)
    assert first.values == [b'{"i":%d}' % i for i in range(4)] and not first.caught_up
    assert first.positions == {0: sum(len(b'{"i":0}\n') for _ in range(4))}
    with t.consumer("t", group="g", start="beginning", start_positions=first.positions) as c:
        rest = c.poll(timeout=1)
    assert rest.values == [b'{"i":%d}' % i for i in range(4, 10)] and rest.caught_up


def test_saved_position_past_the_end_counts_as_truncation(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    t = transport(tmp_path)
    with t.producer("t") as p:
        p.send(b'{"a":1}')
    with t.consumer("t", group="g", start_positions={0: 10_000}) as c:
        batch = c.poll(timeout=1)
    assert batch.values == [b'{"a":1}'] and batch.positions == {0: 8}
    assert warnings(caplog, "past the end") == 1


def test_start_end_skips_existing_and_beginning_reads_all(tmp_path: Path) -> None:
    t = transport(tmp_path)
    with t.producer("t") as p:
        p.send(b'{"old":1}')
    end = t.consumer("t", group="g", start="end")
    beginning = t.consumer("t", group="g", start="beginning")
    with t.producer("t") as p:
        p.send(b'{"new":1}')
    assert drain(end, 1) == [b'{"new":1}']
    assert drain(beginning, 2) == [b'{"old":1}', b'{"new":1}']
    assert poll_once(end).caught_up and poll_once(beginning).caught_up
    end.close()
    end.close()  # safe twice
    beginning.close()
    with pytest.raises(ValueError, match="closed"):
        end.poll(timeout=0)


def test_start_end_waits_for_a_partial_last_line(tmp_path: Path) -> None:
    path = tmp_path / "data" / "t.jsonl"
    path.parent.mkdir()
    path.write_bytes(b'{"old":1}\n{"half":')
    with transport(tmp_path).consumer("t", group="g", start="end") as c:
        assert poll_once(c).values == []
        append(path, b'2}\n{"new":3}\n')
        assert drain(c, 2) == [b'{"half":2}', b'{"new":3}']


@pytest.mark.parametrize("limit", [MAX_LINE_BYTES, 50_000])
def test_start_end_inside_a_long_partial_line(tmp_path: Path, limit: int) -> None:
    path = tmp_path / "data" / "t.jsonl"
    path.parent.mkdir()
    long = b'{"long":"' + b"x" * 100_000
    path.write_bytes(b'{"old":1}\n' + long)  # no newline in the last 64 KiB
    with transport(tmp_path, max_line_bytes=limit).consumer("t", group="g", start="end") as c:
        skipping = limit < len(long)
        assert poll_once(c).positions == {0: path.stat().st_size if skipping else 10}
        append(path, b'"}\n{"new":1}\n')
        expected = [b'{"new":1}'] if skipping else [long + b'"}', b'{"new":1}']
        assert drain(c, len(expected)) == expected and c.oversized_lines == int(skipping)
        last = poll_once(c)
        assert last.positions == {0: path.stat().st_size}
    # the skipped line began before the consumer's start ("end"), like the lines before it,
    # and its head is out of reach: counted and logged, not handed on as oversized
    assert last.oversized == []


def test_partial_line_waits_for_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "data" / "t.jsonl"
    path.parent.mkdir()
    path.write_bytes(b'{"a":1}\n{"b":')
    with transport(tmp_path).consumer("t", group="g", start="beginning") as c:
        batch = c.poll(timeout=0.05)
        assert batch.values == [b'{"a":1}'] and batch.caught_up and batch.positions == {0: 8}
        assert c.poll(timeout=0.05).values == []
        append(path, b"2}\n")
        batch = c.poll(timeout=1)
    assert batch.values == [b'{"b":2}'] and batch.positions == {0: path.stat().st_size}


def test_empty_lines_are_skipped_but_passed(tmp_path: Path) -> None:
    path = tmp_path / "data" / "t.jsonl"
    path.parent.mkdir()
    path.write_bytes(b'\n{"a":1}\n\n\n{"b":2}\n\n')
    with transport(tmp_path).consumer("t", group="g", start="beginning") as c:
        batch = c.poll(timeout=1)
    assert batch.values == [b'{"a":1}', b'{"b":2}'] and batch.positions == {0: 20}


def test_consumer_before_the_file_exists(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger=LOGGER)
    t = transport(tmp_path)
    with t.consumer("t", group="g", start="end") as c:
        for _ in range(3):
            batch = c.poll(timeout=0.02)
            assert batch.values == [] and batch.caught_up and batch.positions == {0: 0}
        with t.producer("t") as p:
            p.send(b'{"first":1}')
            p.send(b'{"second":2}')
        assert drain(c, 2) == [b'{"first":1}', b'{"second":2}']  # new file: "end" is its start
    waiting = [r for r in caplog.records if "waiting for" in r.getMessage()]
    assert len(waiting) == 1 and waiting[0].levelno == logging.INFO
    assert str(t.path("t")) in waiting[0].getMessage()


def test_truncation_starts_over(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    t = transport(tmp_path)
    path = t.path("t")
    with t.producer("t") as p:
        for i in range(100):
            p.send(b'{"before":%d}' % i)
    with t.consumer("t", group="g", start="beginning") as c:
        assert len(drain(c, 100)) == 100
        path.write_bytes(b'{"after":1}\n')  # truncate in place (same inode)
        assert drain(c, 1) == [b'{"after":1}']
        append(path, b'{"after":2}\n')
        assert drain(c, 1) == [b'{"after":2}']
        assert c.poll(timeout=0.05).positions == {0: path.stat().st_size}
    assert warnings(caplog, "truncated") == 1


def test_rotation_finishes_the_old_file_then_switches(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    t = transport(tmp_path)
    path = t.path("t")
    with t.consumer("t", group="g", start="beginning") as c, t.producer("t") as old:
        old.send(b'{"old":1}')
        old.flush()
        assert drain(c, 1) == [b'{"old":1}']
        path.rename(path.with_suffix(".1"))
        old.send(b'{"old":2}')  # the producer follows the name: a new file, not the renamed one
        old.flush()
        with t.producer("t") as new:
            new.send(b'{"new":1}')
        assert drain(c, 2) == [b'{"old":2}', b'{"new":1}']
        assert c.poll(timeout=0.05).positions == {0: path.stat().st_size}
    assert warnings(caplog, "rotated") == 1
    assert path.with_suffix(".1").read_bytes() == b'{"old":1}\n'
    assert path.read_bytes() == b'{"old":2}\n{"new":1}\n'


def test_rotation_race_line_lands_in_old_file_after_eof(tmp_path: Path) -> None:
    """A writer still holding the old file appends after the consumer saw its end."""
    t = transport(tmp_path)
    path, rotated = t.path("t"), t.path("t").with_suffix(".1")
    with t.producer("t") as p:
        p.send(b'{"old":1}')
    with t.consumer("t", group="g", start="beginning") as c:
        assert drain(c, 1) == [b'{"old":1}']
        path.rename(rotated)
        with t.producer("t") as p:
            p.send(b'{"new":1}')
        real_read = c._read

        def read_then_race(*args: Any) -> bool:
            got = real_read(*args)
            if not got and rotated.stat().st_size < 20:
                append(rotated, b'{"old":2}\n')  # lands between our EOF and the stat
            return got

        c._read = read_then_race  # type: ignore[method-assign]
        assert drain(c, 2) == [b'{"old":2}', b'{"new":1}']


def test_vanish_and_reappear(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    t = transport(tmp_path)
    path = t.path("t")
    with t.producer("t") as p:
        for i in range(5):
            p.send(b'{"first":%d}' % i)
    with t.consumer("t", group="g", start="beginning") as c:
        assert len(drain(c, 5)) == 5
        path.unlink()
        for _ in range(5):
            batch = c.poll(timeout=0.02)
            assert batch.values == [] and batch.caught_up
        assert batch.positions == {0: 0}
        with t.producer("t") as p:
            p.send(b'{"second":1}')
        assert drain(c, 1) == [b'{"second":1}']
    assert warnings(caplog, "vanished") == 1


def test_oversized_lines_are_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    t = transport(tmp_path, max_line_bytes=1000, chunk_bytes=4096)
    path = t.path("t")
    path.parent.mkdir()
    big = b'{"big":"' + b"x" * 50_000 + b'"}'
    path.write_bytes(b'{"a":1}\n' + b'{"b":"' + b"y" * 2000 + b'"}\n{"c":3}\n' + big[:30_000])
    with t.consumer("t", group="g", start="beginning") as c:
        batch = c.poll(timeout=0.05)
        assert batch.values == [b'{"a":1}', b'{"c":3}'] and c.oversized_lines == 2
        # the complete long line is handed on whole (under 64 KiB); the partial one not yet
        assert batch.oversized == [(b'{"b":"' + b"y" * 2000 + b'"}', 2008)]
        assert batch.positions == {0: 8 + 2009 + 8}  # the partial big line is not passed yet
        assert len(c._buffer._tail) <= 1000  # memory stays bounded while the line grows
        assert len(c._buffer._head) <= OVERSIZED_HEAD_BYTES
        append(path, big[30_000:] + b'\n{"d":4}\n')
        batch = c.poll(timeout=1)
    assert batch.values == [b'{"d":4}'] and c.oversized_lines == 2
    assert batch.oversized == [(big, len(big))]
    assert batch.positions == {0: path.stat().st_size}
    assert warnings(caplog, "skipping a line") == 2


@pytest.mark.parametrize("chunk", [4096, 1 << 20])  # skipped in chunks, or split in one chunk
def test_oversized_lines_come_in_order_with_their_head_and_length(
    tmp_path: Path, chunk: int
) -> None:
    t = transport(tmp_path, max_line_bytes=50_000, chunk_bytes=chunk)
    path = t.path("t")
    path.parent.mkdir()
    lines = [b'{"a":1}', b"A" * 50_001, b'{"b":2}', b"B" * 300_000, b"C" * 70_000,
             b'{"c":3}', b"D" * 1_000_000]
    path.write_bytes(b"\n".join(lines) + b"\n")
    with t.consumer("t", group="g", start="beginning") as c:
        batch = c.poll(timeout=1)
        assert batch.values == [b'{"a":1}', b'{"b":2}', b'{"c":3}']
        assert batch.oversized == [(line[:OVERSIZED_HEAD_BYTES], len(line))
                                   for line in lines if len(line) > 50_000]
        assert [len(head) for head, _ in batch.oversized] == [50_001, 65_536, 65_536, 65_536]
        assert batch.positions == {0: path.stat().st_size} and batch.caught_up
        assert poll_once(c).oversized == []  # each one once


def test_oversized_lines_count_towards_max_messages_and_positions_pass_them(
    tmp_path: Path,
) -> None:
    t = transport(tmp_path, max_line_bytes=1000, chunk_bytes=512)
    path = t.path("t")
    path.parent.mkdir()
    lines = [b'{"a":1}', b"x" * 5000, b"y" * 1500, b'{"b":2}', b"z" * 3000]
    path.write_bytes(b"\n".join(lines) + b"\n")
    ends = [sum(len(line) + 1 for line in lines[: i + 1]) for i in range(len(lines))]
    batches = []
    with t.consumer("t", group="g", start="beginning") as c:
        for _ in range(len(lines)):
            batches.append(c.poll(max_messages=1, timeout=1))
        assert poll_once(c) == Batch([], {0: ends[-1]}, True)
    assert [(b.values, b.oversized) for b in batches] == [
        ([lines[0]], []), ([], [(lines[1], 5000)]), ([], [(lines[2], 1500)]),
        ([lines[3]], []), ([], [(lines[4], 3000)])]
    assert [b.positions[0] for b in batches] == ends
    # resuming after an oversized line does not hand it on again
    with t.consumer("t", group="g", start_positions=batches[1].positions) as c:
        rest = c.poll(timeout=1)
    assert rest.values == [lines[3]] and rest.oversized == [(lines[2], 1500), (lines[4], 3000)]


def test_a_batch_of_only_oversized_lines_comes_without_waiting(tmp_path: Path) -> None:
    t = transport(tmp_path, max_line_bytes=100)
    path = t.path("t")
    path.parent.mkdir()
    path.write_bytes(b"q" * 1000 + b"\n")
    with t.consumer("t", group="g", start="beginning") as c:
        start = time.monotonic()
        batch = c.poll(timeout=5)
    assert time.monotonic() - start < 2
    assert batch.values == [] and batch.oversized == [(b"q" * 1000, 1000)]
    assert batch.positions == {0: 1001}


def test_producer_rules(tmp_path: Path) -> None:
    t = transport(tmp_path)
    path = t.path("t")
    p = t.producer("t")
    assert path.exists() and path.stat().st_size == 0  # data_dir and file created
    with pytest.raises(ValueError, match="one line"):
        p.send(b'{"a":\n1}')
    p.send(b'{"a":1}')
    assert path.stat().st_size == 0  # buffered until flush
    p.flush()
    assert path.read_bytes() == b'{"a":1}\n'
    for _ in range(300):
        p.send(b'{"pad":"' + b"z" * 1000 + b'"}')  # > 256 KiB in all: flushes on its own
    assert path.stat().st_size > 256 * 1024
    p.close()
    p.close()  # safe twice
    assert path.read_bytes().count(b"\n") == 301
    with pytest.raises(ValueError, match="closed"):
        p.send(b"{}")


def test_describe_and_bad_topic(tmp_path: Path) -> None:
    assert FileTransport(Path("data")).describe() == f"file (data{os.sep})"
    with pytest.raises(SettingsError):
        transport(tmp_path).producer("../escape")


def test_registry_builds_a_file_transport(tmp_path: Path) -> None:
    from buzzline.settings import Settings
    from buzzline.transports import create_transport

    t = create_transport("file", Settings(data_dir=tmp_path))
    assert isinstance(t, FileTransport) and t.path("x") == tmp_path / "x.jsonl"


def test_positions_before_the_first_message(tmp_path: Path) -> None:
    t = transport(tmp_path)
    with t.producer("t") as p:
        p.send(b'{"a":1}')
    with t.consumer("t", group="g", start_positions={0: 8}) as c:
        assert c.positions() == {0: 8}
    with t.consumer("t", group="g", start="end") as c:
        assert c.positions() == {0: 8}
    with t.consumer("t", group="g", start_positions={0: 100}) as c:  # truncated: from 0
        assert c.positions() == {0: 0}
    with t.consumer("missing", group="g", start_positions={0: 100}) as c:
        assert c.positions() == {0: 0}
