"""Each benchmark script runs on a tiny size, so the scripts don't rot (CI does not time them)."""

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from bench.results import CaseResult, Target, load
from tests.conftest import IN_CI, ROOT


def run_bench(script: str, tmp_path, *args: str, timeout: float = 300) -> CaseResult:
    """Run bench/<script> with ``--json`` and return what it wrote."""
    out = tmp_path / "result.json"
    result = subprocess.run([sys.executable, str(ROOT / "bench" / script), *args, "--json",
                             str(out)], cwd=tmp_path, capture_output=True, text=True,
                            timeout=timeout, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return load(out)


def assert_complete(case: CaseResult, runs: int = 1) -> None:
    """Every subject measured ``runs`` times (numbers > 0); every target has its subjects."""
    assert case.subjects and all(len(v) == runs and all(x > 0 for x in v)
                                 for v in case.subjects.values()), case.subjects
    medians = case.medians()
    for target in case.targets:
        value, met = target.check(medians)
        assert value is not None and met is not None, target


def test_file_pipeline_bench_runs(tmp_path):
    case = run_bench("file_pipeline.py", tmp_path, "--messages", "3000", "--runs", "1")
    assert case.case == "file-pipeline" and case.messages == 3000
    assert list(case.subjects) == ["buzzline", "buzzline producer alone",
                                   "buzzline consumer alone", "raw pipeline (limit)",
                                   "raw write", "raw read + orjson + Counter"]
    assert_complete(case)
    assert case.targets[0].value_at_least == 300_000


@pytest.mark.slow
def test_chart_frames_bench_runs(tmp_path):
    case = run_bench("chart_frames.py", tmp_path, "--messages", "3000", "--runs", "1",
                     "--seconds", "1")
    assert case.case == "chart" and case.unit == "ms"
    assert len(case.subjects) == 8 and len(case.targets) == 4  # mean and median, per chart
    assert_complete(case)
    assert all(t.ratio_at_most == 1.2 for t in case.targets)


@pytest.mark.slow
def test_memory_bench_runs(tmp_path):
    case = run_bench("memory.py", tmp_path, "--messages", "20000", "--small", "4000",
                     "--keys", "3000")
    assert case.case == "memory" and case.unit == "MiB"
    assert list(case.subjects) == ["peak RSS after 4,000 messages",
                                   "peak RSS after 20,000 messages",
                                   "peak RSS with 3,000 distinct authors (json app, bar chart)"]
    assert_complete(case)
    assert case.targets[0].ratio_at_most == 1.10
    assert case.targets[1].value_at_most == 1024  # MiB, with the chart on (issue 12)


@pytest.mark.slow
def test_latency_bench_runs(tmp_path):
    case = run_bench("latency.py", tmp_path, "--messages", "1500", "--runs", "1",
                     "--warmup", "0.2")
    assert case.case == "latency" and case.unit == "ms"
    assert "file: produce -> counted p99" in case.subjects
    assert "file: produce -> on screen p99" in case.subjects
    assert_complete(case)
    medians = case.medians()
    # a message is on screen after it is counted
    assert medians["file: produce -> on screen p99"] >= medians["file: produce -> counted p50"]


def test_report_writes_the_table_and_the_plot(tmp_path):
    results = tmp_path / "results"
    cases = [
        CaseResult("kafka-consume", "Kafka consume", messages=1000,
                   subjects={"buzzline": [90.0, 100.0, 110.0],
                             "raw confluent-kafka (count only)": [150.0, 160.0, 170.0],
                             "Quix Streams": [20.0, 25.0, 30.0]},
                   targets=[Target(">= 50 %", "buzzline", "raw confluent-kafka (count only)",
                                   ratio_at_least=0.5),
                            Target(">= 5x Quix", "buzzline", "Quix Streams",
                                   ratio_at_least=5.0)]),
        CaseResult("chart", "Chart frames", unit="ms", higher_is_better=False,
                   subjects={"full": [12.0], "slow": [10.0]},
                   targets=[Target("<= 1.2", "full", "slow", ratio_at_most=1.2)]),
        CaseResult("memory", "Memory", unit="MiB", higher_is_better=False,
                   subjects={"small": [80.0]}, notes=["a note"]),
    ]
    for case in cases:
        case.save(results / f"{case.case}.json")
    (results / "_run_all.json").write_text('{"scripts": {"latency": {"script": "bench/x.py", '
                                           '"status": "failed (exit code 1)", "seconds": 3}}}')
    subprocess.run([sys.executable, str(ROOT / "bench" / "report.py"), "--results", str(results),
                    "--out", str(tmp_path)], check=True, timeout=120, capture_output=True)
    text = (tmp_path / "RESULTS.md").read_text()
    assert "| kafka-consume | >= 50 % | 0.62x (100 vs 160 msgs/s) | **MET** |" in text
    assert "| kafka-consume | >= 5x Quix | 4.00x (100 vs 25 msgs/s) | **NOT MET** |" in text
    assert "| chart | <= 1.2 | 1.20x (12.0 vs 10.0 ms) | **MET** |" in text
    assert "| latency | - | not measured (failed (exit code 1)) | n/a |" in text
    assert "0.62x of raw confluent-kafka (count only)" in text  # ratio to the limit
    assert "4.00x Quix Streams" in text  # ratio to a peer
    assert "| 100 (90-110) msgs/s (buzzline) | 3 |" in text
    assert "## Machine" in text and "| cores |" in text and "| matplotlib |" in text
    assert "- a note" in text
    assert (tmp_path / "throughput.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def _kafka_peers(*pairs: tuple[str, str]) -> tuple[list[str], list[str]]:
    """(the peers whose package is installed, the ones the script must skip)."""
    present = [name for name, module in pairs if importlib.util.find_spec(module) is not None]
    return present, [name for name, _ in pairs if name not in present]


@pytest.mark.kafka
def test_kafka_produce_bench_runs(kafka_broker, tmp_path):
    case = run_bench("kafka_produce.py", tmp_path, "--messages", "2000", "--runs", "1",
                     "--kafka-python-messages", "500", "--bootstrap", kafka_broker.bootstrap)
    present, skipped = _kafka_peers(("kafka-python", "kafka"))
    assert case.case == "kafka-produce" and case.messages == 2000
    assert list(case.subjects) == ["buzzline", "raw confluent-kafka", *present]
    assert all(len(v) == 1 and v[0] > 0 for v in case.subjects.values()), case.subjects
    assert [t.ratio_at_least for t in case.targets] == [0.5, 5.0]
    assert len([n for n in case.notes if "not installed" in n]) == len(skipped)


@pytest.mark.kafka
@pytest.mark.slow
def test_kafka_consume_bench_runs(kafka_broker, tmp_path):
    case = run_bench("kafka_consume.py", tmp_path, "--messages", "2000", "--runs", "1",
                     "--teaching-messages", "3", "--bootstrap", kafka_broker.bootstrap)
    present, skipped = _kafka_peers(
        ("Quix Streams", "quixstreams"),
        ("teaching consumer (kafka-python, redraw per message)", "kafka"))
    if "Quix Streams" in present:  # with buzzline's fetch setting, and with the default
        at = present.index("Quix Streams")
        present[at + 1:at + 1] = ["Quix Streams, librdkafka's default fetch backoff"]
    assert case.case == "kafka-consume" and case.messages == 2000
    assert list(case.subjects) == [
        "buzzline", "buzzline, timed from its first message (as Quix and the teaching consumer)",
        "buzzline, exactly once (state and offsets in Kafka transactions)",
        "raw confluent-kafka (count only)",
        "raw confluent-kafka (count only), librdkafka's default fetch backoff", *present]
    assert all(len(v) == 1 and v[0] > 0 for v in case.subjects.values()), case.subjects
    assert [t.ratio_at_least for t in case.targets] == [0.5, 0.75, 3.0, 5000.0]
    assert any(n.startswith("run 1: buzzline chart") for n in case.notes), case.notes
    assert len([n for n in case.notes if "not installed" in n]) == len(skipped)


@pytest.mark.slow
def test_dashboard_bench_runs(tmp_path):
    from tests.test_dashboard_browser import CHROMIUM, DRIVER

    if not (Path(CHROMIUM).exists() and Path(DRIVER).exists()):
        if IN_CI:
            pytest.fail("chromium is missing in CI (.ci/run installs chromium chromium-driver)")
        pytest.skip("Debian's chromium and chromium-driver are not installed")
    case = run_bench("dashboard.py", tmp_path, "--minutes", "0.25", "--every", "5",
                     "--rate", "2000", "--screenshot", str(tmp_path / "page.png"))
    assert case.case == "dashboard" and case.unit == "MiB"
    assert_complete(case)
    assert case.targets[0].ratio_at_most == 1.2
    samples = case.params["samples"]
    assert samples[-1]["frames"] > 0 and samples[-1]["firehose_messages"] > 0
    assert (tmp_path / "page.png").stat().st_size > 10_000


def test_profile_summary_sorts_samples_into_threads_and_parts(tmp_path):
    """bench/profile_consume.py sums py-spy's raw samples per thread and part of the work
    (the profile itself needs py-spy and a broker: run by hand, not here)."""
    from bench.profile_consume import summarize

    raw = tmp_path / "samples.txt"
    poll = "KafkaConsumer.poll (buzzline/transports/kafka_client.py:173)"
    raw.write_text("\n".join([
        f"thread (1): consume-basic;ConsumeJob.run (consume.py:124);{poll} 43",
        "thread (1): consume-basic;ConsumeJob.run (consume.py:129);ConsumeJob._apply (c.py:1);"
        "decode_batch (buzzline/messages.py:189) 21",
        "thread (1): consume-basic;ConsumeJob._apply (c.py:1);Pipeline.update (b.py:64);"
        "Counts.update (counts.py:30) 4",
        "thread (1): consume-basic;ConsumeJob.run (consume.py:124) 12",
        "thread (2): MainThread;buzzline_consume (k.py:1);LiveView.run_window (view.py:1);"
        "Blitter.fast (view.py:2) 7",
        "thread (2): MainThread;buzzline_consume (k.py:1);<module> (figure.py:5) 3",
        "thread (2): MainThread;fill_topic (kafka_env.py:40) 50",
        "thread (3): Thread-1 (watch);watch (k.py:98) 5",
        "not a sample line",
    ]) + "\n")
    parts = summarize(raw)
    assert parts["consumer"] == {
        "librdkafka consume(): the messages handed over (as the raw loop)": 43,
        "decoding and validating (decode_batch)": 21,
        "analytics (counts, batches, totals)": 4,
        "the rest of the loop (freeing each batch, the calls between)": 12}
    assert parts["main"] == {"frames (snapshot, draw, blit)": 7,
                             "the rest (figure, window, imports)": 3}
