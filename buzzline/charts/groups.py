"""The charts of one consumer (a ``ChartGroup``) and how a frame holds the consumers while it
draws (``held``). The gate is anything with ``close`` and ``open`` (``engine.gate.Gate``)."""

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
