"""Issue 13, items 1 and 2: timestamps are times. A stall label shows the time of the stall
(read back from the chart's artists); a timestamp that is empty or no time is a dead letter
with its reason (the consumer) or a refused row naming its line (the CSV producer), and no
point is drawn for it; the one parser (``buzzline.timestamps``) takes the ISO forms and
rejects anything else with ``TimestampError`` only."""

import csv
import io
from datetime import UTC, datetime, timedelta, timezone
from typing import NamedTuple

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from buzzline.analytics import LineSeries, Stall
from buzzline.apps import get_app
from buzzline.charts.kinds import charts_of
from buzzline.clock import ManualClock
from buzzline.errors import SourceError
from buzzline.messages import ProjectMessage, SmokerReading, decode_batch
from buzzline.settings import load_settings
from buzzline.sources.smoker import read_smoker_csv
from buzzline.timestamps import TimestampError, check_time, day_number, parse_time, seconds_of
from tests.conftest import run_buzzline

# a cook: rising, a flat stretch (a stall by the default rule: 10 readings within 0.2 °F),
# rising again
TEMPERATURES = [70.0 + 0.5 * i for i in range(15)] + [77.0] * 15 + [77.5 + i for i in range(10)]


def stamps(start: datetime, step: timedelta, form: str) -> list[str]:
    moments = [start + step * i for i in range(len(TEMPERATURES))]
    if form == "space":
        return [m.isoformat(" ") for m in moments]
    if form == "Z":
        return [m.replace(tzinfo=None).isoformat() + "Z" for m in moments]
    return [m.isoformat() for m in moments]


def wire(rows: list[dict]) -> list[bytes]:
    """What the teaching project's producers send: one JSON object per row."""
    return [orjson.dumps(row) for row in rows]


def run_csv_app(raws: list[bytes]) -> tuple[dict, list, object]:
    """The consumer's path in one process: decode, the csv app's analytics, its chart drawn
    once on an Agg canvas. Returns the summary, the rejected messages and the chart."""
    app = get_app("csv")
    settings_ = load_settings(environ={}, env_file=None)
    good, bad = decode_batch(app.message_type, raws)
    pipeline = app.pipeline(settings_, ManualClock(datetime(2026, 1, 1)))
    pipeline.update(good)
    fig = Figure()
    FigureCanvasAgg(fig)
    (chart,) = charts_of(app.feeds(pipeline, settings_), [fig.add_subplot()])
    chart.render(chart.snapshot())
    fig.canvas.draw()
    return app.summary(pipeline), [rejected for _, rejected in bad], chart


def in_utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


SPACINGS = {
    # the teaching project's CSV producer: ISO with microseconds, readings a second apart
    "iso-seconds": (datetime(2026, 11, 29, 20, 53, 34, 965675), timedelta(seconds=1), "iso",
                    "%H:%M:%S"),
    "z-seconds": (datetime(2026, 11, 29, 23, 59, 50), timedelta(seconds=1), "Z", "%H:%M:%S"),
    "offset-seconds": (datetime(2026, 11, 29, 8, 0, 0, 125000, timezone(timedelta(hours=2))),
                       timedelta(milliseconds=900), "iso", "%H:%M:%S"),
    # its sample CSV: a space, readings a minute apart
    "space-minutes": (datetime(2025, 1, 1, 15, 0), timedelta(minutes=1), "space", "%H:%M"),
    # a long cook over days: the date too
    "days": (datetime(2025, 1, 1, 15, 0), timedelta(hours=3), "space", "%Y-%m-%d %H:%M"),
}


@pytest.mark.parametrize("case", list(SPACINGS))
def test_the_stall_label_shows_the_time_of_the_stall(case: str) -> None:
    start, step, form, shown = SPACINGS[case]
    rows = [{"timestamp": t, "temperature": v}
            for t, v in zip(stamps(start, step, form), TEMPERATURES, strict=True)]
    summary, rejected, chart = run_csv_app(wire(rows))
    assert rejected == [] and summary["readings"] == len(rows)
    (stall,) = summary["stalls"]
    assert stall["start"] in {row["timestamp"] for row in rows}  # as written on the wire
    label = "Stall " + in_utc(stall["start"]).strftime(shown)
    assert chart.drawn()["labels"] == [label]
    assert [t.get_text() for t in chart.labels if t.get_visible()] == [label]


CSV_WITH_BAD_TIMESTAMPS = ("timestamp,temperature\n2025-01-01 15:00:00,70.4\n,72.0\n"
                           "2025-01-01 15:01:00,70.8\nnot a date,75\n2025-01-01 15:02:00,71.2\n")


def test_readings_whose_timestamp_is_no_time_are_dead_letters_and_never_drawn() -> None:
    # as the teaching project's CSV producer sends a file: each row as it is
    rows = [{"timestamp": r["timestamp"], "temperature": float(r["temperature"])}
            for r in csv.DictReader(io.StringIO(CSV_WITH_BAD_TIMESTAMPS))]
    summary, rejected, chart = run_csv_app(wire(rows))
    assert [r.raw for r in rejected] == wire([rows[1], rows[3]])
    assert "timestamp is empty" in rejected[0].reason
    assert "'not a date' is not an ISO 8601 time" in rejected[1].reason
    assert summary["readings"] == 3
    xs = list(chart.line.get_xdata())
    good_days = [day_number(row["timestamp"]) for row in (rows[0], rows[2], rows[4])]
    assert xs == good_days  # no point at the start of the axis (it was a line back to 1970)
    assert chart.ax.get_xlim()[0] >= good_days[0] - 1.0


@pytest.mark.parametrize(("line", "reason"), [(",72.0", "timestamp is empty"),
                                              ("not a date,75", "is not an ISO 8601 time")])
def test_the_csv_producer_refuses_a_row_whose_timestamp_is_no_time(tmp_path, line: str,
                                                                    reason: str) -> None:
    path = tmp_path / "smoker.csv"
    path.write_text(f"timestamp,temperature\n2025-01-01 15:00:00,70.4\n\n{line}\n", "utf-8")
    readings = read_smoker_csv(path)
    assert next(readings).temperature == 70.4
    with pytest.raises(SourceError) as refused:
        next(readings)
    message = str(refused.value)
    assert message.startswith(f"CSV file {path}, line 4: ") and reason in message


@pytest.mark.slow
def test_produce_csv_says_which_line_in_one_line(workdir) -> None:
    (workdir / "bad.csv").write_text(CSV_WITH_BAD_TIMESTAMPS, "utf-8")
    result = run_buzzline(["produce", "csv", "--input", "bad.csv", "--interval", "0"], workdir)
    assert result.returncode == 2
    errors = [line for line in result.stderr.splitlines() if "error" in line.lower()]
    assert errors == ["buzzline: error: CSV file bad.csv, line 3: timestamp is empty"]
    assert "Traceback" not in result.stderr


class Row(NamedTuple):
    timestamp: str
    temperature: float


def test_a_timed_series_leaves_out_a_reading_without_a_time() -> None:
    series = LineSeries(max_points=100)
    series.update([Row("2025-01-01 15:00:00", 70.0), Row("", 71.0), Row("n/a", 72.0),
                   Row("2025-01-01 15:01:00", 73.0)])
    assert series.points() == ([day_number("2025-01-01 15:00:00"),
                                day_number("2025-01-01 15:01:00")], [70.0, 73.0])
    assert series.untimed == 2 and series.seen == 4


def test_stalls_of_several_partitions_are_ordered_by_time_not_by_text() -> None:
    parts = []
    for start in ("2025-01-01 15:00:00", "2025-01-01T16:00:00+02:00"):  # 15:00 and 14:00 UTC
        part = Stall("temperature", 3, 0.2, time_field="timestamp")
        part.update([SmokerReading(start, 70.0)] * 3)
        parts.append(part)
    merged = Stall("temperature", 3, 0.2, time_field="timestamp")
    merged.combine(parts)
    assert [s["start_time"] for s in merged.alerts] == ["2025-01-01T16:00:00+02:00",
                                                   "2025-01-01 15:00:00"]


# -- the parser ------------------------------------------------------------------------------

offsets = st.builds(lambda minutes: timezone(timedelta(minutes=minutes)),
                    st.integers(-23 * 60 - 59, 23 * 60 + 59))
moments = st.one_of(st.datetimes(), st.datetimes(timezones=offsets))


def written(moment: datetime, sep: str, spec: str, style: str) -> str:
    text = moment.isoformat(sep, spec)
    if style == "Z" and moment.utcoffset() == timedelta(0):
        text = text[:-6] + "Z"
    elif style == "lower":
        text = text.lower()
    elif style == "padded":
        text = f"  {text}\t"
    return text


def truncated(moment: datetime, spec: str) -> datetime:
    drop = {"seconds": moment.microsecond, "milliseconds": moment.microsecond % 1000}
    return moment - timedelta(microseconds=drop.get(spec, 0))


@settings(max_examples=300, deadline=None)
@given(moments, st.sampled_from(["T", " "]),
       st.sampled_from(["seconds", "milliseconds", "microseconds"]),
       st.sampled_from(["plain", "Z", "lower", "padded"]))
def test_any_time_written_in_an_accepted_form_parses_back_to_itself(moment, sep, spec, style):
    text = written(moment, sep, spec, style)
    parsed = parse_time(text)
    expected = truncated(moment, spec)
    assert parsed.replace(tzinfo=None) == expected.replace(tzinfo=None)
    assert parsed.utcoffset() == expected.utcoffset()
    check_time(text)  # the decoders' check agrees
    utc = expected.replace(tzinfo=None) - (expected.utcoffset() or timedelta(0))
    assert seconds_of(text) == pytest.approx((utc - datetime(1970, 1, 1)).total_seconds(),
                                             abs=1e-6)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(st.characters(blacklist_categories=("Cs",))),
                 st.text(alphabet="0123456789-:T .,+Zz"),
                 st.binary().map(lambda b: b.decode("latin-1"))))
def test_random_text_is_a_time_or_a_timestamp_error_never_anything_else(text: str) -> None:
    try:
        moment = parse_time(text)
    except TimestampError as refused:
        reason = str(refused)
        assert reason.strip() and "\n" not in reason and len(reason) < 200
        assert seconds_of(text) is None
        good, bad = decode_batch(SmokerReading, [orjson.dumps(
            {"timestamp": text, "temperature": 1.0})])
        assert good == [] and len(bad) == 1 and bad[0][1].reason == reason
    else:
        assert isinstance(moment, datetime) and seconds_of(text) is not None


def test_a_batch_takes_the_rarer_forms_and_a_project_message_is_checked_too() -> None:
    rare = [{"timestamp": t, "temperature": 70.0}
            for t in ("2025-01-01t15:00:00z", " 2025-01-01 15:00:00 UTC", "2025-01-01")]
    good, bad = decode_batch(SmokerReading, wire(rare))
    assert bad == [] and [m.timestamp for m in good] == [r["timestamp"] for r in rare]
    project = {"message": "m", "author": "a", "timestamp": "yesterday", "category": "c",
               "sentiment": 0.5, "keyword_mentioned": "k", "message_length": 1}
    dated = {**project, "timestamp": "2025-01-01"}
    good, bad = decode_batch(ProjectMessage, wire([project, dated]))
    assert [m.timestamp for m in good] == ["2025-01-01"]
    assert [(i, "'yesterday' is not an ISO 8601 time" in r.reason) for i, r in bad] == [(0, True)]


def test_a_time_axis_near_the_year_9999_is_drawn() -> None:
    # from 2000 to about 9550: the room for growth would pass the year 9999
    rows = [{"timestamp": (datetime(2000, 1, 1) + timedelta(days=95_000) * i).isoformat(),
             "temperature": v} for i, v in enumerate(TEMPERATURES[:30])]
    summary, rejected, chart = run_csv_app(wire(rows))  # (draws the figure)
    assert rejected == [] and summary["readings"] == 30
    assert chart.ax.get_xlim()[1] <= day_number("9999-12-31T00:00:00")
    assert chart.drawn()["points"] == 30
