"""Secured brokers: SASL/PLAIN and SASL/SCRAM-SHA-256/512 over plaintext and SSL.

Offline: the broker's server.properties/JAAS text, SCRAM credentials (RFC 7677 vector), the
certificate's names, the settings. Then two brokers of this module's own: a SASL_PLAINTEXT one
offering all three mechanisms, started with `buzzline kafka start --sasl ...`, and a SASL_SSL
one with a self-signed certificate, started with `broker.start`; the buzzline CLI produces and
consumes through both. The password must show nowhere: output, logs, exception text, repr.
"""

import base64
import dataclasses
import hashlib
import hmac
import io
import json
import stat
import subprocess
import time
import traceback
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from buzzline.cli import kafka_setup as cli_kafka
from buzzline.errors import BuzzlineError, SettingsError, TransportUnavailable
from buzzline.kafka import scram, storage
from buzzline.kafka.broker import start, stop
from buzzline.kafka.config import (
    BrokerConfig,
    properties_value,
    server_properties_text,
    write_server_properties,
)
from buzzline.kafka.process import free_port, port_in_use
from buzzline.kafka.security import BrokerSecurity, jaas_config
from buzzline.kafka.tls import subject_alternative_names, tls_files
from buzzline.settings import load_settings
from buzzline.transports.kafka import KafkaTransport
from buzzline.transports.kafka_config import client_config
from tests.conftest import run_buzzline
from tests.kafka_fixtures import broker_config, kafka_cache_dir

USER = "alice"
# quotes, a backslash, a space and beyond ASCII: every escaping layer is on the way
PASSWORD = 'S3cr3t-Pa55 "w\\0rd" é'
WRONG = "Wr0ng-Pa55-9d1c"
MECHANISMS = ("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")


def security(*mechanisms: str, ssl: bool = False, password: str = PASSWORD) -> BrokerSecurity:
    return BrokerSecurity(mechanisms or MECHANISMS, USER, password, ssl=ssl)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_hidden(*texts: str, folders: tuple[Path, ...] = (),
                  secrets: tuple[str, ...] = (PASSWORD, WRONG)) -> None:
    """No secret in ``texts`` nor in any file under ``folders``."""
    for secret in secrets:
        for text in texts:
            assert secret not in text
        for folder in folders:
            for path in folder.rglob("*"):
                if path.is_file():
                    assert secret.encode() not in path.read_bytes(), path


# ---- offline: what the broker is given -------------------------------------------------------

def test_sasl_plaintext_listener_with_three_mechanisms(tmp_path):
    config = BrokerConfig(tmp_path, port=19200, controller_port=19201, security=security())
    lines = server_properties_text(config).splitlines()
    for line in ("listeners=SASL_PLAINTEXT://localhost:19200,CONTROLLER://localhost:19201",
                 "advertised.listeners=SASL_PLAINTEXT://localhost:19200",
                 "controller.listener.names=CONTROLLER",
                 "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT",
                 "inter.broker.listener.name=SASL_PLAINTEXT",
                 "sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512",
                 "sasl.mechanism.inter.broker.protocol=PLAIN"):
        assert line in lines
    prefix = "listener.name.sasl_plaintext."
    jaas = {ln.split("=", 1)[0]: ln.split("=", 1)[1] for ln in lines if ".sasl.jaas.config=" in ln}
    assert sorted(jaas) == [f"{prefix}{m.lower()}.sasl.jaas.config" for m in MECHANISMS]


def test_jaas_and_properties_escape_the_password():
    plain = jaas_config(security(), "PLAIN")
    quoted = '"S3cr3t-Pa55 \\"w\\\\0rd\\" é"'
    assert plain == ("org.apache.kafka.common.security.plain.PlainLoginModule required "
                     f'username="alice" password={quoted} user_alice={quoted};')
    assert jaas_config(security(), "SCRAM-SHA-512") == (
        "org.apache.kafka.common.security.scram.ScramLoginModule required "
        f'username="alice" password={quoted};')
    # .properties (ISO-8859-1): backslashes doubled, beyond ASCII escaped, a leading space kept
    assert properties_value('a\\"b é\n') == 'a\\\\"b \\u00e9\\n'
    assert properties_value("😀") == "\\ud83d\\ude00" and properties_value(" x") == "\\ x"


def test_server_properties_with_a_password_are_private(tmp_path):
    config = BrokerConfig(tmp_path, port=19202, controller_port=19203,
                          security=security("PLAIN"))
    config.server_properties.write_text("old\n")
    config.server_properties.chmod(0o644)
    path = write_server_properties(config)
    assert mode(path) == 0o600
    assert "user_alice=" in path.read_text()
    assert PASSWORD not in repr(config) and PASSWORD not in repr(config.security)


def test_sasl_ssl_listener_uses_the_keystore_and_pem(tmp_path):
    files = tls_files(tmp_path)
    files.folder.mkdir()
    files.password_file.write_text("store-pass\n")
    config = BrokerConfig(tmp_path, port=19204, controller_port=19205,
                          security=security("SCRAM-SHA-512", "PLAIN", ssl=True))
    lines = server_properties_text(config).splitlines()
    prefix = "listener.name.sasl_ssl."
    for line in ("listeners=SASL_SSL://localhost:19204,CONTROLLER://localhost:19205",
                 "listener.security.protocol.map=CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL",
                 "sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512",
                 f"{prefix}ssl.keystore.type=PKCS12",
                 f"{prefix}ssl.keystore.location={files.keystore.resolve().as_posix()}",
                 f"{prefix}ssl.keystore.password=store-pass",
                 f"{prefix}ssl.truststore.type=PEM",
                 f"{prefix}ssl.truststore.location={files.certificate.resolve().as_posix()}"):
        assert line in lines
    assert config.ca_location == files.certificate
    client = config.client_config()
    assert client["security.protocol"] == "SASL_SSL"
    assert client["sasl.mechanism"] == "SCRAM-SHA-512"
    assert client["ssl.ca.location"] == str(files.certificate)


def test_certificate_names_cover_localhost_and_the_host():
    assert subject_alternative_names("localhost") == "dns:localhost,ip:127.0.0.1"
    assert subject_alternative_names("10.1.2.3") == "dns:localhost,ip:127.0.0.1,ip:10.1.2.3"
    assert subject_alternative_names("kafka.lan") == "dns:localhost,ip:127.0.0.1,dns:kafka.lan"


@pytest.mark.parametrize("kwargs, message", [
    ({"mechanisms": ()}, "at least one mechanism"),
    ({"mechanisms": ("GSSAPI",)}, "unknown SASL mechanism 'GSSAPI'"),
    ({"username": "al ice"}, "user name 'al ice' is not valid"),
    ({"username": "a,b"}, "is not valid"),
    ({"password": ""}, "needs a password"),
    ({"password": "two\nlines"}, "control characters"),
])
def test_broker_security_is_checked(kwargs, message):
    values = {"mechanisms": ("PLAIN",), "username": USER, "password": PASSWORD, **kwargs}
    with pytest.raises(SettingsError, match=message):
        BrokerSecurity(**values)


def test_scram_credentials_match_rfc_7677():
    salt = base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ==")
    salted = scram.salted_password("SCRAM-SHA-256", "pencil", salt, 4096)
    nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    auth = (f"n=user,r=rOprNGfwEbeRWgbNEkqO,r={nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,"
            f"c=biws,r={nonce}").encode()
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    signature = hmac.new(scram.stored_key("SCRAM-SHA-256", salted), auth, "sha256").digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    assert base64.b64encode(proof).decode() == "dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ="


def test_format_adds_scram_users_without_the_password_on_a_command_line(tmp_path, monkeypatch):
    config = BrokerConfig(tmp_path, security=security("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"))
    seen: list[tuple[list[str], str]] = []

    def fake_run(command, **kwargs):
        argfile = Path(command[-1][1:])
        seen.append((command, argfile.read_text()))
        assert mode(argfile) == 0o600
        config.log_dirs.mkdir(parents=True)
        storage.meta_properties(config).write_text("cluster.id=abc\n")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(storage.subprocess, "run", fake_run)
    monkeypatch.setattr(storage, "java_command", lambda *args, **kwargs: ["java"])
    assert storage.format_storage(object(), config) == "abc"  # type: ignore[arg-type]
    command, arguments = seen[0]
    assert command[-1].startswith("@") and not Path(command[-1][1:]).exists()
    assert PASSWORD not in " ".join(command) and PASSWORD not in arguments
    assert arguments.count('"--add-scram"') == 2 and "SCRAM-SHA-512=[name=alice,salt=" in arguments
    records = scram.read_records(tmp_path)
    assert [r.mechanism for r in records] == ["SCRAM-SHA-256", "SCRAM-SHA-512"]
    assert all(r.matches(PASSWORD) and not r.matches(WRONG) for r in records)
    assert mode(scram.record_file(tmp_path)) == 0o600
    assert PASSWORD not in scram.record_file(tmp_path).read_text()
    # formatted: a later start is checked against what the storage has
    scram.check_formatted(security("SCRAM-SHA-512"), tmp_path)
    with pytest.raises(BuzzlineError, match="SCRAM-SHA-256 user 'alice' with another password"):
        scram.check_formatted(security("SCRAM-SHA-256", password=WRONG), tmp_path)
    scram.record_file(tmp_path).unlink()  # as a storage formatted without SASL
    with pytest.raises(BuzzlineError, match="has no SCRAM-SHA-256 user 'alice'.*new --data-dir"):
        storage.format_storage(object(), config)  # type: ignore[arg-type]


def settings_of(**env: str):
    return load_settings(environ=env, env_file=None)


def test_kafka_start_takes_its_security_from_the_settings(monkeypatch):
    monkeypatch.setattr(cli_kafka.sys, "stdin", io.StringIO())  # not a terminal: no prompt
    client = settings_of(KAFKA_SECURITY_PROTOCOL="SASL_SSL", KAFKA_SASL_MECHANISM="scram-sha-256",
                         KAFKA_SASL_USERNAME=USER, KAFKA_SASL_PASSWORD=PASSWORD)
    assert cli_kafka.broker_security(client, (), None, None, None) == BrokerSecurity(
        ("SCRAM-SHA-256",), USER, PASSWORD, ssl=True)
    chosen = cli_kafka.broker_security(client, ("plain", "scram-sha-512"), "bob", "pw", False)
    assert chosen == BrokerSecurity(("PLAIN", "SCRAM-SHA-512"), "bob", "pw", ssl=False)
    assert cli_kafka.broker_security(settings_of(), (), None, None, None) is None
    with pytest.raises(SettingsError, match="need --sasl"):
        cli_kafka.broker_security(settings_of(), (), None, None, True)
    with pytest.raises(SettingsError, match="needs a user name"):
        cli_kafka.broker_security(settings_of(), ("plain",), None, "pw", None)
    with pytest.raises(SettingsError, match="KAFKA_SASL_PASSWORD"):
        cli_kafka.broker_security(settings_of(), ("plain",), USER, None, None)


def test_client_settings_are_checked(tmp_path):
    with pytest.raises(SettingsError, match="needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"):
        client_config(settings_of(KAFKA_SECURITY_PROTOCOL="SASL_PLAINTEXT"))
    missing = tmp_path / "nowhere.pem"
    with pytest.raises(SettingsError, match="KAFKA_SSL_CA_LOCATION=.*is not a file"):
        client_config(settings_of(KAFKA_SECURITY_PROTOCOL="SSL",
                                  KAFKA_SSL_CA_LOCATION=str(missing)))


# ---- two brokers of this module's own ---------------------------------------------------------

@dataclass(frozen=True)
class SecuredBroker:
    config: BrokerConfig
    env: dict[str, str]  # for `buzzline kafka ...` subprocesses
    started: subprocess.CompletedProcess | None = None

    @property
    def address(self) -> str:
        return self.config.address


def client_env(broker: SecuredBroker, mechanism: str, password: str = PASSWORD,
               **extra: str) -> dict[str, str]:
    """The KAFKA_* settings a client of ``broker`` uses."""
    assert broker.config.security is not None
    env = {"KAFKA_BROKER_ADDRESS": broker.address,
           "KAFKA_SECURITY_PROTOCOL": broker.config.security.protocol,
           "KAFKA_SASL_MECHANISM": mechanism, "KAFKA_SASL_USERNAME": USER,
           "KAFKA_SASL_PASSWORD": password}
    if broker.config.ca_location is not None:
        env["KAFKA_SSL_CA_LOCATION"] = str(broker.config.ca_location)
    return {**env, **extra}


def _cli_ports() -> int:
    """A free port whose next one (the controller's, for `kafka start`) is free too."""
    while True:
        port = free_port()
        if port < 65535 and not port_in_use("localhost", port + 1):
            return port


@pytest.fixture(scope="module")
def plaintext_broker(kafka_installation, tmp_path_factory) -> Iterator[SecuredBroker]:
    """SASL_PLAINTEXT with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512, from the CLI."""
    work = tmp_path_factory.mktemp("sasl-plaintext")
    port = _cli_ports()
    config = BrokerConfig(work / "broker", port=port, controller_port=port + 1,
                          security=security())
    env = {"KAFKA_BROKER_ADDRESS": config.address, "BUZZLINE_KAFKA_DATA": str(config.data_dir),
           "BUZZLINE_KAFKA_CACHE": str(kafka_cache_dir()), "KAFKA_SASL_PASSWORD": PASSWORD}
    try:
        started = run_buzzline(["kafka", "start", "--sasl", "plain", "--sasl", "scram-sha-256",
                                "--sasl", "SCRAM-SHA-512", "--username", USER], work,
                               timeout=180, **env)
        assert started.returncode == 0, started.stderr[-2000:]
        yield SecuredBroker(config, env, started)
    finally:
        run_buzzline(["kafka", "stop"], work, timeout=60, **env)
        stop(config)  # in case the CLI could not


@pytest.fixture(scope="module")
def ssl_broker(kafka_installation, tmp_path_factory) -> Iterator[SecuredBroker]:
    """SASL_SSL with SCRAM-SHA-512 (also the broker's own) and PLAIN, from `broker.start`."""
    config = dataclasses.replace(broker_config(tmp_path_factory.mktemp("sasl-ssl")),
                                 security=security("SCRAM-SHA-512", "PLAIN", ssl=True))
    try:
        start(kafka_installation, config, timeout=120)
        yield SecuredBroker(config, {"BUZZLINE_KAFKA_DATA": str(config.data_dir)})
    finally:
        stop(config)


def round_trip(broker: SecuredBroker, workdir: Path, mechanism: str, count: int = 25,
               **extra: str) -> None:
    """`buzzline produce` then `buzzline consume` of ``count`` messages on a new topic."""
    topic = f"t-{uuid.uuid4().hex}"
    env = client_env(broker, mechanism, **extra)
    produced = run_buzzline(["produce", "json", "--transport", "kafka", "--topic", topic,
                             "--count", str(count), "--interval", "0"], workdir, timeout=120,
                            **env)
    assert produced.returncode == 0, produced.stderr[-2000:]
    assert f"sent {count} messages" in produced.stdout
    consumed = run_buzzline(["consume", "json", "--transport", "kafka", "--topic", topic,
                             "--from-beginning", "--count", str(count), "--no-chart",
                             "--summary-json", "s.json"], workdir, timeout=120, **env)
    assert consumed.returncode == 0, consumed.stderr[-2000:]
    assert json.loads((workdir / "s.json").read_text())["messages"] == count
    assert_hidden(produced.stdout, produced.stderr, consumed.stdout, consumed.stderr,
                  folders=(workdir / "logs",))


def refused(broker: SecuredBroker, workdir: Path, command: str, mechanism: str,
            **env: str) -> str:
    """Run ``command`` (produce or consume) that must fail at once: its one line of stderr."""
    args = [command, "json", "--transport", "kafka", "--count", "5"]
    args += ["--no-chart"] if command == "consume" else ["--interval", "0"]
    began = time.monotonic()
    done = run_buzzline(args, workdir, timeout=60, **{**client_env(broker, mechanism), **env})
    elapsed = time.monotonic() - began
    assert done.returncode == 2, done.stderr[-2000:]
    assert elapsed < 10, f"{elapsed:.1f} s"
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and done.stdout == "", done.stderr
    assert "Traceback" not in done.stderr
    assert_hidden(done.stdout, done.stderr, folders=(workdir / "logs",))
    return lines[0]


@pytest.mark.kafka
def test_cli_start_says_how_clients_log_in(plaintext_broker, tmp_path):
    started = plaintext_broker.started
    assert started is not None
    assert f"Kafka is running at {plaintext_broker.address}" in started.stdout
    assert ("SASL (PLAIN, SCRAM-SHA-256, SCRAM-SHA-512) for user 'alice' over SASL_PLAINTEXT"
            in started.stdout)
    assert "KAFKA_SECURITY_PROTOCOL=SASL_PLAINTEXT" in started.stdout
    data = plaintext_broker.config.data_dir
    assert mode(data / "server.properties") == 0o600 and mode(data / "scram-users") == 0o600
    assert not (data / "format.args").exists()
    again = run_buzzline(["kafka", "start", "--sasl", "plain", "--sasl", "scram-sha-256",
                          "--sasl", "scram-sha-512", "--username", USER], tmp_path, timeout=120,
                         **plaintext_broker.env)
    assert again.returncode == 0 and "already running" in again.stdout, again.stderr
    other = run_buzzline(["kafka", "start", "--sasl", "plain", "--username", USER], tmp_path,
                         timeout=120, **plaintext_broker.env)
    assert other.returncode == 2 and "already running with other settings" in other.stderr
    assert_hidden(started.stdout, started.stderr, again.stdout, again.stderr, other.stdout,
                  other.stderr, folders=(tmp_path / "logs", data.parent / "logs"))


@pytest.mark.kafka
@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs /proc")
def test_broker_environment_has_no_client_password(plaintext_broker):
    """`buzzline kafka start` ran with KAFKA_SASL_PASSWORD set: the JVM must not inherit it."""
    assert plaintext_broker.env["KAFKA_SASL_PASSWORD"] == PASSWORD
    pid = int(plaintext_broker.config.pid_file.read_text().strip())
    environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    assert any(v.startswith(b"PATH=") for v in environ)  # read, and an environment
    assert not [v for v in environ if v.startswith(b"KAFKA_SASL_PASSWORD=")]
    assert not [v for v in environ if PASSWORD.encode() in v]


@pytest.mark.kafka
@pytest.mark.parametrize("mechanism", MECHANISMS)
def test_each_mechanism_produces_and_consumes(plaintext_broker, tmp_path, mechanism):
    round_trip(plaintext_broker, tmp_path, mechanism)


@pytest.mark.kafka
@pytest.mark.parametrize("command, mechanism", [("produce", "PLAIN"),
                                                ("consume", "SCRAM-SHA-256"),
                                                ("produce", "SCRAM-SHA-512")])
def test_wrong_password_is_one_clear_line(plaintext_broker, tmp_path, command, mechanism):
    line = refused(plaintext_broker, tmp_path, command, mechanism, KAFKA_SASL_PASSWORD=WRONG)
    assert line.startswith(f"buzzline: error: Kafka at {plaintext_broker.address} refused the "
                           f"credentials of user 'alice' (SASL authentication failed, "
                           f"{mechanism})"), line


@pytest.mark.kafka
def test_unknown_user_is_refused_too(plaintext_broker, tmp_path):
    line = refused(plaintext_broker, tmp_path, "consume", "SCRAM-SHA-512",
                   KAFKA_SASL_USERNAME="mallory")
    assert "refused the credentials of user 'mallory'" in line


@pytest.mark.kafka
def test_plaintext_client_is_told_to_check_the_protocol(plaintext_broker, tmp_path):
    line = refused(plaintext_broker, tmp_path, "produce", "PLAIN",
                   KAFKA_SECURITY_PROTOCOL="PLAINTEXT", KAFKA_CONNECT_TIMEOUT_SECONDS="3")
    assert "check KAFKA_SECURITY_PROTOCOL" in line


@pytest.mark.kafka
def test_status_and_logs_of_a_sasl_broker(plaintext_broker, tmp_path):
    env = {**client_env(plaintext_broker, "SCRAM-SHA-256"), **plaintext_broker.env}
    status = run_buzzline(["kafka", "status"], tmp_path, timeout=60, **env)
    assert status.returncode == 0, status.stderr[-2000:]
    assert f"Kafka at {plaintext_broker.address}" in status.stdout and "topics:" in status.stdout
    logs = run_buzzline(["kafka", "logs", "-n", "100000"], tmp_path, timeout=60, **env)
    assert "SASL_PLAINTEXT" in logs.stdout
    assert_hidden(status.stdout, status.stderr, logs.stdout, logs.stderr,
                  folders=(tmp_path / "logs",))
    broker_log = plaintext_broker.config.log_file.read_bytes()
    assert PASSWORD.encode() not in broker_log and b"Wr0ng" not in broker_log


@pytest.mark.kafka
def test_exception_text_and_repr_hold_no_password(plaintext_broker):
    wrong = load_settings(environ=client_env(plaintext_broker, "PLAIN", password=WRONG),
                          env_file=None)
    with pytest.raises(TransportUnavailable) as caught:
        KafkaTransport(wrong)
    text = "".join(traceback.format_exception(caught.value))
    assert "refused the credentials of user 'alice'" in str(caught.value)
    right = load_settings(environ=client_env(plaintext_broker, "SCRAM-SHA-512"), env_file=None)
    transport = KafkaTransport(right)
    assert_hidden(text, repr(caught.value), repr(wrong), repr(right), repr(transport),
                  transport.describe(), repr(plaintext_broker.config))


@pytest.mark.kafka
def test_sasl_ssl_round_trips_and_checks_the_certificate_names(ssl_broker, tmp_path):
    files = tls_files(ssl_broker.config.data_dir)
    assert ssl_broker.config.ca_location == files.certificate
    assert files.certificate.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert mode(files.keystore) == 0o600 and mode(files.password_file) == 0o600
    round_trip(ssl_broker, tmp_path, "PLAIN")
    # by IP: the first connection is checked against ip:127.0.0.1, the next (to the advertised
    # localhost) against dns:localhost
    round_trip(ssl_broker, tmp_path, "SCRAM-SHA-512",
               KAFKA_BROKER_ADDRESS=f"127.0.0.1:{ssl_broker.config.port}")


@pytest.mark.kafka
def test_sasl_ssl_refuses_a_wrong_password_and_an_unknown_certificate(ssl_broker, tmp_path):
    line = refused(ssl_broker, tmp_path, "consume", "SCRAM-SHA-512", KAFKA_SASL_PASSWORD=WRONG)
    assert "refused the credentials of user 'alice' (SASL authentication failed" in line
    line = refused(ssl_broker, tmp_path, "produce", "PLAIN", KAFKA_SSL_CA_LOCATION="")
    assert "SSL handshake failed (certificate verify failed)" in line
    line = refused(ssl_broker, tmp_path, "produce", "SCRAM-SHA-256")
    assert "does not offer SASL mechanism SCRAM-SHA-256 (it offers SCRAM-SHA-512,PLAIN)" in line
