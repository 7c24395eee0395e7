"""Finding a Java runtime good enough for the Kafka broker (Java 17 or newer)."""

import os
import re
import shutil
import subprocess
from pathlib import Path

from buzzline.errors import BuzzlineError

MIN_JAVA = 17
JAVA_HELP = (f"Java {MIN_JAVA} or newer is needed to run Kafka: install a JDK (e.g. "
             "`apt-get install openjdk-17-jre-headless`, or Temurin from adoptium.net) "
             "and put `java` on PATH or set JAVA_HOME")


def java_candidate() -> str | None:
    """``$JAVA_HOME/bin/java`` when JAVA_HOME is set and has one, else ``java`` on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        for name in ("java", "java.exe"):
            exe = Path(home) / "bin" / name
            if exe.is_file():
                return str(exe)
    return shutil.which("java")


def parse_java_major(version_output: str) -> int | None:
    """The major version from ``java -version`` output: '"17.0.15"' -> 17, '"1.8.0_292"' -> 8."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', version_output)
    if match is None:
        return None
    major = int(match.group(1))
    if major == 1 and match.group(2):
        major = int(match.group(2))
    return major


def find_java() -> str:
    """The path of a ``java`` of version 17 or newer, else a BuzzlineError saying what to do."""
    exe = java_candidate()
    if exe is None:
        raise BuzzlineError(f"{JAVA_HELP} (no `java` found)")
    try:
        done = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=30,
                              check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BuzzlineError(f"{JAVA_HELP} ({exe} does not run: {exc})") from None
    major = parse_java_major(done.stderr + done.stdout)
    if major is None:
        raise BuzzlineError(f"{JAVA_HELP} (cannot tell the version of {exe})")
    if major < MIN_JAVA:
        raise BuzzlineError(f"{JAVA_HELP} ({exe} is Java {major})")
    return exe
