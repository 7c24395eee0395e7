"""An analytic folds batches of messages into state; a pipeline runs several side by side.

State goes in and out as JSON-ready dicts (``state`` / ``load_state``): a consumer checkpoints
it with the positions it reflects, one pipeline per partition; ``combine`` folds the
partitions' analytics into the one the charts read.
"""

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar, Self


class Event:
    """Something an analytic noticed (a stall started, a batch completed...)."""

    level: ClassVar[int] = logging.INFO  # how loud the consumer logs it

    def describe(self) -> str:
        return repr(self)


class Analytic(ABC):
    """``update`` takes a batch of messages and returns the events it caused."""

    name: str = "analytic"

    @abstractmethod
    def update(self, messages: Sequence[Any]) -> list[Event]: ...

    @abstractmethod
    def result(self) -> dict[str, Any]:
        """A JSON-ready summary fragment (merged into the consumer's summary)."""

    @abstractmethod
    def state(self) -> dict[str, Any]:
        """Everything ``update`` has accumulated, JSON-ready (for checkpoints)."""

    @abstractmethod
    def load_state(self, state: dict[str, Any]) -> None:
        """Continue from a ``state()`` saved earlier (by an analytic built the same way)."""

    @abstractmethod
    def combine(self, parts: Sequence[Self]) -> None:
        """Become the sum of ``parts`` (the same analytic over separate partitions)."""


class Pipeline:
    """Several analytics over the same stream, addressed by name (``pipeline["counts"]``)."""

    def __init__(self, analytics: dict[str, Analytic]) -> None:
        self._analytics = dict(analytics)

    def __getitem__(self, name: str) -> Any:
        return self._analytics[name]

    def __contains__(self, name: str) -> bool:
        return name in self._analytics

    def items(self) -> list[tuple[str, Analytic]]:
        """(name, analytic) of each analytic, in order."""
        return list(self._analytics.items())

    def update(self, messages: Sequence[Any]) -> list[Event]:
        events: list[Event] = []
        if messages:
            for analytic in self._analytics.values():
                events.extend(analytic.update(messages))
        return events

    def result(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for analytic in self._analytics.values():
            merged.update(analytic.result())
        return merged

    def state(self) -> dict[str, Any]:
        return {name: analytic.state() for name, analytic in self._analytics.items()}

    def load_state(self, state: dict[str, Any]) -> None:
        """Load each analytic's part; a part missing (an analytic added since) stays empty."""
        for name, analytic in self._analytics.items():
            if name in state:
                analytic.load_state(state[name])

    def combine(self, parts: Sequence["Pipeline"]) -> None:
        for name, analytic in self._analytics.items():
            analytic.combine([part[name] for part in parts])
