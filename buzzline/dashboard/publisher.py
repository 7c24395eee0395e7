"""Consumers publish what the dashboard shows: each consumer's numbers and panels, as one JSON
file in ``data/live/`` replaced atomically a few times a second (aggregates at the frame rate,
never messages). A reader never sees half a file; the last one stays, marked finished."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any, Protocol

import orjson

from buzzline.dashboard.group import INTERVAL_SECONDS, GroupTotal, group_total_of
from buzzline.dashboard.panels import panel
from buzzline.shapes import Feed


class Totals(Protocol):
    messages: int
    rejected: int

    def rate(self) -> float: ...


class Published(Protocol):
    """What the publisher reads of a stream (``buzzline.streams.Stream``)."""

    name: str
    title: str

    def group(self, settings: Any) -> str: ...

    def feeds(self, pipeline: Any, settings: Any) -> list[Feed]: ...


class Named(Protocol):
    name: str


class TransportInfo(Protocol):
    name: str
    rebalances: bool  # a group's members share the partitions (Kafka)


class Held(Protocol):
    """The partitions a consumer job holds (``buzzline.engine.partitions.Partitions``)."""

    @property
    def parts(self) -> Mapping[int, Any]: ...
    @property
    def positions(self) -> Mapping[int, int]: ...


class DeadLetterCount(Protocol):
    count: int


class ConsumeJob(Protocol):
    """What the publisher reads of a consumer job (``buzzline.engine.consume.ConsumeJob``)."""

    @property
    def app(self) -> Published: ...
    @property
    def transport(self) -> TransportInfo: ...
    @property
    def dead_letters(self) -> DeadLetterCount: ...
    @property
    def lock(self) -> AbstractContextManager[Any]: ...

    settings: Any
    pipeline: Any
    topic: str
    totals: Totals
    lag: dict[int, int] | None
    lag_unit: str
    @property
    def state(self) -> Held: ...
    @property
    def transactional(self) -> bool: ...  # its state is in the group's changelog (``group``)

    def outage(self) -> str | None: ...

log = logging.getLogger(__name__)
VERSION = 1
HEARTBEAT_SECONDS = 1.0  # an unchanged consumer still says it is alive this often
FORGET_SECONDS = 86_400.0  # files of consumers gone this long are removed at start


def live_dir(data_dir: Path) -> Path:
    return data_dir / "live"


class LivePublisher:
    """Writes one file per consumer job every ``period`` seconds (when something changed, or
    at least every ``HEARTBEAT_SECONDS``); ``finish()`` writes the final numbers. A Kafka
    consumer's record lists the partitions it holds, and when its state is in the group's
    changelog, the group's total read from there every ``group_interval`` seconds at most
    (on a thread of its own: see ``group``)."""

    def __init__(self, jobs: Sequence[ConsumeJob], directory: Path, period: float = 0.1,
                 group_interval: float = INTERVAL_SECONDS) -> None:
        self.jobs, self.directory, self.period = list(jobs), directory, period
        self.pid, self.started = os.getpid(), time.time()
        self.ids = _ids(self.jobs, self.pid)
        self._last: dict[str, tuple[bytes, float]] = {}
        self._feeds = {id(job): job.app.feeds(job.pipeline, job.settings) for job in self.jobs}
        self._groups: dict[int, GroupTotal] = {}
        for job in self.jobs:
            group = group_total_of(job, group_interval)
            if group is not None:
                self._groups[id(job)] = group
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.writes = 0

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        _forget_old(self.directory)
        for group in self._groups.values():
            group.start()
        self._thread = threading.Thread(target=self._run, name="live-publisher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.period):
            self.publish()

    def publish(self, state: str = "running") -> None:
        for job, ident in zip(self.jobs, self.ids, strict=True):
            body = orjson.dumps(self.record(job, ident, state))
            last = self._last.get(ident)
            now = time.monotonic()
            if last is not None and last[0] == body and now - last[1] < HEARTBEAT_SECONDS \
                    and state == "running":
                continue
            self._last[ident] = (body, now)
            stamped = body[:-1] + b',"updated":' + orjson.dumps(time.time()) + b"}"
            try:
                _write_atomic(self.directory / f"{ident}.json", stamped)
                self.writes += 1
            except OSError as exc:  # a full disk or a removed folder: the consumer goes on
                log.warning("dashboard: cannot write %s: %s", self.directory, exc)

    def record(self, job: ConsumeJob, ident: str, state: str) -> dict[str, Any]:
        """What the dashboard shows of ``job`` now (its data copied under its lock)."""
        with job.lock:
            totals = job.totals
            numbers = {"messages": totals.messages, "rejected": totals.rejected,
                       "dead_letters": job.dead_letters.count, "rate": totals.rate()}
            datas = [(feed, feed.data()) for feed in self._feeds[id(job)]]
            # (a union of int keys, in C: not torn by the consumer thread adding one)
            held = sorted(job.state.parts.keys() | job.state.positions.keys()) \
                if job.transport.rebalances else None
        lag = job.lag
        group = self._groups.get(id(job))
        return {"version": VERSION, "id": ident, "app": job.app.name, "title": job.app.title,
                "transport": job.transport.name, "topic": job.topic,
                "group": job.app.group(job.settings), "pid": self.pid, "started": self.started,
                "state": state, **numbers,
                "lag": sum(lag.values()) if lag is not None else None,
                "lag_unit": job.lag_unit,
                "outage": job.outage(),  # e.g. "broker unreachable": the numbers are the last
                # a group member: the partitions it holds, and the group's total (None: none
                # read yet; "stale": the last read failed, "as_of" says when it was read)
                "partitions": held,
                "group_total": group.value() if group is not None else None,
                "panels": [panel(feed, data) for feed, data in datas]}

    def finish(self) -> None:
        """Stop the thread and write the final numbers (state "finished")."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        for group in self._groups.values():  # a last read, after the jobs' last commits
            group.stop(final=True)
        self.publish("finished")


def _ids(jobs: Sequence[ConsumeJob], pid: int) -> list[str]:
    out: list[str] = []
    for job in jobs:
        base = f"{job.app.name}-{job.transport.name}-{pid}"
        out.append(base if base not in out else f"{base}-{len(out)}")
    return out


def _write_atomic(path: Path, body: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(body)
    os.replace(tmp, path)


def _forget_old(directory: Path) -> None:
    cutoff = time.time() - FORGET_SECONDS
    for path in directory.glob("*.json"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
        except OSError:  # another process removed it first
            continue
