"""The charts of one consumer (a ``ChartGroup``), how a frame takes their snapshots (under the
consumer's lock: ``snapshots``) and holds the consumers while it draws (``held``). The gate is
anything with ``close`` and ``open`` (``engine.gate.Gate``): charts do not import the engine."""

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from buzzline.charts.base import Chart


class Gate(Protocol):
    """What a frame needs of the consumers' gate (``buzzline.engine.gate.Gate``): closed while
    it draws (the consumers pause at it), open again afterwards."""

    def close(self) -> None: ...

    def open(self) -> None: ...


@dataclass
class ChartGroup:
    """Charts fed by one consumer, and the lock that guards that consumer's analytics."""

    lock: AbstractContextManager[Any]
    charts: Sequence[Chart]
    # open while the consumer may work; closed while a frame draws
    gate: Gate | None = None


def snapshots(groups: Sequence[ChartGroup]) -> list[tuple[Chart, Any]]:
    """Each chart's snapshot, taken under its group's lock (quick: the charts render them
    afterwards, outside it)."""
    snaps: list[tuple[Chart, Any]] = []
    for group in groups:
        with group.lock:
            snaps.extend((chart, chart.snapshot()) for chart in group.charts)
    return snaps


@contextmanager
def held(groups: Sequence[ChartGroup]) -> Iterator[None]:
    """Hold the groups' consumers between batches (their gates closed) while a frame draws."""
    gates = {id(g.gate): g.gate for g in groups if g.gate is not None}.values()
    for gate in gates:
        gate.close()
    try:
        yield
    finally:
        for gate in gates:
            gate.open()
