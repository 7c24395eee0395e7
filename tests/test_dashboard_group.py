"""The dashboard's card of a Kafka consumer (issue 15): the partitions it holds and its group's
total read from the group's changelog (``buzzline.dashboard.group``): refreshed at most every
few seconds, a failed read keeps the last total marked stale (one log line per episode); and
two members of one group on a real broker each show their own partitions and the same total."""

import logging
import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

import tests.test_dashboard_browser as page_tests
from buzzline.dashboard.group import COST_FACTOR, GroupTotal
from buzzline.dashboard.hub import Hub
from buzzline.dashboard.records import valid
from buzzline.errors import TransportUnavailable
from tests.test_dashboard import record as live_record

browser, dashboard = page_tests.browser, page_tests.dashboard  # its fixtures, shared
PAGE = Path(__file__).resolve().parent.parent / "buzzline" / "dashboard" / "static" / \
    "dashboard.js"


class FakeReader:
    """Group totals on demand; ``fail`` makes the next reads raise."""

    def __init__(self, clock: list[float], took: float = 0.0) -> None:
        self.clock, self.took = clock, took
        self.calls, self.messages = 0, 0
        self.fail: BaseException | None = None

    def __call__(self) -> dict[str, int]:
        self.calls += 1
        self.clock[0] += self.took
        if self.fail is not None:
            raise self.fail
        return {"messages": self.messages, "rejected": 1, "partitions": 2}


def refresher(took: float = 0.0, interval: float = 5.0) -> tuple[GroupTotal, FakeReader,
                                                                  list[float]]:
    clock = [100.0]
    reader = FakeReader(clock, took)
    group = GroupTotal(reader, interval, " of test", monotonic=lambda: clock[0],
                       wall=lambda: 1_000.0 + clock[0])
    return group, reader, clock


def test_nothing_before_a_first_read_then_the_total_with_its_time() -> None:
    group, reader, clock = refresher()
    assert group.value() is None
    reader.messages = 42
    assert group.refresh_if_due()
    assert group.value() == {"messages": 42, "rejected": 1, "partitions": 2, "as_of": 1_100.0,
                             "stale": False}


def test_reads_at_most_every_interval() -> None:
    group, reader, clock = refresher(interval=5.0)
    assert group.refresh_if_due()
    for step in (1.0, 2.0, 1.9):  # 4.9 s later: not yet
        clock[0] += step
        assert not group.refresh_if_due()
    assert reader.calls == 1
    clock[0] += 0.1
    reader.messages = 7
    assert group.refresh_if_due() and reader.calls == 2
    assert group.value()["messages"] == 7  # type: ignore[index]


def test_a_slow_read_spaces_the_next_ones_out() -> None:
    """A read of 2 s (a big changelog): the next one no sooner than COST_FACTOR times that."""
    group, reader, clock = refresher(took=2.0, interval=5.0)
    assert group.refresh_if_due()
    began = clock[0] - 2.0
    clock[0] = began + COST_FACTOR * 2.0 - 0.01
    assert not group.refresh_if_due()
    clock[0] = began + COST_FACTOR * 2.0
    assert group.refresh_if_due() and reader.calls == 2


def test_a_failed_read_keeps_the_last_total_marked_stale_one_line_per_episode(caplog) -> None:
    group, reader, clock = refresher(interval=1.0)
    reader.messages = 10
    group.refresh_if_due()
    reader.fail = TransportUnavailable("broker down")
    caplog.set_level(logging.WARNING, logger="buzzline.dashboard.group")
    for _ in range(4):
        clock[0] += 1.0
        assert group.refresh_if_due()  # no exception out
        assert group.value() == {"messages": 10, "rejected": 1, "partitions": 2,
                                 "as_of": 1_100.0, "stale": True}
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "broker down" in lines[0] and "stale" in lines[0], lines
    reader.fail, reader.messages = None, 12  # back: fresh, and the episode is over
    clock[0] += 1.0
    group.refresh_if_due()
    assert group.value() == {"messages": 12, "rejected": 1, "partitions": 2,
                             "as_of": 1_000.0 + clock[0], "stale": False}
    reader.fail = TransportUnavailable("down again")
    for _ in range(3):
        clock[0] += 1.0
        group.refresh_if_due()
    assert len(caplog.records) == 2 and "down again" in caplog.records[1].getMessage()


def test_a_failure_before_any_read_shows_nothing_and_says_so_once(caplog) -> None:
    group, reader, clock = refresher(interval=1.0)
    reader.fail = ValueError("a state that does not load")
    caplog.set_level(logging.WARNING, logger="buzzline.dashboard.group")
    for _ in range(3):
        group.refresh_if_due()
        clock[0] += 1.0
    assert group.value() is None
    assert len(caplog.records) == 1 and "not shown yet" in caplog.records[0].getMessage()


def test_the_thread_reads_on_its_own_and_stops() -> None:
    seen = threading.Event()
    calls: list[int] = []

    def read() -> dict[str, int]:
        calls.append(1)
        if len(calls) >= 3:
            seen.set()
        return {"messages": len(calls), "rejected": 0, "partitions": 1}

    group = GroupTotal(read, interval=0.05)
    group.start()
    try:
        assert seen.wait(10), "three reads on the group total's thread"
    finally:
        group.stop()
    assert group._thread is not None and not group._thread.is_alive()
    assert group.value()["messages"] >= 3  # type: ignore[index]


def test_a_final_stop_reads_once_more_then_the_thread_ends() -> None:
    """The card of a finished consumer shows the total after the members' last commits."""
    calls: list[int] = []
    first = threading.Event()

    def read() -> dict[str, int]:
        calls.append(1)
        first.set()
        return {"messages": 100 * len(calls), "rejected": 0, "partitions": 2}

    group = GroupTotal(read, interval=3600.0)  # no second read but the final one
    group.start()
    assert first.wait(10)
    group.stop(final=True, timeout=10)
    assert group._thread is not None and not group._thread.is_alive()
    assert len(calls) == 2 and group.value()["messages"] == 200  # type: ignore[index]


T = 1_700_000_005.0
GROUP = {"messages": 70_000, "rejected": 3, "partitions": 3, "as_of": 1_700_000_000.5,
         "stale": True}


@pytest.mark.parametrize(("field", "value", "ok"), [
    ("partitions", None, True), ("partitions", [0, 2], True), ("partitions", [], True),
    ("partitions", [-1], False), ("partitions", ["0"], False), ("partitions", [True], False),
    ("partitions", "0,2", False),
    ("group_total", None, True), ("group_total", GROUP, True),
    ("group_total", {**GROUP, "messages": -1}, False),
    ("group_total", {**GROUP, "messages": 1.5}, False),
    ("group_total", {**GROUP, "as_of": float("inf")}, False),
    ("group_total", {**GROUP, "stale": "no"}, False),
    ("group_total", {k: v for k, v in GROUP.items() if k != "partitions"}, False),
    ("group_total", [1, 2], False),
])
def test_live_records_group_fields_are_checked(field: str, value: Any, ok: bool) -> None:
    assert valid({**live_record(updated=T), field: value}) is ok


def test_the_hub_passes_the_group_fields_the_page_reads(tmp_path: Path) -> None:
    live = tmp_path / "live"
    live.mkdir()
    plain = live_record("basic-file-1", updated=T)  # a file consumer: no group row
    member = {**live_record("basic-kafka-2", updated=T), "transport": "kafka",
              "partitions": [0, 2], "group_total": GROUP}
    for rec in (plain, member):
        (live / f"{rec['id']}.json").write_bytes(orjson.dumps(rec))
    hub = Hub(live, clock=lambda: 1_700_000_010.0)
    hub.scan()
    shown = {c["id"]: c for c in hub.frame(0)["consumers"]}
    assert shown["basic-file-1"]["partitions"] is None
    assert shown["basic-file-1"]["group_total"] is None
    assert shown["basic-kafka-2"]["partitions"] == [0, 2]
    assert shown["basic-kafka-2"]["group_total"] == GROUP
    page = PAGE.read_text()  # the names the page reads of it
    for name in ("c.partitions", "c.group_total", "g.messages", "g.rejected", "g.partitions",
                 "g.as_of", "g.stale"):
        assert name in page, name


# -- two members of one group on a real broker


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.kafka
@pytest.mark.slow
def test_two_members_show_their_own_partitions_and_the_groups_total(
        kafka_broker, kafka_topic, tmp_path: Path) -> None:
    from buzzline.apps import get_app
    from buzzline.dashboard.publisher import LivePublisher
    from buzzline.engine.consume import ConsumeJob
    from buzzline.settings import load_settings
    from buzzline.transports.kafka import KafkaTransport
    from tests.kafka_state_helpers import produce

    boot, group, total = kafka_broker.bootstrap, f"g-{uuid.uuid4().hex[:8]}", 600
    produce(boot, kafka_topic, [f"author{i % 17}" for i in range(total)], partitions=2)
    live = tmp_path / "live"
    members = []
    for name in ("a", "b"):  # two "machines": their own data dir, transport and publisher
        settings = load_settings(
            environ={"KAFKA_BROKER_ADDRESS": boot, "BUZZ_CONSUMER_GROUP_ID": group},
            env_file=None, kafka_partitions=2, kafka_session_timeout=6, checkpoint_seconds=0.3,
            kafka_state="changelog", data_dir=tmp_path / name)
        transport = KafkaTransport(settings)
        job = ConsumeJob(get_app("basic"), settings, transport, kafka_topic)
        assert job.transactional
        publisher = LivePublisher([job], live / name, period=0.1, group_interval=0.5)
        thread = threading.Thread(target=job.run_quietly, daemon=True)
        members.append((job, transport, publisher, thread))
    for _, _, publisher, thread in members:
        publisher.start()
        thread.start()

    def records() -> list[dict[str, Any]]:
        out = []
        for name in ("a", "b"):
            files = list((live / name).glob("*.json"))
            out += [orjson.loads(f.read_bytes()) for f in files]
        return out

    def settled() -> list[dict[str, Any]] | None:
        recs = records()
        if len(recs) != 2 or any(job.error is not None for job, *_ in members):
            return None
        own = [set(r["partitions"] or ()) for r in recs]
        counted = sum(job.totals.messages for job, *_ in members) == total
        totals = [(r["group_total"] or {}).get("messages") for r in recs]
        return recs if counted and all(own) and not own[0] & own[1] \
            and own[0] | own[1] == {0, 1} and totals == [total, total] else None

    try:
        recs = wait_for(settled, 120, "both members counting their own partitions and the "
                        f"group's total of {total} in both records")
    finally:
        for job, *_ in members:
            job.stop.set()
        for _, transport, publisher, thread in members:
            thread.join(timeout=60)
            publisher.finish()
            transport.close()
    for job, *_ in members:
        assert job.error is None, job.error
    finished = records()  # written by finish(), after one last read of the group's total
    assert [r["state"] for r in finished] == ["finished", "finished"]
    assert [r["group_total"]["messages"] for r in finished] == [total, total]
    for rec in recs:
        assert valid(rec)
        assert rec["transport"] == "kafka"
        assert rec["partitions"] in ([0], [1])
        assert set(rec["group_total"]) == {"messages", "rejected", "partitions", "as_of",
                                           "stale"}
        assert rec["group_total"]["partitions"] == 2
        assert rec["group_total"]["rejected"] == 0
        assert not rec["group_total"]["stale"]
        assert abs(rec["group_total"]["as_of"] - time.time()) < 120
    # what the page gets of them: the hub passes both fields on
    for name in ("a", "b"):
        hub = Hub(live / name)
        hub.scan()
        (shown,) = hub.frame(0)["consumers"]
        assert shown["group_total"]["messages"] == total
        assert shown["partitions"] in ([0], [1])


# -- the card on the page (a real headless Chromium, as tests/test_dashboard_browser.py)


@pytest.mark.slow
def test_the_card_shows_own_partitions_and_the_group_total_with_its_age_when_stale(
        browser, dashboard, workdir: Path) -> None:
    live = workdir / "data" / "live"
    live.mkdir(parents=True)
    now = time.time()
    stale = {"messages": 70_000, "rejected": 3, "partitions": 3, "as_of": now - 30,
             "stale": True}
    fresh = {**stale, "messages": 70_000, "as_of": now, "stale": False}
    cards = {"basic-file-1": {},  # a file consumer: the look it had
             "basic-kafka-2": {"transport": "kafka", "partitions": [0, 2],
                               "group_total": stale, "messages": 40_000},
             "basic-kafka-3": {"transport": "kafka", "partitions": [1],
                               "group_total": fresh, "messages": 30_000}}
    for ident, fields in cards.items():
        rec = {**live_record(ident, updated=now, state="finished"), **fields}
        (live / f"{ident}.json").write_bytes(orjson.dumps(rec))
    browser.get(dashboard)
    script = """
        const out = {};
        for (const section of document.querySelectorAll('section.consumer')) {
            const held = section.querySelector('.partitions');
            const total = section.querySelector('.group-messages');
            out[section.dataset.id] = {
                held: held && !held.hidden ? held.textContent : null,
                total: total && !total.parentElement.hidden
                    ? [total.dataset.value, total.textContent] : null,
                label: total ? total.parentElement.textContent : null,
                messages: section.querySelector('.messages').dataset.value};
        }
        return out;"""
    shown = page_tests.wait_for(lambda: (s := browser.execute_script(script)) and len(s) == 3 and s,
                         20, "the three cards")
    assert shown["basic-file-1"]["held"] is None and shown["basic-file-1"]["total"] is None
    assert shown["basic-kafka-2"]["held"] == "partitions 0, 2 of this consumer"
    value, text = shown["basic-kafka-2"]["total"]
    age = re.search(r"as of (\d+) s ago", text)  # 30 s when written, a little more now
    assert value == "70000" and "70,000" in text and age and 30 <= int(age[1]) <= 60, text
    assert shown["basic-kafka-2"]["messages"] == "40000"  # its own beside the group's
    assert "group total" in shown["basic-kafka-2"]["label"].lower()
    assert shown["basic-kafka-3"]["held"] == "partition 1 of this consumer"
    value, text = shown["basic-kafka-3"]["total"]
    assert value == "70000" and "ago" not in text
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
