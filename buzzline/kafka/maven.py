"""The Kafka broker's jars from Maven Central, for when the Apache download site is unreachable."""

import shutil
import subprocess
from pathlib import Path

from buzzline.errors import BuzzlineError
from buzzline.kafka.archive import Progress

POM = Path(__file__).resolve().parent / "pom.xml"
MAVEN_TIMEOUT = 900.0


def fetch_jars(staging: Path, progress: Progress | None, reason: str) -> None:
    """Copy the broker's jars (and their dependencies) from Maven Central into
    ``staging/libs`` with the packaged pom.xml; ``reason`` says why the archive was not used."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise BuzzlineError("Maven (`mvn`) is needed to fetch Kafka because the Apache download "
                            f"site cannot be reached ({reason}): install it (e.g. `apt-get "
                            "install maven`) or set KAFKA_HOME to an unpacked Kafka release")
    if progress:
        progress("fetching the Kafka jars from Maven Central", None, None)
    pom = staging / "pom.xml"
    shutil.copy2(POM, pom)
    command = [mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
               f"-DoutputDirectory={staging / 'libs'}", "-DincludeScope=runtime"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=MAVEN_TIMEOUT,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuzzlineError(f"Maven could not fetch the Kafka jars: {exc}") from None
    if done.returncode != 0 or not any((staging / "libs").glob("kafka_*.jar")):
        lines = [ln.strip() for ln in (done.stdout + done.stderr).splitlines() if ln.strip()]
        errors = [ln for ln in lines if ln.startswith("[ERROR]")] or lines or ["no output"]
        raise BuzzlineError(f"Maven could not fetch the Kafka jars (exit {done.returncode}): "
                            f"{errors[0][:300]}")
