"""`buzzline.streams`: a stream declared in a file, run with `buzzline run` on the file
transport (exact counts, the PNG written); the examples; clear one-line errors."""

import json
import random
from pathlib import Path

import pytest

from buzzline.clock import ManualClock
from buzzline.errors import SourceError
from buzzline.messages import Rejected, decode
from buzzline.streams import Stream, StreamError, sources
from buzzline.streams import analytics as a
from tests.conftest import ROOT, run_buzzline

EXAMPLES = ROOT / "examples"

STREAM = '''
from buzzline.streams import Stream, sources, analytics as a

def reading(rng, clock):
    reading.n = getattr(reading, "n", -1) + 1
    return {"sensor": "ABC"[reading.n % 3], "value": rng.gauss(20, 2)}

stream = Stream(name="mysensor", fields={"sensor": str, "value": float},
                source=sources.generate(reading), analytic=a.counts("sensor"), chart="bar")
'''


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def run(workdir, *args, timeout=120):
    return run_buzzline(["run", *map(str, args)], workdir, timeout=timeout)


def test_a_stream_file_end_to_end_on_the_file_transport(workdir):
    write(workdir / "mine.py", STREAM)
    result = run(workdir, "mine.py", "--transport", "file", "--count", "200", "--interval", "0",
                 "--output", "out", "--summary-json", "s.json")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["sent"] == 200 and summary["messages"] == 200 and summary["rejected"] == 0
    assert summary["sensor_counts"] == {"A": 67, "B": 67, "C": 66}
    assert summary["chart"]["drawn"] == [{"A": 67, "B": 67, "C": 66}]
    assert (workdir / "out" / "mysensor.png").read_bytes().startswith(b"\x89PNG")
    assert len((workdir / "data" / "mysensor.jsonl").read_text().splitlines()) == 200
    assert "mysensor: sent 200; 200 messages, 0 rejected" in result.stdout


def test_records_that_do_not_fit_become_dead_letters(workdir):
    write(workdir / "data.jsonl", '{"v": 1}\n{"v": "one"}\n\n{"v": 2.5}\n{"w": 1}\n')
    write(workdir / "bad.py", 'from buzzline.streams import Stream, sources, analytics as a\n'
          'stream = Stream(name="bad", fields={"v": float}, source=sources.jsonl("data.jsonl"),\n'
          '                analytic=a.rolling("v", window=3), chart="line", interval=0)\n')
    result = run(workdir, "bad.py", "--output", "out", "--summary-json", "s.json")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["messages"] == 2 and summary["rejected"] == 2
    assert summary["v_rolling"]["mean"] == 1.75
    assert summary["dead_letters"] == 2
    assert (workdir / "out" / "bad.png").exists()


def test_a_csv_source_converts_values_to_the_field_types(workdir):
    write(workdir / "t.csv", "when,temp,ok\n1,20.5,true\n2,21,false\n3,x,true\n")
    write(workdir / "t.py", 'from buzzline.streams import Stream, sources, analytics as a\n'
          'stream = Stream(name="temps", fields={"when": int, "temp": float, "ok": bool},\n'
          '    source=sources.csv("t.csv"), analytic=a.threshold("temp", above=20.9),\n'
          '    interval=0)\n')
    result = run(workdir, "t.py", "--no-chart", "--summary-json", "s.json")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["messages"] == 2 and summary["rejected"] == 1
    assert summary["temp_threshold"]["alerts"] == [{"start": 1, "end": None, "value": 21.0}]


@pytest.mark.parametrize("name", ["sensor", "sentiment", "categories"])
def test_each_example_runs_headless_and_writes_its_picture(workdir, name):
    source = EXAMPLES / f"{name}.py"
    assert len(source.read_text().splitlines()) <= 30
    result = run(workdir, source, "--count", "60", "--interval", "0", "--seed", "1",
                 "--output", "out", "--summary-json", "s.json")
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads((workdir / "s.json").read_text())["messages"] == 60
    assert (workdir / "out" / f"{name}.png").read_bytes().startswith(b"\x89PNG")


def test_wrong_chart_kind_exits_2_with_one_line(workdir):
    write(workdir / "w.py", STREAM.replace('chart="bar"', 'chart="line"'))
    result = run(workdir, "w.py", "--count", "5")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "chart 'line' draws series, which counts('sensor') does not give" in lines[0]
    assert "kinds that fit: bar" in lines[0]


@pytest.mark.parametrize(("text", "message"), [
    ("x = 1\n", "no Stream"),
    ("raise RuntimeError('boom')\n", "w.py:1: RuntimeError: boom"),
    (STREAM.replace('chart="bar"', 'chart="nope"'), "unknown chart kind 'nope'"),
    (STREAM.replace('a.counts("sensor")', 'a.counts("sensr")'), "uses field 'sensr'"),
])
def test_a_file_without_a_usable_stream_is_one_line_exit_2(workdir, text, message):
    write(workdir / "w.py", text)
    result = run(workdir, "w.py", "--count", "5")
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert message in result.stderr


def test_the_message_type_validates_like_the_built_in_ones():
    stream = Stream("s", {"name": str, "n": int, "x": float, "ok": bool},
                    sources.generate(lambda rng, clock: {}), a.counts("name"))
    kind = stream.message_type
    message = decode(kind, b'{"name": "a", "n": 1, "x": 2, "ok": true}')
    assert message == kind("a", 1, 2.0, True) and type(message.x) is float
    bad = decode(kind, b'{"name": "a", "n": 1.5, "x": 2, "ok": true}')
    assert isinstance(bad, Rejected) and "'n' should be an integer" in bad.reason
    assert stream.chart == "bar" and stream.topic(None) == "s"
    with pytest.raises(StreamError, match="use str, int, float or bool"):
        Stream("s", {"x": list}, sources.generate(lambda rng, clock: {}), a.counts("x"))
    with pytest.raises(StreamError, match="cannot be a field name"):
        Stream("s", {"schema": str}, sources.generate(lambda rng, clock: {}), a.counts("schema"))


def test_sources_give_records_up_to_the_count(tmp_path):
    gen = sources.generate(lambda rng, clock: {"v": rng.random()})
    assert len(list(gen(random.Random(1), ManualClock(), 4))) == 4
    assert not gen.finite
    path = write(tmp_path / "d.jsonl", '{"v": 1}\n{"v": 2}\n')
    assert list(sources.jsonl(path)(random.Random(), ManualClock(), None)) == [{"v": 1}, {"v": 2}]
    looped = sources.jsonl(path, loop=True)
    assert len(list(looped(random.Random(), ManualClock(), 5))) == 5 and not looped.finite
    with pytest.raises(SourceError, match="not found"):
        list(sources.csv(tmp_path / "missing.csv")(random.Random(), ManualClock(), None))


@pytest.mark.parametrize(("analytic", "chart"), [
    ('a.tumbling(0.05, "value")', "line"), ("a.sliding(0.2, 0.05)", "hbar"),
    ('a.stall("value", window=3, threshold=1)', "scatter"), ('a.rolling("value", 5)', "band"),
    ("a.batches(7)", "bar"), ('a.top_k("sensor", 2)', "pie"),
    ('a.histogram("value", lo=10, hi=30)', "histogram"),
])
def test_each_analytic_draws_on_a_kind_that_fits(workdir, analytic, chart):
    write(workdir / "k.py", STREAM.replace('a.counts("sensor")', analytic)
          .replace('chart="bar"', f'chart="{chart}", interval=0.002'))
    result = run(workdir, "k.py", "--count", "50", "--output", "out", "--summary-json", "s.json")
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["messages"] == 50 and summary["chart"]["drawn"]
    assert (workdir / "out" / "mysensor.png").exists()


@pytest.mark.kafka
def test_an_example_runs_over_kafka(workdir, kafka_broker):
    result = run_buzzline(["run", str(ROOT / "examples" / "categories.py"), "--transport",
                           "kafka", "--count", "120", "--no-chart", "--summary-json", "s.json"],
                          workdir, timeout=120, KAFKA_BROKER_ADDRESS=kafka_broker.bootstrap)
    assert result.returncode == 0, result.stderr[-2000:]
    summary = json.loads((workdir / "s.json").read_text())
    assert summary["transport"] == "kafka" and summary["messages"] == 120
    assert sum(summary["category_counts"].values()) == 120
