"""The local Kafka broker (buzzline.kafka): install, format, start, stop, logs, against a real
broker, plus offline checks of the download path (SHA-512, safe extraction, Maven fall-back)."""

import base64
import dataclasses
import hashlib
import io
import json
import os
import shutil
import sys
import tarfile
import time
import urllib.error
import uuid
import zipfile
from pathlib import Path

import pytest

from buzzline.errors import BuzzlineError
from buzzline.kafka import archive, broker, jvm, probe, process, storage
from buzzline.kafka import install as install_mod
from buzzline.kafka.broker import free_port, is_running, start, stop, tail_log
from buzzline.kafka.config import BrokerConfig, write_server_properties
from buzzline.kafka.install import KAFKA_VERSION, MARKER, install

IN_CI = os.environ.get("CI") == "true"


def broker_config(data_dir: Path) -> BrokerConfig:
    return BrokerConfig(data_dir, port=free_port(), controller_port=free_port())


@pytest.fixture
def any_java(monkeypatch):
    """For the install tests that never run Java: pass the Java check even where there is none."""
    monkeypatch.setattr(install_mod, "find_java", lambda: "java")


def create_topic(bootstrap: str, topic: str) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])[topic].result(
        timeout=30)


def produce(bootstrap: str, topic: str, count: int, prefix: str = "m") -> None:
    from confluent_kafka import Producer

    producer = Producer({"bootstrap.servers": bootstrap})
    for n in range(count):
        producer.produce(topic, f"{prefix}{n}".encode())
    assert producer.flush(30) == 0


def consume(bootstrap: str, topic: str, count: int, timeout: float = 60.0) -> list[str]:
    from confluent_kafka import Consumer

    consumer = Consumer({"bootstrap.servers": bootstrap, "group.id": f"g-{uuid.uuid4().hex}",
                         "auto.offset.reset": "earliest"})
    consumer.subscribe([topic])
    values: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while len(values) < count and time.monotonic() < deadline:
            message = consumer.poll(0.5)
            if message is not None and message.error() is None:
                values.append(message.value().decode())
    finally:
        consumer.close()
    return values


# ---- against the session broker -------------------------------------------------------------

def test_broker_answers_creates_topics_and_carries_messages(kafka_broker, kafka_topic):
    create_topic(kafka_broker.bootstrap, kafka_topic)
    produce(kafka_broker.bootstrap, kafka_topic, 10)
    assert consume(kafka_broker.bootstrap, kafka_topic, 10) == [f"m{n}" for n in range(10)]


def test_start_again_reports_already_running(kafka_broker):
    again = start(kafka_broker.installation, kafka_broker.config)
    assert again.already_running
    assert again.pid == kafka_broker.info.pid
    assert again.address == kafka_broker.bootstrap
    assert is_running(kafka_broker.config)


def test_second_broker_on_a_taken_port_fails_clearly(kafka_broker, tmp_path):
    other = BrokerConfig(tmp_path / "other", port=kafka_broker.config.port,
                         controller_port=free_port())
    with pytest.raises(BuzzlineError) as caught:
        start(kafka_broker.installation, other)
    message = str(caught.value)
    assert f"port {kafka_broker.config.port}" in message and "already in use" in message
    assert "another Kafka broker" in message
    assert "\n" not in message and "Traceback" not in message
    assert not other.pid_file.exists()
    assert is_running(kafka_broker.config)  # the session broker is untouched


def test_running_broker_with_other_settings_is_not_silently_reused(kafka_broker):
    moved = dataclasses.replace(kafka_broker.config, port=free_port())
    with pytest.raises(BuzzlineError, match="already running with other settings"):
        start(kafka_broker.installation, moved)
    assert is_running(kafka_broker.config)


def test_tail_log_has_the_startup_line(kafka_broker):
    assert "Kafka Server started" in tail_log(kafka_broker.config, lines=100_000)
    assert len(tail_log(kafka_broker.config).splitlines()) <= 50
    assert tail_log(kafka_broker.config, lines=0) == ""


def test_broker_version_and_plain_socket_probe(kafka_broker):
    assert broker.broker_version(kafka_broker.installation) == KAFKA_VERSION
    assert probe._api_versions("localhost", kafka_broker.config.port, 5.0)


# ---- other brokers and their data folders ---------------------------------------------------

def test_stop_then_start_keeps_the_messages(kafka_installation, tmp_path, kafka_topic):
    config = broker_config(tmp_path / "data")
    first = start(kafka_installation, config)
    try:
        assert not first.already_running
        create_topic(config.address, kafka_topic)
        produce(config.address, kafka_topic, 5, prefix="kept")
        assert stop(config)
        assert not is_running(config) and not config.pid_file.exists()
        second = start(kafka_installation, config)
        assert not second.already_running and second.pid != first.pid
        assert consume(config.address, kafka_topic, 5) == [f"kept{n}" for n in range(5)]
    finally:
        stop(config)
    assert not process.alive(first.pid)


def test_stop_when_nothing_runs_returns_false(tmp_path):
    config = BrokerConfig(tmp_path)
    assert stop(config) is False
    config.pid_file.write_text(f"{os.getpid()}\n")  # a live pid that is not a broker
    assert stop(config) is False  # ...is never signalled; the stale file goes
    assert not config.pid_file.exists()


def test_start_failure_gives_the_reason_and_leaves_nothing_running(kafka_installation, tmp_path):
    config = BrokerConfig(tmp_path, port=free_port(), controller_port=free_port(), heap="lots")
    with pytest.raises(BuzzlineError) as caught:
        start(kafka_installation, config, timeout=30)
    message = str(caught.value)
    assert "stopped while starting" in message and "heap size" in message, message
    assert "\n" not in message
    assert not config.pid_file.exists() and not is_running(config)


def test_format_storage_runs_once(kafka_installation, tmp_path, monkeypatch):
    config = BrokerConfig(tmp_path)
    cluster_id = storage.format_storage(kafka_installation, config)
    meta = config.log_dirs / "meta.properties"
    assert meta.is_file() and f"cluster.id={cluster_id}" in meta.read_text()

    def no_java(*args, **kwargs):
        raise AssertionError("format ran again")

    monkeypatch.setattr(storage.subprocess, "run", no_java)
    assert storage.format_storage(kafka_installation, config) == cluster_id


def test_new_cluster_id_is_a_kafka_uuid():
    for _ in range(200):
        text = storage.new_cluster_id()
        assert len(text) == 22 and not text.startswith("-")
        assert len(base64.urlsafe_b64decode(text + "==")) == 16


def test_server_properties_are_one_kraft_node(tmp_path):
    config = BrokerConfig(tmp_path, port=19100, controller_port=19101)
    text = write_server_properties(config).read_text()
    for line in ("process.roles=broker,controller", "controller.quorum.voters=1@localhost:19101",
                 "listeners=PLAINTEXT://localhost:19100,CONTROLLER://localhost:19101",
                 "advertised.listeners=PLAINTEXT://localhost:19100",
                 f"log.dirs={(tmp_path / 'logs-data').resolve().as_posix()}",
                 "offsets.topic.replication.factor=1", "group.initial.rebalance.delay.ms=0",
                 "share.coordinator.state.topic.replication.factor=1"):
        assert line in text.splitlines()


# ---- install --------------------------------------------------------------------------------

def test_second_install_reuses_the_cache_without_network(kafka_installation, monkeypatch):
    def fail(*args, **kwargs):
        raise AssertionError("no download or Maven run expected")

    monkeypatch.setattr(install_mod, "_from_archive", fail)
    monkeypatch.setattr(install_mod, "_from_maven", fail)
    began = time.monotonic()
    again = install(kafka_installation.root.parent)  # the tests' cache folder
    assert time.monotonic() - began < 2.0
    assert again.root == kafka_installation.root and again.version == KAFKA_VERSION
    assert install_mod.cached(install_mod.install_dir(kafka_installation.root.parent)) == again


def test_unreachable_download_site_falls_back_to_maven(tmp_path, monkeypatch):
    if shutil.which("mvn") is None:
        if IN_CI:
            pytest.fail("mvn is missing in CI")
        pytest.skip("Maven (mvn) not installed")
    opened: list[str] = []

    def unreachable(url, timeout):
        opened.append(url)
        raise urllib.error.URLError("network is unreachable")

    monkeypatch.setattr(archive, "open_url", unreachable)
    stages: list[str] = []
    found = install(tmp_path / "cache", progress=lambda stage, done, total: stages.append(stage))
    assert found.source == "maven" and found.version == KAFKA_VERSION
    assert (found.libs / f"kafka_2.13-{KAFKA_VERSION}.jar").is_file()
    assert (found.root / "log4j2.properties").is_file() and (found.root / MARKER).is_file()
    assert any("downloads.apache.org" in url for url in opened)
    assert any("archive.apache.org" in url for url in opened)
    assert any("Maven" in stage for stage in stages)
    assert [p.name for p in (tmp_path / "cache").iterdir()] == [f"kafka-{KAFKA_VERSION}"]


def test_kafka_home_is_used_as_it_is(kafka_installation, tmp_path):
    found = install(tmp_path / "unused", kafka_home=kafka_installation.root)
    assert found.source == "KAFKA_HOME" and found.version == KAFKA_VERSION
    assert not (tmp_path / "unused").exists()


def test_kafka_home_without_libs_is_an_error(any_java, tmp_path):
    (tmp_path / "bin").mkdir()
    with pytest.raises(BuzzlineError, match=r"libs/\*\.jar"):
        install(tmp_path / "cache", kafka_home=tmp_path)


def test_missing_java_is_an_error(tmp_path, monkeypatch):
    monkeypatch.delenv("JAVA_HOME", raising=False)
    monkeypatch.setattr(jvm.shutil, "which", lambda name: None)
    with pytest.raises(BuzzlineError, match="Java 17 or newer is needed"):
        install(tmp_path)


@pytest.mark.skipif(sys.platform == "win32", reason="a shell script stands in for java")
def test_old_java_is_an_error(tmp_path, monkeypatch):
    fake = tmp_path / "bin" / "java"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'openjdk version \"11.0.2\" 2019-01-15' >&2\n")
    fake.chmod(0o755)
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    with pytest.raises(BuzzlineError, match=r"Java 17 or newer.*is Java 11"):
        install(tmp_path / "cache")
    assert jvm.parse_java_major('java version "1.8.0_292"') == 8


# ---- the archive path, offline --------------------------------------------------------------

def _jar(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as jar:
        for name, text in entries.items():
            jar.writestr(name, text)
    return buffer.getvalue()


def _tgz(members: dict[str, bytes], links: dict[str, str] | None = None) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return buffer.getvalue()


def _gpg_sha512(data: bytes, name: str) -> str:
    digest = hashlib.sha512(data).hexdigest().upper()
    groups = " ".join(digest[i:i + 8] for i in range(0, 128, 8))
    return f"{name}: {groups[:71]}\n{' ' * len(name)}  {groups[72:]}\n"


class FakeResponse(io.BytesIO):
    def __init__(self, data: bytes):
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


def _serve(monkeypatch, files: dict[str, bytes]) -> list[str]:
    asked: list[str] = []

    def fake_open(url, timeout):
        asked.append(url)
        name = url.rsplit("/", 1)[-1]
        if name not in files:
            raise urllib.error.HTTPError(url, 404, "Not Found", None, None)
        return FakeResponse(files[name])

    monkeypatch.setattr(archive, "open_url", fake_open)
    return asked


def fake_release() -> bytes:
    top = f"kafka_2.13-{KAFKA_VERSION}"
    clients = _jar({"kafka/kafka-version.properties": f"commitId=x\nversion={KAFKA_VERSION}\n"})
    return _tgz({f"{top}/libs/kafka-clients-{KAFKA_VERSION}.jar": clients,
                 f"{top}/libs/kafka_2.13-{KAFKA_VERSION}.jar": _jar({"kafka/Kafka.class": ""}),
                 f"{top}/bin/kafka-server-start.sh": b"#!/bin/sh\n"})


def test_install_from_the_release_archive_checks_sha512(any_java, tmp_path, monkeypatch):
    name = f"kafka_2.13-{KAFKA_VERSION}.tgz"
    data = fake_release()
    _serve(monkeypatch, {name: data, name + ".sha512": _gpg_sha512(data, name).encode()})
    stale = tmp_path / f".kafka-{KAFKA_VERSION}-killed.partial"  # an install killed long ago
    busy = tmp_path / f".kafka-{KAFKA_VERSION}-busy.partial"  # another install, running now
    for partial in (stale, busy):
        (partial / "libs").mkdir(parents=True)
    os.utime(stale, (time.time() - 86400, time.time() - 86400))
    seen: list[tuple] = []
    found = install(tmp_path, progress=lambda *args: seen.append(args))
    assert found.source == "archive" and found.version == KAFKA_VERSION
    assert (found.root / "bin" / "kafka-server-start.sh").is_file()
    assert json.loads((found.root / MARKER).read_text())["source"] == "archive"
    assert seen[-2][1:] == (len(data), len(data))  # the last download chunk, then "unpacking"
    assert sorted(p.name for p in tmp_path.iterdir()) == [busy.name, f"kafka-{KAFKA_VERSION}"]


def test_a_bad_checksum_is_never_installed(any_java, tmp_path, monkeypatch):
    name = f"kafka_2.13-{KAFKA_VERSION}.tgz"
    data = fake_release()
    _serve(monkeypatch, {name: data, name + ".sha512": _gpg_sha512(b"other", name).encode()})
    tried: list[str] = []

    def fake_maven(staging, progress, reason):
        tried.append(reason)
        raise BuzzlineError("maven stand-in")

    monkeypatch.setattr(install_mod, "_from_maven", fake_maven)
    with pytest.raises(BuzzlineError, match="maven stand-in"):
        install(tmp_path)
    assert "does not match its published SHA-512" in tried[0]
    assert list(tmp_path.iterdir()) == []  # no partial install left behind


def test_sha512_file_formats():
    digest = hashlib.sha512(b"x").hexdigest()
    assert archive.parse_sha512(f"{digest}  kafka.tgz\n") == digest
    assert archive.parse_sha512(_gpg_sha512(b"x", "kafka_2.13-4.1.1.tgz")) == digest
    archive.verify_sha512(digest, f"{digest.upper()}  kafka.tgz", "kafka.tgz")
    with pytest.raises(archive.ChecksumError):
        archive.verify_sha512(hashlib.sha512(b"y").hexdigest(), digest, "kafka.tgz")
    with pytest.raises(archive.ChecksumError):
        archive.parse_sha512("<html>not found</html>")


@pytest.mark.parametrize("members, links", [
    ({"../escaped.txt": b"x"}, None),
    ({"/tmp/absolute-buzzline-test.txt": b"x"}, None),
    ({"ok/../../escaped.txt": b"x"}, None),
    ({"ok.txt": b"x"}, {"ok/link": "../../escaped.txt"}),
    ({"ok.txt": b"x"}, {"abs-link": "/etc/passwd"}),
])
def test_safe_extract_refuses_members_outside_the_target(tmp_path, members, links):
    tgz = tmp_path / "evil.tgz"
    tgz.write_bytes(_tgz(members, links))
    target = tmp_path / "deep" / "target"
    with pytest.raises(BuzzlineError, match="unsafe"):
        archive.safe_extract(tgz, target)
    assert not (tmp_path / "deep" / "escaped.txt").exists()
    assert not (tmp_path / "escaped.txt").exists()
    assert not Path("/tmp/absolute-buzzline-test.txt").exists()
    assert list(target.iterdir()) == []  # checked before anything is written


def test_safe_extract_unpacks_a_good_archive(tmp_path):
    tgz = tmp_path / "good.tgz"
    tgz.write_bytes(_tgz({"top/libs/a.jar": b"jar", "top/README": b"hi"}, {"top/link": "README"}))
    archive.safe_extract(tgz, tmp_path / "out")
    assert (tmp_path / "out" / "top" / "libs" / "a.jar").read_bytes() == b"jar"
    assert (tmp_path / "out" / "top" / "link").read_bytes() == b"hi"
