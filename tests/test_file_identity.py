"""File identity: a saved byte offset is used only in the file it was saved in.

The reproductions of issue 12 through ``buzzline produce`` / ``consume`` processes (a file
truncated and refilled while the consumer was stopped, ``--reset-topic`` while it tails, a
rotation while it was stopped), the same cases in process, and a hypothesis state machine of
file operations while the consumer is down, against what a user would expect counted."""

import fcntl
import itertools
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule

from buzzline.apps import get_app
from buzzline.checkpoints import FILE_NAME, Checkpoint, CheckpointStore, StateKey
from buzzline.engine.consume import ConsumeJob
from buzzline.messages import Buzz
from buzzline.settings import load_settings
from buzzline.transports.file import FileTransport
from buzzline.transports.file_identity import FileIdentity, fingerprint
from tests.conftest import IN_CI, run_buzzline, subprocess_env

TOPIC = "t"


def produce(workdir: Path, count: int, seed: int, *extra: str) -> None:
    done = run_buzzline(["produce", "basic", "--topic", TOPIC, "--count", str(count),
                         "--interval", "0", "--seed", str(seed), *extra], workdir)
    assert done.returncode == 0, done.stderr


def consume(workdir: Path, count: int, *extra: str) -> tuple[dict, str]:
    """A consumer that stops after ``count`` messages (or 20 s without one: then it missed
    some); returns its summary and stderr."""
    summary = workdir / "summary.json"
    done = run_buzzline(["consume", "basic", "--topic", TOPIC, "--no-chart", "--count",
                         str(count), "--idle-exit", "20", "--summary-json", str(summary),
                         *extra], workdir)
    assert done.returncode == 0, done.stderr
    return json.loads(summary.read_text()), done.stderr


def topic_file(workdir: Path) -> Path:
    return workdir / "data" / f"{TOPIC}.jsonl"


def authors(*paths: Path) -> dict[str, int]:
    found = Counter(orjson.loads(line)["author"] for path in paths
                    for line in path.read_bytes().splitlines())
    return dict(sorted(found.items()))


def test_truncated_and_refilled_while_stopped_counts_the_new_file(workdir: Path) -> None:
    produce(workdir, 13_000, seed=1)
    first, _ = consume(workdir, 13_000, "--from-beginning")
    assert first["messages"] == 13_000
    os.truncate(topic_file(workdir), 0)  # in place: the same inode
    produce(workdir, 16_000, seed=2)  # past the saved offset
    summary, err = consume(workdir, 16_000)
    assert summary["messages"] == 16_000  # was 3,000 (resumed at the old offset)
    assert summary["author_counts"] == authors(topic_file(workdir))
    assert summary["positions"] == {"0": topic_file(workdir).stat().st_size}
    assert err.count("is not the file the saved position") == 1


def test_rotated_while_stopped_finishes_the_rotated_file_then_the_new_one(workdir: Path) -> None:
    path = topic_file(workdir)
    produce(workdir, 3_000, seed=1)
    consume(workdir, 3_000, "--from-beginning")
    produce(workdir, 500, seed=2)  # not read yet when the file is rotated
    path.rename(path.with_name(path.name + ".1"))
    produce(workdir, 4_000, seed=3)
    summary, err = consume(workdir, 4_500)
    assert summary["messages"] == 7_500  # was 6,000: 3,000 of the new file's 4,000 skipped
    assert summary["author_counts"] == authors(path.with_name(path.name + ".1"), path)
    assert summary["positions"] == {"0": path.stat().st_size}
    assert err.count("rotated while the consumer was stopped") == 1
    assert "was replaced (rotated)" not in err  # one line, not two


def _checkpointed(workdir: Path) -> int:
    """Messages in the consumer's last checkpoint (0 before the first)."""
    path = workdir / "data" / FILE_NAME
    if not path.exists():
        return 0
    db = sqlite3.connect(path, timeout=30)
    try:
        rows = db.execute("SELECT state FROM checkpoints WHERE topic = ?", (TOPIC,)).fetchall()
    except sqlite3.OperationalError:  # the table is not there yet
        return 0
    finally:
        db.close()
    return sum(orjson.loads(state)["totals"]["messages"] for (state,) in rows)


def _wait_for(workdir: Path, proc: subprocess.Popen, messages: int) -> None:
    deadline = time.monotonic() + 120
    while _checkpointed(workdir) != messages:
        assert proc.poll() is None, "the consumer ended early"
        assert time.monotonic() < deadline, f"the consumer never counted {messages:,}"
        time.sleep(0.05)


def _stop_outside_its_lock(proc: subprocess.Popen, path: Path) -> None:
    """SIGSTOP the consumer at a moment it holds no lock on ``path`` (stopped inside the few
    microseconds it holds a shared one, it would hold up the producer until SIGCONT)."""
    deadline = time.monotonic() + 30
    while True:
        proc.send_signal(signal.SIGSTOP)
        while Path(f"/proc/{proc.pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "T":
            assert time.monotonic() < deadline, "the consumer does not stop"
            time.sleep(0.001)
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            fcntl.flock(fd, fcntl.LOCK_UN)
            return
        except BlockingIOError:
            proc.send_signal(signal.SIGCONT)
            assert time.monotonic() < deadline, "the consumer keeps its lock"
        finally:
            os.close(fd)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_reset_topic_while_a_consumer_tails(workdir: Path) -> None:
    """Each ``--reset-topic`` run writes more than the last, while the consumer is stopped
    (SIGSTOP: busy elsewhere), so the refill passes its offset before it looks again."""
    env = subprocess_env(workdir)
    proc = subprocess.Popen(
        [sys.executable, "-m", "buzzline", "consume", "basic", "--topic", TOPIC, "--no-chart",
         "--from-beginning", "--checkpoint-every", "0", "--count", "62000", "--idle-exit", "20",
         "--summary-json", str(workdir / "summary.json")],
        cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        total = 0
        for run, count in enumerate((10_000, 20_000, 32_000)):
            if run:
                _stop_outside_its_lock(proc, topic_file(workdir))
            try:
                produce(workdir, count, run, "--reset-topic")
            finally:
                proc.send_signal(signal.SIGCONT)
            total += count
            _wait_for(workdir, proc, total)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    summary = json.loads((workdir / "summary.json").read_text())
    assert summary["messages"] == 62_000  # was 60,000
    assert summary["positions"] == {"0": topic_file(workdir).stat().st_size}
    assert err.count("was replaced (rotated)") == 2


# -- in process: the consumer alone


def transport(tmp_path: Path) -> FileTransport:
    return FileTransport(tmp_path / "data", poll_interval=0.001)


def lines(tag: str, n: int) -> list[bytes]:
    return [b'{"%s":%d}' % (tag.encode(), i) for i in range(n)]


def write(t: FileTransport, values: list[bytes]) -> None:
    with t.producer(TOPIC) as producer:
        for value in values:
            producer.send(value)


def drain(consumer, n: int) -> list[bytes]:
    out: list[bytes] = []
    deadline = time.monotonic() + 10
    while len(out) < n and time.monotonic() < deadline:
        out += consumer.poll(timeout=0.05).values
    return out


def test_a_running_consumer_sees_a_truncate_and_refill_past_its_offset(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    t = transport(tmp_path)
    write(t, lines("old", 100))
    with t.consumer(TOPIC, group="g", start="beginning") as c:
        assert drain(c, 100) == lines("old", 100)
        size = t.path(TOPIC).stat().st_size
        with open(t.path(TOPIC), "r+b") as f:  # in place, between two polls
            f.truncate(0)
        write(t, lines("refill", 300))
        assert t.path(TOPIC).stat().st_size > size
        assert drain(c, 300) == lines("refill", 300)  # from its first line, none torn
        assert c.poll(timeout=0.01).values == []
    assert sum("truncated and refilled" in r.getMessage() for r in caplog.records) == 1


def test_reads_smaller_than_the_fingerprint_are_not_a_refill(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    t = FileTransport(tmp_path / "data", poll_interval=0.001, chunk_bytes=7)
    write(t, lines("a", 2000))
    with t.consumer(TOPIC, group="g", start="beginning") as c:
        assert drain(c, 2000) == lines("a", 2000)
    assert not [r for r in caplog.records if r.levelname == "WARNING"]


def test_an_empty_file_s_inode_reused_by_another_file_is_not_taken_for_it(
    tmp_path: Path
) -> None:
    """Saved at 0 in an empty file, whose inode number now names SQLite's journal: that is no
    rotated topic file (seen with hypothesis: the consumer read checkpoints.sqlite-shm)."""
    t = transport(tmp_path)
    other = tmp_path / "data" / "checkpoints.sqlite-shm"
    other.parent.mkdir(parents=True)
    other.write_bytes(b"\x18\xe2-\x00\n" * 100)
    source = {"device": other.stat().st_dev, "inode": other.stat().st_ino, "size": 0,
              "head_len": 0, "head": fingerprint(b"")}
    write(t, lines("new", 5))
    with t.consumer(TOPIC, group="g", start="committed", start_positions={0: 0},
                    sources={0: source}) as c:
        assert drain(c, 5) == lines("new", 5)
        assert c.poll(timeout=0.01).values == []


def test_a_position_not_at_a_line_start_reads_from_0(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    t = transport(tmp_path)
    write(t, lines("a", 10))
    with t.consumer(TOPIC, group="g", start="beginning") as c:
        drain(c, 10)
        source = c.identity()
    with t.consumer(TOPIC, group="g", start="committed", start_positions={0: 5},
                    sources=source) as c:
        assert c.positions() == {0: 0}
        assert drain(c, 10) == lines("a", 10)
    assert sum("not at the start of a line" in r.getMessage() for r in caplog.records) == 1


def test_identity_describes_the_file_and_survives_json(tmp_path: Path) -> None:
    t = transport(tmp_path)
    write(t, lines("a", 1000))
    with t.consumer(TOPIC, group="g", start="beginning") as c:
        drain(c, 1000)
        found = FileIdentity.from_json(orjson.loads(orjson.dumps(c.identity()[0])))
    st = t.path(TOPIC).stat()
    assert found is not None and (found.inode, found.size, found.head_len) == (
        st.st_ino, st.st_size, 4096)
    assert FileIdentity.from_json({"device": 1}) is None
    assert FileIdentity.from_json({**found.to_json(), "size": -1}) is None


def test_old_checkpoint_files_get_the_source_column(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    db = sqlite3.connect(path)
    db.execute("""CREATE TABLE checkpoints (transport TEXT NOT NULL, app TEXT NOT NULL,
        grp TEXT NOT NULL, topic TEXT NOT NULL, partition INTEGER NOT NULL,
        position INTEGER NOT NULL, state BLOB NOT NULL, saved REAL NOT NULL,
        PRIMARY KEY (transport, app, grp, topic, partition))""")
    db.execute("INSERT INTO checkpoints VALUES ('file', 'basic', 'g', 't', 0, 7, '{}', 0)")
    db.commit()
    db.close()
    key = StateKey("file", "basic", "g", "t")
    store = CheckpointStore(path)
    assert store.load(key) == {0: Checkpoint(7, {}, None)}
    store.save(key, {0: Checkpoint(9, {"x": 1}, {"inode": 5})})
    assert store.load(key) == {0: Checkpoint(9, {"x": 1}, {"inode": 5})}
    store.close()
    CheckpointStore(path).close()  # a second open finds the column there


# -- a hypothesis state machine: file operations while the consumer is down


AUTHORS = "ABCDE"


@dataclass
class ModelFile:
    """What a user knows of a file: its inode, a token that changes when it is emptied in
    place, and the authors of its messages in order."""

    inode: int
    content: int
    authors: list[str] = field(default_factory=list)


class FileOperations(RuleBasedStateMachine):
    """A consumer (the whole job: decode, count, checkpoint) runs between operations on its
    topic file and must count what a user expects: a file it was in is finished where it is
    (at the path, or rotated to ``T.jsonl.1``), then the file at the path from its start; a
    file it was in that is gone, or was emptied in place since, makes it start over with the
    file at the path (its saved state goes too, as for a topic emptied elsewhere)."""

    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp(prefix="buzzline-identity-"))
        self.settings = load_settings(environ={}, env_file=None, data_dir=self.dir / "data",
                                      checkpoint_seconds=0)
        self.transport = FileTransport(self.dir / "data", poll_interval=0.001)
        self.path = self.transport.path(TOPIC)
        self.rotated_path = self.path.with_name(self.path.name + ".1")
        self.ids = itertools.count()
        self.contents = itertools.count()
        self.cur: ModelFile | None = None
        self.rotated: ModelFile | None = None
        self.on: tuple[int, int] | None = None  # the consumer's file: (inode, content)
        self.read = 0  # messages of it counted
        self.counted: Counter[str] = Counter()
        self.first = True

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _messages(self, n: int) -> tuple[list[str], list[bytes]]:
        ids = [next(self.ids) for _ in range(n)]  # unique: no two files begin alike
        authors = [AUTHORS[i % 5] for i in ids]
        return authors, [Buzz(f"message {i}", a).encode() for i, a in zip(ids, authors,
                                                                            strict=True)]

    def _append(self, n: int) -> None:
        authors, values = self._messages(n)
        with self.transport.producer(TOPIC) as producer:
            for value in values:
                producer.send(value)
        if self.cur is None:
            self.cur = ModelFile(self.path.stat().st_ino, next(self.contents))
        self.cur.authors += authors

    @rule(n=st.integers(0, 40))
    def append(self, n: int) -> None:
        self._append(n)

    @precondition(lambda self: self.cur is not None)
    @rule(refill=st.integers(0, 40))
    def truncate(self, refill: int) -> None:
        os.truncate(self.path, 0)  # in place: the same inode
        self.cur = ModelFile(self.cur.inode, next(self.contents))
        self._append(refill)

    @precondition(lambda self: self.cur is not None)
    @rule(create=st.booleans())
    def rotate(self, create: bool) -> None:
        os.replace(self.path, self.rotated_path)  # logrotate: T.jsonl -> T.jsonl.1
        self.rotated, self.cur = self.cur, None
        if create:
            self._append(0)

    @precondition(lambda self: self.cur is not None)
    @rule(recreate=st.integers(-1, 40))
    def delete(self, recreate: int) -> None:
        self.path.unlink()
        self.cur = None
        if recreate >= 0:
            self._append(recreate)

    @rule(n=st.integers(0, 40))
    def replace(self, n: int) -> None:
        """A new file renamed over the topic file (like --reset-topic)."""
        authors, values = self._messages(n)
        tmp = self.path.with_name("new.tmp")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(b"".join(v + b"\n" for v in values))
        os.replace(tmp, self.path)
        self.cur = ModelFile(self.path.stat().st_ino, next(self.contents), authors)

    @precondition(lambda self: self.rotated is not None)
    @rule()
    def drop_rotated(self) -> None:
        self.rotated_path.unlink()
        self.rotated = None

    def _is_ours(self, file: ModelFile | None) -> bool:
        if file is None or self.on is None or file.inode != self.on[0]:
            return False
        return self.read == 0 or file.content == self.on[1]

    @rule()
    def consume(self) -> None:
        cur = self.cur.authors if self.cur is not None else []
        if self.first:
            self.counted.update(cur)  # the first run reads from the beginning
        elif self.on is None:  # position 0, no file known: the file at the path, from 0
            self.counted.update(cur)
        elif self._is_ours(self.cur):
            self.counted.update(cur[self.read:])
        elif self._is_ours(self.rotated):
            self.counted.update(self.rotated.authors[self.read:] + cur)
        elif self.read == 0:  # position 0: nothing of its file was lost, the state goes on
            self.counted.update(cur)
        else:  # its file is gone: start over with the file at the path
            self.counted = Counter(cur)
        self.on = None if self.cur is None else (self.cur.inode, self.cur.content)
        self.read = len(cur)

        job = ConsumeJob(get_app("basic"), self.settings, self.transport, TOPIC,
                         start="beginning" if self.first else "committed")
        job.input_done.set()  # stop once caught up
        job.run()
        self.first = False
        summary = job.summary("file")
        assert summary["messages"] == self.counted.total()
        assert summary["author_counts"] == {a: n for a, n in sorted(self.counted.items()) if n}


FileOperations.TestCase.settings = settings(
    max_examples=40 if IN_CI else 25, stateful_step_count=12, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_file_operations_while_the_consumer_is_down = FileOperations.TestCase
