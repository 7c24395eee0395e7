"""The data a line or band chart draws, as plain data classes (no matplotlib): the charts draw
them, and the browser dashboard sends them as JSON."""

from dataclasses import dataclass, field


@dataclass
class LineSnapshot:
    x: list[float]
    y: list[float]
    markers: list[tuple[float, float, str]] = field(default_factory=list)
    spans: list[tuple[float, float]] = field(default_factory=list)  # shaded alert ranges
    status: str = ""
    timed: bool = True


@dataclass
class BandSnapshot:
    """The band at each x: the rolling ``mean`` and the ``low``..``high`` around it (the
    window's min and max, or mean - std and mean + std); ``markers`` are (x, y, label)."""

    x: list[float]
    mean: list[float]
    low: list[float]
    high: list[float]
    markers: list[tuple[float, float, str]] = field(default_factory=list)
    timed: bool = False
