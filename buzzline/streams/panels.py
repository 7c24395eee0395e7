"""A stream's panels: which analytic each one shows, on which chart kind, with which title,
options and colours. A panel gives a ``Feed`` (``buzzline.shapes``), from which the window,
the images and the browser dashboard draw it alike."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from buzzline.settings import Settings
from buzzline.shapes import KIND_SHAPES, Feed, split_colors
from buzzline.streams.configured import resolve
from buzzline.streams.spec import Spec

# (analytic, settings) -> the panel's data callable, for a panel that shapes its own data
PanelData = Callable[[Any, Settings], Callable[[], Any]]


@dataclass(frozen=True)
class Panel:
    """``analytic``: the name of one of the stream's analytics; ``kind``: a chart kind (None:
    the first that fits it); ``title`` (None: the stream's, or the analytic's with several
    panels); ``options`` of the kind (a value may be a ``Setting``, e.g.
    ``{"top_k": Setting("top_k")}``); ``colors`` (``--colors`` wins); ``data``: makes the
    data callable itself (else the analytic's reader for the kind's shape)."""

    analytic: str
    kind: str | None = None
    title: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    colors: tuple[str, ...] = ()
    data: PanelData | None = field(default=None, repr=False)

    def fitting(self, spec: Spec, shapes: Mapping[str, str]) -> list[str]:
        """The kinds (of ``shapes``) that draw one of the analytic's shapes, by name."""
        return sorted(k for k, s in shapes.items() if s in spec.shapes)

    def problem(self, spec: Spec, shapes: Mapping[str, str]) -> str | None:
        """Why this panel's kind cannot draw ``spec`` (None: it can)."""
        kind = self.kind
        if self.data is not None and kind in shapes:
            return None
        fit = ", ".join(self.fitting(spec, shapes)) or "none"
        if kind is None or kind not in shapes:
            return f"unknown chart kind {kind!r}; kinds that fit {spec.describe}: {fit}"
        if shapes[kind] not in spec.shapes:
            return (f"chart {kind!r} draws {shapes[kind]}, which {spec.describe} "
                    f"does not give ({', '.join(spec.shapes)}); kinds that fit: {fit}")
        return None

    def feed(self, spec: Spec, analytic: Any, settings: Settings, title: str) -> Feed:
        """This panel's data now and as it goes on (``analytic``: the consumer's combined one)."""
        assert self.kind is not None
        if self.data is not None:
            data = self.data(analytic, settings)
        else:
            data = spec.reader(analytic, KIND_SHAPES[self.kind], settings)
        options = {"ylabel": spec.ylabel} if spec.ylabel else {}
        options.update((k, resolve(v, settings)) for k, v in self.options.items())
        return Feed(self.title or title, self.kind, data, options,
                    split_colors(settings.chart_colors, self.colors))
