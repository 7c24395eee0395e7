"""Getting an Apache Kafka broker onto this machine, in this order: ``KAFKA_HOME`` (an unpacked
official release), a previous install in the cache, the official binary release from the Apache
download site (SHA-512 checked), or the broker's jars from Maven Central (``mvn``)."""

import contextlib
import json
import logging
import os
import re
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from buzzline.errors import BuzzlineError
from buzzline.kafka import archive
from buzzline.kafka.archive import Progress
from buzzline.kafka.jvm import find_java
from buzzline.kafka.maven import fetch_jars as _from_maven

KAFKA_VERSION = "4.1.1"
SCALA_VERSION = "2.13"
MARKER = ".buzzline-install.json"  # written last: a folder without it is not an install
PACKAGE_DIR = Path(__file__).resolve().parent
LOG_CONFIG = PACKAGE_DIR / "log4j2.properties"

log = logging.getLogger("buzzline.kafka")


@dataclass(frozen=True)
class Installation:
    """Where a Kafka broker's jars are. ``classpath`` is a Java class path (``<libs>/*``)."""

    root: Path
    classpath: str
    version: str
    source: str  # "KAFKA_HOME" | "archive" | "maven"
    log_config: Path = LOG_CONFIG

    @property
    def libs(self) -> Path:
        return self.root / "libs"


def default_cache_dir() -> Path:
    """``%LOCALAPPDATA%/buzzline`` on Windows, else ``$XDG_CACHE_HOME/buzzline`` or
    ``~/.cache/buzzline``."""
    if os.name == "nt" and os.environ.get("LOCALAPPDATA"):
        return Path(os.environ["LOCALAPPDATA"]) / "buzzline"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg and Path(xdg).is_absolute() else Path.home() / ".cache") / "buzzline"


def release_name(version: str = KAFKA_VERSION) -> str:
    return f"kafka_{SCALA_VERSION}-{version}"


def install_dir(cache_dir: Path, version: str = KAFKA_VERSION) -> Path:
    """Where ``install`` puts Kafka ``version`` in ``cache_dir`` (``cached()`` reads it)."""
    return Path(cache_dir) / f"kafka-{version}"


def read_version(libs: Path) -> str | None:
    """Kafka's version from ``kafka-clients-*.jar`` (its kafka-version.properties)."""
    for jar in sorted(libs.glob("kafka-clients-*.jar")):
        try:
            with zipfile.ZipFile(jar) as zipped:
                text = zipped.read("kafka/kafka-version.properties").decode("utf-8", "replace")
            match = re.search(r"^version=(\S+)", text, re.M)
            if match:
                return match.group(1)
        except (OSError, KeyError, zipfile.BadZipFile):
            pass
        return jar.name.removeprefix("kafka-clients-").removesuffix(".jar")
    return None


def _classpath(root: Path) -> str:
    return str(root / "libs" / "*")


def from_kafka_home(home: Path) -> Installation:
    """An unpacked official release (``bin/ config/ libs/``), as ``KAFKA_HOME`` names it."""
    libs = home / "libs"
    if not home.is_dir():
        raise BuzzlineError(f"KAFKA_HOME={home} is not a folder (unset it, or point it at an "
                            "unpacked Kafka release)")
    if not libs.is_dir() or not any(libs.glob("*.jar")):
        raise BuzzlineError(f"KAFKA_HOME={home} has no libs/*.jar: point it at an unpacked Kafka "
                            f"release (the folder with bin/, config/ and libs/), or unset it")
    version = read_version(libs)
    if version is None or not any(libs.glob("kafka_2.*.jar")):
        missing = "kafka-clients-*.jar" if version is None else "kafka_2.*.jar (the broker)"
        raise BuzzlineError(f"KAFKA_HOME={home} is not a Kafka release: libs/ has no {missing}")
    numbers = tuple(int(n) for n in re.findall(r"\d+", version)[:2])
    if numbers < (3, 3):
        raise BuzzlineError(f"KAFKA_HOME={home} is Kafka {version}: KRaft mode needs Kafka 3.3 "
                            f"or newer (buzzline is tested with {KAFKA_VERSION})")
    return Installation(home, _classpath(home), version, "KAFKA_HOME")


def cached(target: Path) -> Installation | None:
    """The install in ``target`` when it is complete (its marker file exists), else None."""
    try:
        marker = json.loads((target / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not any((target / "libs").glob("*.jar")):
        return None
    # the broker runs with the packaged log4j2.properties (the copy in the install is for
    # running it by hand), so a buzzline upgrade's logging applies to older installs too
    return Installation(target, _classpath(target), str(marker.get("version", KAFKA_VERSION)),
                        str(marker.get("source", "maven")))


def _from_archive(staging: Path, progress: Progress | None) -> None:
    work = staging / "download"
    work.mkdir()
    try:
        tgz = archive.fetch_release(KAFKA_VERSION, release_name() + ".tgz", work, progress)
        if progress:
            progress("unpacking", None, None)
        archive.safe_extract(tgz, work / "unpacked")
        tops = list((work / "unpacked").iterdir())
        top = tops[0] if len(tops) == 1 and tops[0].is_dir() else work / "unpacked"
        for child in top.iterdir():
            child.rename(staging / child.name)
        if not any((staging / "libs").glob("*.jar")):
            raise BuzzlineError(f"{tgz.name} has no libs/*.jar: not a Kafka binary release")
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _remove_stale_partials(target: Path, age: float = 6 * 3600) -> None:
    """Remove what installs killed half-way left behind (never a recent, running one)."""
    for partial in target.parent.glob(f".{target.name}-*.partial"):
        with contextlib.suppress(OSError):
            if time.time() - partial.stat().st_mtime > age:
                shutil.rmtree(partial)


def install(cache_dir: Path, kafka_home: Path | None = None,
            progress: Progress | None = None) -> Installation:
    """A Kafka broker ready to run. ``progress(stage, done_bytes, total_bytes)`` is called as
    the install goes (bytes are None outside the download). Checks Java 17+ first."""
    find_java()
    if kafka_home is not None:
        return from_kafka_home(Path(kafka_home))
    target = install_dir(cache_dir)
    found = cached(target)
    if found is not None:
        return found
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(target)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", suffix=".partial",
                                    dir=target.parent))
    try:
        try:
            _from_archive(staging, progress)
            source = "archive"
        except OSError as exc:
            reason = str(exc) or type(exc).__name__
            log.info("cannot download Kafka from the Apache site (%s): using Maven Central",
                     reason)
            _from_maven(staging, progress, reason)
            source = "maven"
        shutil.copy2(LOG_CONFIG, staging / "log4j2.properties")
        version = read_version(staging / "libs") or KAFKA_VERSION
        (staging / MARKER).write_text(json.dumps({"version": version, "source": source}),
                                      encoding="utf-8")
        if cached(target) is None:  # else another install finished first: keep that one
            if target.exists():  # an old incomplete install (no marker): replace it
                shutil.rmtree(target)
            try:
                staging.rename(target)
            except OSError as exc:
                if cached(target) is None:
                    raise BuzzlineError(f"cannot move the Kafka install into {target}: "
                                        f"{exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    found = cached(target)
    if found is None:
        raise BuzzlineError(f"the Kafka install in {target} is incomplete")
    return found
