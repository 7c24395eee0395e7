"""The results every bench script writes with ``--json PATH``, read by ``bench/report.py``.

One file per case::

    {"case": "kafka-consume", "title": "Kafka -> decode -> author counts -> bar chart at 10 fps",
     "unit": "msgs/s", "higher_is_better": true, "messages": 1000000,
     "subjects": {"buzzline": [run1, run2, run3], "raw confluent-kafka (count only)": [...]},
     "targets": [{"text": ">= 50 % of a raw confluent-kafka consume loop",
                  "subject": "buzzline", "vs": "raw confluent-kafka (count only)",
                  "ratio_at_least": 0.5}],
     "notes": ["..."]}

A target compares the median of ``subject`` with the median of ``vs`` (``ratio_at_least`` /
``ratio_at_most``) or with a number (``value_at_most`` / ``value_at_least``).

Optional keys (all with defaults, so older files and scripts stay valid): ``primary`` (the
subject the report's ratios are about; default "buzzline", else the first subject), ``limit``
(the subject that is the ceiling, e.g. a raw client loop; default: none), ``params`` (the sizes
and settings the case ran with) and ``seconds`` (how long the script took).
"""

import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson


@dataclass
class Target:
    text: str
    subject: str
    vs: str | None = None
    ratio_at_least: float | None = None
    ratio_at_most: float | None = None
    value_at_most: float | None = None
    value_at_least: float | None = None

    def check(self, medians: dict[str, float]) -> tuple[float | None, bool | None]:
        """(the measured ratio or value, met?) — (None, None) when a subject is missing."""
        if self.subject not in medians or (self.vs is not None and self.vs not in medians):
            return None, None
        value = medians[self.subject]
        if self.vs is not None:
            base = medians[self.vs]
            value = value / base if base else float("inf")
        low = self.ratio_at_least if self.vs is not None else self.value_at_least
        high = self.ratio_at_most if self.vs is not None else self.value_at_most
        met = (low is None or value >= low) and (high is None or value <= high)
        return value, met


@dataclass
class CaseResult:
    case: str
    title: str
    unit: str = "msgs/s"
    higher_is_better: bool = True
    messages: int | None = None
    subjects: dict[str, list[float]] = field(default_factory=dict)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    primary: str | None = None
    limit: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = None

    def add(self, subject: str, value: float) -> None:
        self.subjects.setdefault(subject, []).append(value)

    def medians(self) -> dict[str, float]:
        return {name: statistics.median(values) for name, values in self.subjects.items()
                if values}

    def main_subject(self) -> str | None:
        """The subject the ratios are about: ``primary``, else "buzzline", else the first."""
        if self.primary in self.subjects:
            return self.primary
        if "buzzline" in self.subjects:
            return "buzzline"
        return next(iter(self.subjects), None)

    def save(self, path: Path | None) -> None:
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(orjson.dumps(asdict(self), option=orjson.OPT_INDENT_2))


def load(path: Path) -> CaseResult:
    data: dict[str, Any] = orjson.loads(path.read_bytes())
    data["targets"] = [Target(**t) for t in data.get("targets", [])]
    known = CaseResult.__dataclass_fields__
    return CaseResult(**{k: v for k, v in data.items() if k in known})
