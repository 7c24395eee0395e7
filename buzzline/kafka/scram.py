"""SCRAM users of the local broker. KRaft keeps SCRAM credentials in its metadata log, so they
are added when the storage is formatted (``kafka-storage format --add-scram``), as salted
passwords computed here: the password itself never reaches a command line or a Java process.

``<data_dir>/scram-users`` (mode 0600) records what was added: mechanism, user, salt,
iterations and stored key, which is what Kafka itself keeps (it cannot log anybody in). A later
start checks against it that the storage knows the user and password it is asked for.
"""

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from pathlib import Path

from buzzline.errors import BuzzlineError
from buzzline.kafka.security import BrokerSecurity, write_private

ITERATIONS = 4096  # Kafka's default and the minimum it accepts
HASHES = {"SCRAM-SHA-256": "sha256", "SCRAM-SHA-512": "sha512"}


@dataclass(frozen=True)
class ScramRecord:
    mechanism: str
    username: str
    salt: bytes
    iterations: int
    stored_key: bytes

    def matches(self, password: str) -> bool:
        key = stored_key(self.mechanism, salted_password(self.mechanism, password, self.salt,
                                                         self.iterations))
        return hmac.compare_digest(key, self.stored_key)

    def line(self) -> str:
        return " ".join((self.mechanism, self.username, _b64(self.salt), str(self.iterations),
                         _b64(self.stored_key)))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def salted_password(mechanism: str, password: str, salt: bytes, iterations: int) -> bytes:
    """SCRAM's Hi(): PBKDF2-HMAC over the UTF-8 password (as Kafka's ScramFormatter)."""
    return hashlib.pbkdf2_hmac(HASHES[mechanism], password.encode("utf-8"), salt, iterations)


def stored_key(mechanism: str, salted: bytes) -> bytes:
    """H(HMAC(SaltedPassword, "Client Key")): what the server keeps to check a client proof."""
    name = HASHES[mechanism]
    return hashlib.new(name, hmac.new(salted, b"Client Key", name).digest()).digest()


def format_arguments(security: BrokerSecurity) -> tuple[list[str], list[ScramRecord]]:
    """``--add-scram`` arguments for every SCRAM mechanism of ``security`` (with a fresh salt
    each), and the records to keep once the storage is formatted."""
    arguments: list[str] = []
    records: list[ScramRecord] = []
    for mechanism in security.scram_mechanisms:
        salt = os.urandom(32)
        salted = salted_password(mechanism, security.password, salt, ITERATIONS)
        arguments += ["--add-scram", f"{mechanism}=[name={security.username},salt={_b64(salt)},"
                                     f"saltedpassword={_b64(salted)},iterations={ITERATIONS}]"]
        records.append(ScramRecord(mechanism, security.username, salt, ITERATIONS,
                                   stored_key(mechanism, salted)))
    return arguments, records


def record_file(data_dir: Path) -> Path:
    return data_dir / "scram-users"


def write_records(data_dir: Path, records: list[ScramRecord]) -> None:
    header = "# SCRAM users added when buzzline formatted this storage (no passwords)\n"
    write_private(record_file(data_dir), header + "".join(r.line() + "\n" for r in records))


def read_records(data_dir: Path) -> list[ScramRecord]:
    try:
        text = record_file(data_dir).read_text(encoding="utf-8")
    except OSError:
        return []
    records = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) == 5 and parts[0] in HASHES and parts[3].isdigit():
            records.append(ScramRecord(parts[0], parts[1], base64.b64decode(parts[2]),
                                       int(parts[3]), base64.b64decode(parts[4])))
    return records


def check_formatted(security: BrokerSecurity, data_dir: Path) -> None:
    """For a storage formatted before: a clear error when it lacks a SCRAM user asked for (or
    has it with another password), since SCRAM users are only added at format time."""
    known = {(r.mechanism, r.username): r for r in read_records(data_dir)}
    for mechanism in security.scram_mechanisms:
        record = known.get((mechanism, security.username))
        if record is None:
            problem = f"has no {mechanism} user {security.username!r}"
        elif not record.matches(security.password):
            problem = f"has {mechanism} user {security.username!r} with another password"
        else:
            continue
        raise BuzzlineError(
            f"the Kafka storage in {data_dir} {problem} (SCRAM users are created only when the "
            "storage is first formatted): use a new --data-dir, or stop the broker and delete "
            "that folder to start over (its topics are lost)")
