"""A self-signed certificate for the local broker's SASL_SSL listener, made with Java's
``keytool`` into ``<data_dir>/ssl``: a PKCS12 keystore (its random password in a 0600 file) and
the certificate as PEM, which clients trust through KAFKA_SSL_CA_LOCATION."""

import ipaddress
import os
import secrets
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from buzzline.errors import BuzzlineError
from buzzline.kafka.jvm import find_java
from buzzline.kafka.security import write_private
from buzzline.logs import mask

KEYTOOL_TIMEOUT = 60.0
VALIDITY_DAYS = 3650
ALIAS = "buzzline-broker"


@dataclass(frozen=True)
class TlsFiles:
    folder: Path

    @property
    def keystore(self) -> Path:
        return self.folder / "broker.p12"

    @property
    def certificate(self) -> Path:
        """The broker's certificate (PEM): what clients use as KAFKA_SSL_CA_LOCATION."""
        return self.folder / "ca.pem"

    @property
    def password_file(self) -> Path:
        return self.folder / "keystore.password"

    def password(self) -> str:
        """The keystore's password ("" before the keystore exists)."""
        try:
            return self.password_file.read_text(encoding="ascii").strip()
        except OSError:
            return ""

    def exists(self) -> bool:
        return all(p.is_file() for p in (self.keystore, self.certificate, self.password_file))

    def broker_properties(self) -> dict[str, str]:
        """The listener's ``ssl.*`` entries: its keystore, and the PEM as the truststore of the
        broker's own inter-broker connections (hostname checked against the SAN)."""
        return {"ssl.keystore.type": "PKCS12",
                "ssl.keystore.location": self.keystore.resolve().as_posix(),
                "ssl.keystore.password": self.password(),
                "ssl.truststore.type": "PEM",
                "ssl.truststore.location": self.certificate.resolve().as_posix(),
                "ssl.endpoint.identification.algorithm": "https"}


def tls_files(data_dir: Path) -> TlsFiles:
    return TlsFiles(data_dir / "ssl")


def subject_alternative_names(host: str) -> str:
    """``dns:localhost,ip:127.0.0.1``, plus ``host`` when it is another name or address."""
    names = ["dns:localhost", "ip:127.0.0.1"]
    try:
        extra = f"ip:{ipaddress.ip_address(host)}"
    except ValueError:
        extra = f"dns:{host}"
    if host and extra not in names:
        names.append(extra)
    return ",".join(names)


def keytool() -> str:
    """``keytool`` of the Java that runs Kafka (next to ``java``), else the one on PATH."""
    java = Path(find_java())
    for folder in (java.resolve().parent, java.parent):
        for name in ("keytool", "keytool.exe"):
            if (folder / name).is_file():
                return str(folder / name)
    found = shutil.which("keytool")
    if found is None:
        raise BuzzlineError(f"--ssl needs Java's keytool: none next to {java} or on PATH")
    return found


def ensure_certificate(data_dir: Path, host: str = "localhost") -> TlsFiles:
    """The broker's keystore and PEM certificate, made once (kept across restarts)."""
    files = tls_files(data_dir)
    if files.exists():
        return files
    files.folder.mkdir(parents=True, exist_ok=True)
    files.folder.chmod(0o700)
    for stale in (files.keystore, files.certificate):
        stale.unlink(missing_ok=True)
    password = secrets.token_urlsafe(24)
    tool = keytool()
    store = ["-keystore", str(files.keystore), "-storetype", "PKCS12",
             "-storepass:env", "BUZZLINE_KEYSTORE_PASSWORD"]
    _run([tool, "-genkeypair", "-alias", ALIAS, "-keyalg", "RSA", "-keysize", "2048",
          "-validity", str(VALIDITY_DAYS), "-dname", f"CN={host or 'localhost'}, O=buzzline",
          "-ext", f"SAN={subject_alternative_names(host)}", *store,
          "-keypass:env", "BUZZLINE_KEYSTORE_PASSWORD", "-noprompt"], password, files)
    _run([tool, "-exportcert", "-rfc", "-alias", ALIAS, "-file", str(files.certificate), *store],
         password, files)
    files.keystore.chmod(0o600)
    write_private(files.password_file, password + "\n")
    return files


def _run(command: list[str], password: str, files: TlsFiles) -> None:
    """Run keytool with the keystore password in its environment (never on the command line)."""
    env = {**os.environ, "BUZZLINE_KEYSTORE_PASSWORD": password}
    try:
        done = subprocess.run(command, capture_output=True, text=True, env=env, check=False,
                              timeout=KEYTOOL_TIMEOUT)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuzzlineError(f"cannot make the broker's certificate in {files.folder}: "
                            f"{exc}") from None
    if done.returncode != 0:
        reason = (done.stdout + done.stderr).strip().splitlines() or ["keytool failed"]
        raise BuzzlineError(f"cannot make the broker's certificate in {files.folder}: "
                            f"{mask(reason[-1], password)[:300]}")
