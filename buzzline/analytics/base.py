"""An analytic folds batches of messages into state; a pipeline runs several side by side."""

import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any


class Event:
    """Something an analytic noticed (a stall started, a batch completed...)."""

    level: int = logging.INFO  # how loud the consumer logs it

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


class Pipeline:
    """Several analytics over the same stream, addressed by name (``pipeline["counts"]``)."""

    def __init__(self, analytics: dict[str, Analytic]) -> None:
        self._analytics = dict(analytics)

    def __getitem__(self, name: str) -> Any:
        return self._analytics[name]

    def __contains__(self, name: str) -> bool:
        return name in self._analytics

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
