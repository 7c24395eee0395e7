"""Damaged checkpoints (issue #12): a saved state that cannot be loaded or saved is never used
nor silently replaced. One log line names the partition, that partition is counted over from
its beginning (a file from byte 0, a Kafka partition from its first offset) and the others
resume; a damaged SQLite file is moved aside and every partition starts over; no traceback.
"""

import logging
import os
import random
import sqlite3
from collections import Counter
from pathlib import Path

import orjson
import pytest

from buzzline import state_codec
from buzzline.analytics import Analytic, Pipeline, Totals
from buzzline.apps import get_app
from buzzline.checkpoints import Checkpoint, CheckpointStore, Damaged, StateKey
from buzzline.clock import ManualClock
from buzzline.engine.consume import ConsumeJob
from buzzline.engine.partitions import Partitions
from buzzline.messages import Buzz
from buzzline.settings import load_settings
from buzzline.transports.file import FileTransport
from tests.conftest import run_buzzline

STORE = "checkpoints.sqlite"


def buzzes(n: int, seed: int) -> list[Buzz]:
    rng = random.Random(seed)
    return [Buzz(f"message {seed}-{i}", rng.choice("ABCDE")) for i in range(n)]


def settings_in(tmp_path: Path):
    return load_settings(environ={}, env_file=None, data_dir=tmp_path / "data",
                         checkpoint_seconds=0)


def produce(transport: FileTransport, topic: str, messages: list[Buzz]) -> None:
    with transport.producer(topic) as producer:
        for m in messages:
            producer.send(m.encode())


def consume(tmp_path: Path, topic: str = "t", **kw) -> ConsumeJob:
    settings = settings_in(tmp_path)
    transport = FileTransport(settings.data_dir, poll_interval=0.01)
    job = ConsumeJob(get_app("basic"), settings, transport, topic, idle_exit=0.3, **kw)
    job.run()
    return job


def authors(messages: list[Buzz]) -> dict[str, int]:
    return dict(sorted(Counter(m.author for m in messages).items()))


def store_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / STORE


def set_row(tmp_path: Path, column: str, value: object) -> None:
    db = sqlite3.connect(store_path(tmp_path))
    with db:
        assert db.execute(f"UPDATE checkpoints SET {column} = ?", (value,)).rowcount == 1
    db.close()


def warnings_about(caplog: pytest.LogCaptureFixture, words: str) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.levelno >= logging.WARNING and words in r.getMessage()]


def basic_state() -> dict:
    settings = load_settings(environ={}, env_file=None)
    return get_app("basic").pipeline(settings, ManualClock()).state()


def reshaped(**changes: object) -> bytes:
    """A basic app's state (JSON) with parts replaced: the wrong shape, still valid JSON."""
    state = basic_state()
    for path, value in changes.items():
        node = state
        *parents, last = path.split("__")
        for name in parents:
            node = node[name]
        node[last] = value
    return orjson.dumps(state)


BAD_STATES = {
    "not-json": b"\xff{ not json",
    "truncated-json": b'{"authors": {"counts": {"A": 3',
    "json-array": b"[1, 2, 3]",
    "json-string": b'"state"',
    "nan-token": b'{"totals": {"messages": NaN, "rejected": 0}}',
    "overflowing-float": b'{"totals": {"messages": 1e999, "rejected": 0}}',
    "count-is-a-string": reshaped(totals__messages="many"),
    "count-is-negative": reshaped(totals__rejected=-4),
    "count-is-null": reshaped(totals__messages=None),
    "counts-not-a-dict": reshaped(authors__counts=[1, 2]),
    "author-count-is-text": reshaped(authors__counts={"A": "x"}),
    "pending-of-wrong-type": reshaped(batches__pending=[{"message": 5, "author": None}]),
    "batches-missing": reshaped(batches={}),
}


@pytest.mark.parametrize("bad", BAD_STATES.values(), ids=BAD_STATES.keys())
def test_an_unusable_state_counts_that_partition_over_from_byte_0(tmp_path, caplog, bad):
    settings = settings_in(tmp_path)
    transport = FileTransport(settings.data_dir, poll_interval=0.01)
    first, later = buzzes(100, 1), buzzes(50, 2)
    produce(transport, "t", first)
    assert consume(tmp_path, start="beginning").summary("x")["messages"] == 100
    set_row(tmp_path, "state", bad)
    produce(transport, "t", later)
    caplog.set_level(logging.INFO)
    job = consume(tmp_path)  # resumes: the damaged partition from its beginning
    summary = job.summary("x")
    assert (summary["messages"], summary["rejected"]) == (150, 0)
    assert summary["author_counts"] == authors(first + later)
    assert job.read == 150  # read again from byte 0, not from the end (0 of 100 before)
    lines = warnings_about(caplog, "partition 0")
    assert len(lines) == 1 and "cannot be used" in lines[0] and "position 0" in lines[0]
    again = consume(tmp_path)  # the new checkpoint replaced the damaged one
    assert again.summary("x")["messages"] == 150 and again.read == 0


@pytest.mark.parametrize("position", ["abc", -5, 1.5, None])
def test_a_damaged_position_counts_that_partition_over(tmp_path, caplog, position):
    settings = settings_in(tmp_path)
    transport = FileTransport(settings.data_dir, poll_interval=0.01)
    produce(transport, "t", buzzes(80, 1))
    consume(tmp_path, start="beginning")
    db = sqlite3.connect(store_path(tmp_path))
    with db:  # the column is NOT NULL: a null position is a row that lost its position
        db.execute("UPDATE checkpoints SET position = ?",
                   (position if position is not None else "",))
    db.close()
    caplog.set_level(logging.WARNING)
    job = consume(tmp_path)
    assert job.summary("x")["messages"] == 80 and job.read == 80
    assert len(warnings_about(caplog, "is not an offset")) == 1


def damage(path: Path, how: str) -> None:
    """Break the SQLite file at ``path`` (all connections closed: no WAL left)."""
    assert not Path(f"{path}-wal").exists()
    if how == "not-a-database":
        path.write_bytes(os.urandom(8192))
        return
    db = sqlite3.connect(path)  # "malformed": the checkpoints table's first page scribbled on
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'checkpoints'").fetchone()
    db.close()
    data = bytearray(path.read_bytes())
    start = (root[0] - 1) * page_size
    data[start:start + 12] = b"\xff" * 12
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("how", ["not-a-database", "malformed"])
def test_a_damaged_file_is_moved_aside_and_every_partition_starts_over(tmp_path, caplog, how):
    settings = settings_in(tmp_path)
    transport = FileTransport(settings.data_dir, poll_interval=0.01)
    t1, u1 = buzzes(120, 1), buzzes(70, 2)
    produce(transport, "t", t1)
    produce(transport, "u", u1)
    consume(tmp_path, "t", start="beginning")
    consume(tmp_path, "u", start="beginning")
    damage(store_path(tmp_path), how)
    t2, u2 = buzzes(30, 3), buzzes(20, 4)
    produce(transport, "t", t2)
    produce(transport, "u", u2)
    caplog.set_level(logging.INFO)
    job = consume(tmp_path, "t")
    assert job.summary("x")["author_counts"] == authors(t1 + t2) and job.read == 150
    moved = sorted(p.name for p in store_path(tmp_path).parent.glob(f"{STORE}.damaged-*"))
    assert len(moved) == 1 and moved[0].startswith(f"{STORE}.damaged-20")
    assert len(warnings_about(caplog, "is damaged")) == 1
    caplog.clear()
    # another consumer of the same file (another topic) finds no checkpoint in the new file:
    # it starts over too, rather than at the end of its file
    other = consume(tmp_path, "u")
    assert other.summary("x")["author_counts"] == authors(u1 + u2) and other.read == 90
    assert "moved to " + moved[0] in warnings_about(caplog, "partition 0")[0]
    again = consume(tmp_path, "t")
    assert again.summary("x")["messages"] == 150 and again.read == 0


def test_forgetting_the_state_of_a_damaged_file_starts_where_asked(tmp_path, caplog):
    settings = settings_in(tmp_path)
    transport = FileTransport(settings.data_dir, poll_interval=0.01)
    produce(transport, "t", buzzes(60, 1))
    consume(tmp_path, start="beginning")
    damage(store_path(tmp_path), "not-a-database")
    caplog.set_level(logging.WARNING)
    assert consume(tmp_path, reset_state=True).summary("x")["messages"] == 0  # at the end
    assert consume(tmp_path, start="beginning").summary("x")["messages"] == 60
    assert len(warnings_about(caplog, "is damaged")) == 1
    assert not warnings_about(caplog, "partition 0")


def test_the_cli_says_one_line_and_counts_everything_after_damage(workdir):
    topic = workdir / "data" / "buzz_live.jsonl"
    topic.parent.mkdir(parents=True)
    messages = buzzes(100, 5)
    topic.write_bytes(b"".join(m.encode() + b"\n" for m in messages))
    args = ["consume", "basic", "--no-chart", "--no-live", "--idle-exit", "0.5"]
    first = run_buzzline([*args, "--from-beginning"], workdir)
    assert first.returncode == 0, first.stderr[-2000:]
    damage(workdir / "data" / STORE, "not-a-database")
    second = run_buzzline([*args, "--summary-json", "s.json"], workdir)
    assert second.returncode == 0 and "Traceback" not in second.stderr, second.stderr[-2000:]
    assert len([line for line in second.stderr.splitlines() if "is damaged" in line]) == 1
    summary = orjson.loads((workdir / "s.json").read_bytes())
    assert summary["messages"] == 100 and summary["author_counts"] == authors(messages)


KEY = StateKey("kafka", "basic", "g", "t")


def pipeline() -> Pipeline:
    return get_app("basic").pipeline(load_settings(environ={}, env_file=None), ManualClock())


def test_a_kafka_partition_that_cannot_be_loaded_resumes_at_its_first_offset(tmp_path, caplog):
    store = CheckpointStore(tmp_path / STORE)
    good = pipeline()
    good["totals"].add(40)
    store.save(KEY, {0: Checkpoint(40, good.state()), 1: Checkpoint(90, good.state()),
                     2: Checkpoint(12, {"totals": {"messages": "x"}})})
    db = sqlite3.connect(tmp_path / STORE)
    with db:
        db.execute("UPDATE checkpoints SET state = ? WHERE partition = 1", (b"\x00",))
    db.close()
    caplog.set_level(logging.WARNING)
    parts = Partitions(pipeline, store, KEY)
    # (first offset, next offset) per partition, as the broker gives them on assignment
    resume = parts.restore({0: (0, 100), 1: (25, 100), 2: (0, 100), 3: (7, 9)})
    assert resume == {0: 40, 1: 25, 2: 0}  # 3 has no checkpoint: the group's offset rules
    assert len(warnings_about(caplog, "cannot be used")) == 2
    assert _total(parts, 0) == 40 and _total(parts, 1) == _total(parts, 2) == 0


def _total(parts: Partitions, partition: int) -> int:
    return parts.parts[partition]["totals"].messages


def test_after_a_damaged_file_every_kafka_partition_starts_at_its_first_offset(tmp_path):
    path = tmp_path / STORE
    store = CheckpointStore(path)
    store.save(KEY, {0: Checkpoint(40, pipeline().state())})
    store.close()
    damage(path, "malformed")
    parts = Partitions(pipeline, CheckpointStore(path), KEY)
    assert parts.restore({}) == {}
    assert parts.restore({0: (3, 100), 1: (0, 50)}) == {0: 3, 1: 0}
    assert parts.checkpoint() == {0: 3, 1: 0}
    later = Partitions(pipeline, CheckpointStore(path), KEY)
    assert later.restore({0: (3, 100), 1: (0, 50), 2: (5, 6)}) == {0: 3, 1: 0, 2: 5}


class Broken(Analytic):
    """An analytic with a bug: its state holds an infinity (or not)."""

    name = "broken"

    def __init__(self) -> None:
        self.value = 1.0

    def update(self, messages):
        return []

    def result(self):
        return {}

    def state(self):
        return {"value": self.value}

    def load_state(self, state):
        self.value = state["value"]

    def combine(self, parts):
        self.value = parts[0].value if parts else 1.0


def test_a_state_that_cannot_be_saved_is_not_saved_and_its_last_checkpoint_stays(tmp_path,
                                                                                 caplog):
    store = CheckpointStore(tmp_path / STORE)
    parts = Partitions(lambda: Pipeline({"broken": Broken(), "totals": Totals(ManualClock())}),
                       store, KEY)
    parts.advance({0: 10, 1: 10})
    assert parts.checkpoint() == {0: 10, 1: 10}
    caplog.set_level(logging.WARNING)
    for value in (float("inf"), float("nan"), float("-inf")):
        parts.part(0)["broken"].value = value
        parts.advance({0: 20, 1: 20})
        assert parts.checkpoint() == {0: 10, 1: 20}  # partition 1 goes on
    assert len(warnings_about(caplog, "cannot be saved")) == 1  # once, not every second
    assert store.load(KEY)[0] == Checkpoint(10, {"broken": {"value": 1.0},
                                                 "totals": {"messages": 0, "rejected": 0}})
    parts.part(0)["broken"].value = 2.5
    assert parts.checkpoint() == {0: 20, 1: 20}
    assert store.load(KEY)[0].state["broken"] == {"value": 2.5}


def test_a_file_replaced_by_another_process_gets_every_partition_again(tmp_path):
    path = tmp_path / STORE
    parts = Partitions(pipeline, CheckpointStore(path), KEY)
    parts.advance({0: 5, 1: 8})
    parts.checkpoint()
    for suffix in ("", "-wal", "-shm"):  # another process found it damaged: it moved it
        os.replace(f"{path}{suffix}", f"{path}.damaged{suffix}")  # aside with its WAL and
    CheckpointStore(path).close()  # started a new file
    parts.advance({1: 9, 2: 4})  # partition 0 did not move: it is saved again all the same
    assert parts.checkpoint([1]) == {1: 9}  # (as when partition 1 is given up)
    assert parts.store is not None and parts.store.generation == 1
    saved = CheckpointStore(path).load(KEY)
    assert {p: cp.position for p, cp in saved.items()} == {0: 5, 1: 9, 2: 4}


def test_states_are_encoded_strictly():
    for bad in ({"a": float("nan")}, {"a": [1.0, float("inf")]}, {"a": {"b": [{"c": -1e999}]}},
                {"a": {1: 2}}, {"a": object()}):
        with pytest.raises(state_codec.StateError):
            state_codec.encode(bad)
    big = {"pending": [{"n": 10 ** 400, "m": -(10 ** 30)}], "x": [0.5, -0.0, 5e-324], "e": None}
    assert state_codec.decode(state_codec.encode(big)) == big
    assert state_codec.decode(state_codec.encode({"s": "null", "v": 1e308})) == {
        "s": "null", "v": 1e308}
    for bad_bytes in (b"", b"[]", b"nul", b'{"a": NaN}', b'{"a": Infinity}', b'{"a": 1e400}',
                      b"\xff\xfe"):
        with pytest.raises(state_codec.StateError):
            state_codec.decode(bad_bytes)
    assert state_codec.non_finite({"a": [1, {"b": float("nan")}]}) == "state.a[1].b"


def test_a_damaged_row_is_reported_by_load(tmp_path):
    store = CheckpointStore(tmp_path / STORE)
    store.save(KEY, {0: Checkpoint(3, {"a": 1}), 1: Checkpoint(4, {"b": 2})})
    db = sqlite3.connect(tmp_path / STORE)
    with db:
        db.execute("UPDATE checkpoints SET state = ? WHERE partition = 1", (b"{",))
    db.close()
    loaded = store.load(KEY)
    assert loaded[0] == Checkpoint(3, {"a": 1}) and isinstance(loaded[1], Damaged)


@pytest.mark.kafka
@pytest.mark.parametrize("damaged", ["one-partition", "the-file"])
def test_on_kafka_a_damaged_checkpoint_counts_from_the_first_offset(kafka_broker, kafka_topic,
                                                                    tmp_path, caplog, damaged):
    """A real broker, 3 partitions, state in the data folder (BUZZLINE_KAFKA_STATE=sqlite): the
    damaged partition (or, the file damaged, every one) is
    read again from its first offset; the totals stay those of the whole topic."""
    from buzzline.transports.kafka import KafkaTransport
    from tests.test_kafka_transport import produce_ids

    settings = load_settings(environ={"KAFKA_BROKER_ADDRESS": kafka_broker.bootstrap},
                             env_file=None, data_dir=tmp_path, checkpoint_seconds=0,
                             buzz_consumer_group_id=f"g-{damaged}",
                             kafka_state="sqlite")  # the SQLite file on Kafka, still a choice
    app = get_app("basic")
    produce_ids(kafka_broker.bootstrap, kafka_topic, 3000)
    first = ConsumeJob(app, settings, KafkaTransport(settings), kafka_topic, count=3000)
    first.run()
    held = {int(p): o for p, o in first.summary("kafka")["positions"].items()}
    assert first.read == 3000 and len(held) == 3
    path = tmp_path / STORE
    if damaged == "one-partition":
        db = sqlite3.connect(path)
        with db:
            db.execute("UPDATE checkpoints SET state = ? WHERE partition = 1", (b"[",))
        db.close()
    else:
        damage(path, "malformed")
    produce_ids(kafka_broker.bootstrap, kafka_topic, 600)  # ids 0..599 again: 3,600 in all
    caplog.set_level(logging.WARNING)
    second = ConsumeJob(app, settings, KafkaTransport(settings), kafka_topic,
                        idle_exit=5.0)
    second.run()
    summary = second.summary("kafka")
    truth = Counter(f"a{i % 7}" for i in [*range(3000), *range(600)])
    assert summary["messages"] == 3600 and summary["author_counts"] == dict(sorted(truth.items()))
    reread = held[1] if damaged == "one-partition" else 3000
    assert second.read == 600 + reread  # the damaged partitions from offset 0, no more
    if damaged == "one-partition":
        assert len(warnings_about(caplog, "partition 1 cannot be used")) == 1
    else:  # one line for the file, one for the partitions
        assert len(warnings_about(caplog, "is damaged")) == 1
        lines = warnings_about(caplog, "no checkpoint since")
        assert len(lines) == 1 and "partition 0 from position 0, partition 1 from" in lines[0]
    assert len(warnings_about(caplog, "")) == 1 + (damaged == "the-file")
