"""``Stream``: a whole stream declared in a few lines. It builds a message type (a ``Message``
subclass with the fields' schema, so decoding, validation and dead letters work as for the
built-in apps) and an ``App`` (``stream.app``), so transports, checkpoints, sessions and charts
work unchanged."""

from __future__ import annotations

import keyword
import random
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import msgspec
import orjson

from buzzline.analytics import Pipeline, Totals
from buzzline.apps.base import App, Feed, split_colors
from buzzline.clock import Clock
from buzzline.errors import SettingsError
from buzzline.messages import Message
from buzzline.settings import Settings
from buzzline.streams.analytics import Spec
from buzzline.streams.sources import Record, Source

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from buzzline.charts.base import Chart

# the data shape of each chart kind (the fixed contract of buzzline.charts.kinds)
KIND_SHAPES = {"bar": "categories", "hbar": "categories", "pie": "categories", "line": "series",
               "scatter": "points", "histogram": "values", "band": "band"}
ACCEPTED = {str: (str,), int: (int,), float: (int, float), bool: (bool,)}
RESERVED = {"schema", "decoder", "to_dict", "encode"}


class StreamError(SettingsError):
    """A stream declaration that cannot work (one line, exit code 2)."""


def chart_shapes() -> dict[str, str]:
    """Chart kind -> shape: the registered kinds (``buzzline.charts.kinds``, which loads
    matplotlib) over the contract's names."""
    try:
        from buzzline.charts.kinds import CHART_KINDS
    except ImportError:  # pragma: no cover - kinds.py not there yet
        return dict(KIND_SHAPES)
    return {**KIND_SHAPES, **{name: CHART_KINDS.get(name).shape for name in CHART_KINDS}}


def message_type(name: str, fields: dict[str, type]) -> type[Message]:
    """A ``Message`` type (a msgspec Struct) with ``fields`` (wire order) and their schema."""
    if not fields:
        raise StreamError(f"stream {name!r} needs at least one field")
    schema = {}
    for field_name, kind in fields.items():
        if not field_name.isidentifier() or keyword.iskeyword(field_name) \
                or field_name.startswith("_") or field_name in RESERVED:
            raise StreamError(f"stream {name!r}: {field_name!r} cannot be a field name")
        if kind not in ACCEPTED:
            raise StreamError(f"stream {name!r}: field {field_name!r} has type "
                              f"{getattr(kind, '__name__', kind)}; use str, int, float or bool")
        schema[field_name] = ACCEPTED[kind]
    class_name = "".join(p.capitalize() for p in name.replace("-", "_").split("_")) + "Message"
    return msgspec.defstruct(class_name, list(fields.items()), bases=(Message,),
                             namespace={"schema": schema})


class Record_:
    """A source record on its way out: sent as JSON (the consumer validates it)."""

    __slots__ = ("data",)

    def __init__(self, data: Record) -> None:
        self.data = data

    def encode(self) -> bytes:
        return orjson.dumps(self.data)


def _convert(value: Any, kind: type) -> Any:
    """A CSV string made the field's type when it reads as one (else left for the consumer to
    reject); an int for a float field made a float."""
    if isinstance(value, str) and kind is not str:
        text = value.strip()
        try:
            if kind is bool:
                return {"true": True, "false": False, "1": True, "0": False}[text.lower()]
            return kind(text)
        except (KeyError, ValueError):
            return value
    if kind is float and type(value) is int:
        return float(value)
    return value


class Stream:
    """A stream in one declaration.

    ``fields``: name -> str, int, float or bool (wire order). ``source``: see
    ``buzzline.streams.sources``. ``analytic``: see ``buzzline.streams.analytics``. ``chart``:
    a chart kind whose data shape the analytic gives (None: the analytic's first fitting
    kind). ``interval``: seconds between messages. ``key``: a field whose value is the Kafka
    key (per-key order). ``chart_options``: passed to the chart kind (e.g. top_k, window).
    ``colors``: the chart's colours (``--colors`` wins).
    """

    def __init__(self, name: str, fields: dict[str, type], source: Source, analytic: Spec, *,
                 chart: str | None = None, interval: float = 0.05, title: str | None = None,
                 topic: str | None = None, key: str | None = None,
                 chart_options: dict[str, Any] | None = None,
                 colors: tuple[str, ...] = ()) -> None:
        if not name or not name.replace("-", "_").isidentifier():
            raise StreamError(f"stream name {name!r} should be letters, digits, _ or -")
        self.name, self.fields, self.source, self.analytic = name, dict(fields), source, analytic
        self.message_type = message_type(name, self.fields)
        for used in (*analytic.fields, *([key] if key else [])):
            if used not in self.fields:
                raise StreamError(f"stream {name!r}: {analytic.describe if used != key else 'key'}"
                                  f" uses field {used!r}, not one of {', '.join(self.fields)}")
        self.chart = chart or self._first_kind()
        self.check_chart()
        self.interval, self.key = interval, key
        self.title = title or f"{name}: {analytic.describe}"
        self.topic = topic or name
        self.chart_options = dict(chart_options or {})
        self.colors = tuple(colors)
        self.app = StreamApp(self)

    def _first_kind(self) -> str:
        for shape in self.analytic.shapes:
            for kind, kind_shape in KIND_SHAPES.items():
                if kind_shape == shape:
                    return kind
        raise StreamError(f"stream {self.name!r}: no chart kind for {self.analytic.describe}")

    def fitting_kinds(self, shapes: dict[str, str] | None = None) -> list[str]:
        shapes = KIND_SHAPES if shapes is None else shapes
        return sorted(k for k, s in shapes.items() if s in self.analytic.shapes)

    def check_chart(self, shapes: dict[str, str] | None = None) -> None:
        """One clear line when the chart kind does not exist or draws a shape the analytic
        does not give (``shapes``: the kinds known; by default the contract's)."""
        shapes = KIND_SHAPES if shapes is None else shapes
        fit = ", ".join(self.fitting_kinds(shapes)) or "none"
        if self.chart not in shapes:
            raise StreamError(f"stream {self.name!r}: unknown chart kind {self.chart!r}; "
                              f"kinds that fit {self.analytic.describe}: {fit}")
        if shapes[self.chart] not in self.analytic.shapes:
            raise StreamError(
                f"stream {self.name!r}: chart {self.chart!r} draws {shapes[self.chart]}, which "
                f"{self.analytic.describe} does not give ({', '.join(self.analytic.shapes)}); "
                f"kinds that fit: {fit}")

    def check_chart_available(self) -> None:
        """``check_chart`` against the chart kinds registered now (loads matplotlib)."""
        from buzzline.charts.kinds import CHART_KINDS

        self.check_chart({name: CHART_KINDS.get(name).shape for name in CHART_KINDS})

    def records(self, rng: random.Random, clock: Clock, count: int | None) -> Iterator[Record_]:
        kinds = self.fields
        for record in self.source(rng, clock, count):
            if isinstance(record, dict):
                record = {k: _convert(v, kinds[k]) if k in kinds else v
                          for k, v in record.items()}
            yield Record_(record)

    def __repr__(self) -> str:
        return f"Stream({self.name!r}, {self.analytic.describe}, chart={self.chart!r})"


class StreamApp(App):
    """The ``App`` of a ``Stream``: topic, interval and group come from the stream."""

    def __init__(self, stream: Stream) -> None:
        self.stream = stream
        self.name = stream.name
        self.title = stream.title
        self.message_type = stream.message_type
        self.finite = stream.source.finite

    def topic(self, settings: Settings) -> str:
        return self.stream.topic

    def interval(self, settings: Settings) -> float:
        return self.stream.interval

    def group(self, settings: Settings) -> str:
        return f"{self.stream.name}_group"

    def source(self, settings: Settings, rng: random.Random, clock: Clock,
               count: int | None) -> Iterator[Any]:
        return self.stream.records(rng, clock, count)

    def key(self, message: Any) -> bytes | None:
        field = self.stream.key
        if field is None:
            return None
        value = message.data.get(field) if isinstance(message, Record_) else getattr(message,
                                                                                     field)
        return str(value).encode()

    def pipeline(self, settings: Settings, clock: Clock) -> Pipeline:
        analytic = self.stream.analytic.build(clock, self.message_type)
        return Pipeline({"stream": analytic, "totals": Totals(clock)})

    def charts(self, pipeline: Pipeline, axes: list[Axes], settings: Settings) -> list[Chart]:
        from buzzline.charts.base import parse_colors
        from buzzline.charts.kinds import CHART_KINDS

        stream = self.stream
        kind = CHART_KINDS.get(stream.chart)
        data = stream.analytic.view(pipeline["stream"], kind.shape)
        options = dict(stream.chart_options)
        if "ylabel" in kind.options:
            options.setdefault("ylabel", stream.analytic.ylabel)
        colors = parse_colors(settings.chart_colors, stream.colors) if settings.chart_colors \
            else stream.colors
        return [kind.make(axes[0], data, title=self.title, **({"colors": colors} if colors
                                                                else {}), **options)]

    def feeds(self, pipeline: Pipeline, settings: Settings) -> list[Feed]:
        stream = self.stream
        data = stream.analytic.view(pipeline["stream"], KIND_SHAPES[stream.chart])
        options = {"ylabel": stream.analytic.ylabel, **stream.chart_options}
        return [Feed(self.title, stream.chart, data, options,
                     split_colors(settings.chart_colors, stream.colors))]

    def headline(self, summary: dict[str, Any]) -> str:
        return f"{summary.get('messages', 0):,} messages, {summary.get('rejected', 0):,} rejected"
