"""``Stream``: a whole stream declared in a few lines, the one app model. The built-in apps
(``buzzline.apps``) are Streams too. The engine's jobs, checkpoints, sessions, charts and the
dashboard work on a Stream: its topic, interval and group (given, or read from the settings),
its source, message type and Kafka key, its analytics (a pipeline per partition) and panels
(feeds, from which every chart is drawn), its summary and headline."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import replace
from typing import Any

from buzzline.analytics import Pipeline, Totals
from buzzline.clock import Clock
from buzzline.messages import Message
from buzzline.settings import Settings
from buzzline.shapes import KIND_SHAPES, Feed, kinds_of
from buzzline.streams.configured import Setting, check_setting, resolve
from buzzline.streams.messages import (
    KeyOf,
    OutgoingRecord,
    StreamError,
    converted,
    fields_of,
    key_function,
    message_type,
)
from buzzline.streams.panels import Panel
from buzzline.streams.sources import Source
from buzzline.streams.spec import Spec

TOTALS = "totals"  # the pipeline's own analytic: messages, rejected, rate


class Stream:
    """A stream in one declaration.

    ``fields``: name -> str, int, float or bool (wire order), or ``message``: a ``Message``
    type of its own. ``source``: see ``buzzline.streams.sources``. ``analytic``: one analytic
    (``buzzline.streams.analytics``), or ``analytics``: several by name. ``panels``: what is
    drawn (``Panel``); without them one panel per analytic, of kind ``chart`` (None: the first
    that fits) with ``chart_options`` (e.g. top_k, window) and ``colors`` (``--colors`` wins).
    ``topic``, ``interval`` (seconds between messages) and ``group``: given, or a ``Setting``
    (by default the stream's name, 0.05 and ``NAME_group``). ``key``: a field whose value is
    the Kafka key (per-key order), or a function of the message giving its bytes.
    ``input_setting``: the Settings field ``--input`` overrides. ``summary(pipeline)`` and
    ``headline(summary)``: the end-of-run numbers and line. ``finite``: the source ends by
    itself (by default as the source says).
    """

    def __init__(self, name: str, fields: Mapping[str, type] | None = None,
                 source: Source | None = None, analytic: Spec | None = None, *,
                 analytics: Mapping[str, Spec] | None = None,
                 panels: Sequence[Panel] | None = None, chart: str | None = None,
                 chart_options: Mapping[str, Any] | None = None, colors: tuple[str, ...] = (),
                 message: type[Message] | None = None, title: str | None = None,
                 topic: str | Setting | None = None, interval: float | Setting = 0.05,
                 group: str | Setting | None = None, key: str | KeyOf | None = None,
                 input_setting: str | None = None,
                 summary: Callable[[Pipeline], dict[str, Any]] | None = None,
                 headline: Callable[[dict[str, Any]], str] | None = None,
                 finite: bool | None = None) -> None:
        if not name or not name.replace("-", "_").isidentifier():
            raise StreamError(f"stream name {name!r} should be letters, digits, _ or -")
        if source is None:
            raise StreamError(f"stream {name!r} needs a source")
        if message is not None and fields:
            raise StreamError(f"stream {name!r}: give fields or a message type, not both")
        self.name, self.source = name, source
        self.fields = fields_of(message) if message is not None else dict(fields or {})
        self._own_type = message is not None
        self.message_type = message or message_type(name, self.fields)
        if (analytic is None) == (not analytics):
            raise StreamError(f"stream {name!r} needs one analytic= or analytics={{name: ...}}")
        self.analytics = {"stream": analytic} if analytic is not None else dict(analytics or {})
        if TOTALS in self.analytics:
            raise StreamError(f"stream {name!r}: {TOTALS!r} is the stream's own analytic")
        self.key_of = key
        self._key = key_function(key, message is not None)
        for spec in self.analytics.values():
            for used in (*spec.fields, *([key] if isinstance(key, str) else [])):
                if used not in self.fields:
                    raise StreamError(f"stream {name!r}: {spec.describe if used != key else 'key'}"
                                      f" uses field {used!r}, not one of {', '.join(self.fields)}")
        if panels is not None and (chart or chart_options or colors):
            raise StreamError(f"stream {name!r}: give panels, or chart, chart_options and colors")
        if panels is None:
            panels = [Panel(n, chart, options=dict(chart_options or {}), colors=tuple(colors))
                      for n in self.analytics]
        self.panels = tuple(self._placed(p) for p in panels)
        self.check_chart()
        self.chart = self.panels[0].kind if self.panels else None
        only = next(iter(self.analytics.values())) if len(self.analytics) == 1 else None
        self.title = title or (f"{name}: {only.describe}" if only else name)
        self._topic = name if topic is None else topic
        self._interval, self._group = interval, f"{name}_group" if group is None else group
        self.input_setting = check_setting(input_setting) if input_setting else None
        self._summary, self._headline = summary, headline
        self.finite = source.finite if finite is None else finite

    def _placed(self, panel: Panel) -> Panel:
        """``panel`` with its kind decided (the first that fits its analytic)."""
        if panel.analytic not in self.analytics:
            raise StreamError(f"stream {self.name!r}: a panel shows {panel.analytic!r}, not one "
                              f"of its analytics ({', '.join(self.analytics)})")
        if panel.kind is not None:
            return panel
        spec = self.analytics[panel.analytic]
        fits = kinds_of(spec.shapes)
        if not fits:
            raise StreamError(f"stream {self.name!r}: no chart kind for {spec.describe}")
        return replace(panel, kind=fits[0])

    # -- what the engine asks
    def topic(self, settings: Settings | None) -> str:
        return str(resolve(self._topic, settings))

    def interval(self, settings: Settings | None) -> float:
        return float(resolve(self._interval, settings))

    def group(self, settings: Settings | None) -> str:
        return str(resolve(self._group, settings))

    def records(self, rng: random.Random, clock: Clock, count: int | None,
                settings: Settings | None = None) -> Iterator[Any]:
        """What the producer sends: the source's messages, or its dicts as JSON records (each
        value made its field's type when it reads as one). The source starts now (a missing
        input file is said before anything is sent)."""
        records = self.source(rng, clock, count, settings)
        if self._own_type:  # messages of its own type: sent as they come
            return records
        return self._outgoing(records)

    def _outgoing(self, records: Iterator[Any]) -> Iterator[Any]:
        kinds = self.fields
        for record in records:
            if isinstance(record, dict):
                yield OutgoingRecord({k: converted(v, kinds[k]) if k in kinds else v
                                      for k, v in record.items()})
            else:
                yield record

    def key(self, message: Any) -> bytes | None:
        """The Kafka key (keeps per-key order across partitions); None for no key."""
        return self._key(message)

    def pipeline(self, settings: Settings, clock: Clock) -> Pipeline:
        built = {name: spec.build(clock, self.message_type, settings)
                 for name, spec in self.analytics.items()}
        return Pipeline({**built, TOTALS: Totals(clock)})

    def feeds(self, pipeline: Pipeline, settings: Settings) -> list[Feed]:
        """Each panel's data from ``pipeline`` (the consumer's combined one)."""
        single = len(self.panels) == 1
        return [panel.feed(self.analytics[panel.analytic], pipeline[panel.analytic], settings,
                           self.title if single else
                           f"{self.name}: {self.analytics[panel.analytic].describe}")
                for panel in self.panels]

    def summary(self, pipeline: Pipeline) -> dict[str, Any]:
        return self._summary(pipeline) if self._summary else pipeline.result()

    def headline(self, summary: dict[str, Any]) -> str:
        """One line for the end-of-run report."""
        if self._headline is not None:
            return self._headline(summary)
        return f"{summary.get('messages', 0):,} messages, {summary.get('rejected', 0):,} rejected"

    # -- checks of the chart kinds
    def fitting_kinds(self, shapes: Mapping[str, str] | None = None) -> list[str]:
        """The kinds that fit the first panel's analytic."""
        panel = self.panels[0]
        return panel.fitting(self.analytics[panel.analytic], KIND_SHAPES if shapes is None
                             else shapes)

    def check_chart(self, shapes: Mapping[str, str] | None = None) -> None:
        """One clear line when a panel's chart kind does not exist or draws a shape its
        analytic does not give (``shapes``: the kinds known; by default the contract's)."""
        for panel in self.panels:
            problem = panel.problem(self.analytics[panel.analytic],
                                    KIND_SHAPES if shapes is None else shapes)
            if problem:
                raise StreamError(f"stream {self.name!r}: {problem}")

    def check_chart_available(self) -> None:
        """``check_chart`` against the chart kinds registered now (loads matplotlib)."""
        from buzzline.charts.kinds import CHART_KINDS

        self.check_chart({name: CHART_KINDS.get(name).shape for name in CHART_KINDS})

    def __repr__(self) -> str:
        what = ", ".join(spec.describe for spec in self.analytics.values())
        return f"Stream({self.name!r}, {what}, chart={self.chart!r})"

