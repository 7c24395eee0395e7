"""The file transport under concurrency: two producer processes appending at once while the
topic file is rotated like logrotate does, and one consumer following it all. Every message
must arrive exactly once: nothing lost, nothing read twice.

How rotation behaves (see buzzline/transports/file.py): ``T.jsonl`` is renamed to
``T.jsonl.1`` (an older ``.1`` to ``.2``), and with logrotate's ``create`` an empty
``T.jsonl`` is made at once. Producers follow the name: under their lock they notice the path
names another file and reopen it, so no line goes to a rotated file once the consumer moved
on; the consumer finishes the rotated file and reads the new one from its start.
"""

import os
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

import orjson
import pytest

from buzzline.transports.file import FileConsumer, FileTransport

ROOT = Path(__file__).resolve().parents[1]
PER_PRODUCER = 20_000
TAGS = ("a", "b")

# One producer: sends PER_PRODUCER messages with unique ids, flushing every few (odd sizes,
# some large), pausing now and then so the other producer and the rotations interleave. At
# each of the given checkpoints it waits for the test's marker file "<rotated>N" without
# flushing first, so lines buffered before a rotation are written after it.
PRODUCER = """
import random, sys, time
from pathlib import Path
from buzzline.transports.file import FileTransport
tag, data, ready, rotated = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
total, stops = int(sys.argv[5]), [int(x) for x in sys.argv[6].split(",")]
rng = random.Random(tag)
p = FileTransport(data).producer("t")
ready.touch()
for i in range(total):
    if i in stops:
        marker = Path(rotated + str(stops.index(i)))
        end = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < end:
            time.sleep(0.002)
    pad = "x" * (3000 if i % 211 == 0 else rng.randrange(60))
    p.send(b'{"id":"%s-%d","pad":"%s"}' % (tag.encode(), i, pad.encode()))
    if rng.random() < 0.1:
        p.flush()
    if i % 200 == 0:
        time.sleep(0.001)
p.close()
"""


def rotate(path: Path, create: bool) -> None:
    """What logrotate does with ``rotate 2`` (and ``create``, if asked)."""
    first = path.with_name(path.name + ".1")
    if first.exists():
        first.rename(path.with_name(path.name + ".2"))
    path.rename(first)
    if create:  # never truncates: a producer may have made the new file already
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o644))


def following_new_file(consumer: FileConsumer, path: Path) -> bool:
    try:
        st = path.stat()
    except FileNotFoundError:
        return False
    return consumer._id == (st.st_dev, st.st_ino)


@pytest.mark.slow
@pytest.mark.skipif(os.name == "nt", reason="no flock, and open files cannot be renamed")
@pytest.mark.parametrize("create", [False, True], ids=["rename", "rename-and-create"])
def test_two_producers_and_rotations_while_a_consumer_follows(
    tmp_path: Path, create: bool
) -> None:
    data = tmp_path / "data"
    transport = FileTransport(data, poll_interval=0.005)
    path = transport.path("t")
    ready, rotated = tmp_path / "ready-", str(tmp_path / "rotated-")
    # each producer pauses at a third and at two thirds of its messages for a rotation
    stops = [PER_PRODUCER // 3, 2 * PER_PRODUCER // 3]
    # rotate once the consumer read this many messages in all (both producers still running)
    thresholds = [PER_PRODUCER // 3, PER_PRODUCER]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    consumer = transport.consumer("t", group="g", start="beginning")
    procs = [
        subprocess.Popen([sys.executable, "-c", PRODUCER, tag, str(data), f"{ready}{tag}",
                          rotated, str(PER_PRODUCER), ",".join(map(str, stops))], env=env)
        for tag in TAGS
    ]
    got: list[bytes] = []
    rotations = 0
    try:
        deadline = time.monotonic() + 120
        while len(got) < len(TAGS) * PER_PRODUCER and time.monotonic() < deadline:
            got.extend(consumer.poll(max_messages=2000, timeout=0.05).values)
            # rotate only when the consumer is on the current file (a second rotation before
            # it finished the first rotated file would skip the one in between, as tail -F)
            if (rotations < len(thresholds) and len(got) >= thresholds[rotations]
                    and (rotations == 0 or following_new_file(consumer, path))):
                assert all(proc.poll() is None for proc in procs), "rotate mid-stream"
                rotate(path, create)
                Path(f"{rotated}{rotations}").touch()
                rotations += 1
        for proc in procs:
            assert proc.wait(timeout=60) == 0
        time.sleep(0.05)
        rest = consumer.poll(max_messages=100_000, timeout=0.2)
        got.extend(rest.values)
        after = consumer.poll(timeout=0.1)
    finally:
        consumer.close()
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert rotations == 2
    expected = {f"{tag}-{i}" for tag in TAGS for i in range(PER_PRODUCER)}
    ids = Counter(orjson.loads(line)["id"] for line in got)  # every line one whole object
    assert set(ids) == expected, f"lost {len(expected - set(ids))}"
    assert max(ids.values()) == 1, f"read twice: {[k for k, n in ids.items() if n > 1][:5]}"
    assert len(got) == len(expected)
    assert after.values == [] and after.caught_up and after.positions == {0: path.stat().st_size}
    # on disk too: the two rotated files and the new one hold each message once
    files = [path.with_name(path.name + ".2"), path.with_name(path.name + ".1"), path]
    on_disk = Counter(orjson.loads(line)["id"]
                      for f in files for line in f.read_bytes().splitlines())
    assert set(on_disk) == expected and max(on_disk.values()) == 1
    assert all(f.stat().st_size > 0 for f in files)  # each rotation happened mid-stream
    # each producer's messages arrive in the order it sent them
    for tag in TAGS:
        mine = [int(i.split("-")[1]) for i in (orjson.loads(v)["id"] for v in got)
                if i.startswith(f"{tag}-")]
        assert mine == sorted(mine)


def test_a_producer_recreates_a_deleted_file(tmp_path: Path) -> None:
    transport = FileTransport(tmp_path / "data")
    path = transport.path("t")
    with transport.producer("t") as p:
        p.send(b'{"a":1}')
        p.flush()
        path.unlink()
        p.send(b'{"a":2}')
    assert path.read_bytes() == b'{"a":2}\n'


@pytest.mark.skipif(os.name == "nt", reason="no flock")
def test_the_consumer_waits_for_a_write_under_way_to_the_rotated_file(tmp_path: Path) -> None:
    """A producer checked the path just before the rotation and is writing to the old file:
    the consumer must read that line before it switches to the new file."""
    import fcntl

    transport = FileTransport(tmp_path / "data", poll_interval=0.005)
    path = transport.path("t")
    with transport.producer("t") as p:
        p.send(b'{"old":1}')
    got: list[bytes] = []
    with transport.consumer("t", group="g", start="beginning") as c:
        assert c.poll(timeout=1).values == [b'{"old":1}']
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        fcntl.flock(fd, fcntl.LOCK_EX)  # the producer, mid-write
        try:
            path.rename(path.with_name("t.jsonl.1"))
            with transport.producer("t") as p:
                p.send(b'{"new":1}')
            reader = threading.Thread(target=lambda: got.extend(drain(c, 2)))
            reader.start()
            time.sleep(0.3)
            assert got == [] and reader.is_alive()  # it waits for the old file's lock
            os.write(fd, b'{"old":2}\n')
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
        reader.join(timeout=10)
    assert got == [b'{"old":2}', b'{"new":1}']


def drain(consumer: FileConsumer, count: int, deadline: float = 10.0) -> list[bytes]:
    out: list[bytes] = []
    end = time.monotonic() + deadline
    while len(out) < count and time.monotonic() < end:
        out.extend(consumer.poll(max_messages=count - len(out), timeout=0.05).values)
    return out
