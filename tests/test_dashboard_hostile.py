"""The dashboard against what others can put in its way: malformed live files (a count that is
text, numbers out of range, panels of the wrong form) are set aside with one log line each and
the rest served; an ``updated`` in the future still expires; a FIFO, a device, a folder or a
huge file named ``*.json`` never blocks or burdens it; a request for a name that is not the
dashboard's (DNS rebinding) is refused; every response carries the security headers."""

from __future__ import annotations

import http.client
import logging
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buzzline.dashboard.guard import HostCheck, host_name
from buzzline.dashboard.hub import KEEP_SECONDS, STALE_SECONDS, Hub
from buzzline.dashboard.records import MAX_FILE_BYTES, MAX_ITEMS, MAX_KEYS, MAX_PANELS, valid
from tests.conftest import subprocess_env
from tests.test_dashboard import T0, Events, LiveDir, bars, free_port, parse_frames, record

GOOD = "good"


def series_panel(x: list, y: list, **extra: Any) -> dict[str, Any]:
    return {"title": "L", "kind": "line", "shape": "series", "options": {},
            "data": {"x": x, "y": y, "markers": [], "spans": [], "timed": False, **extra}}


def bad_records() -> dict[str, Any]:
    """Version 1 records that are malformed in one way each (as a JSON value, or raw bytes)."""
    base = record("bad", messages=5, counts={"a": 5}, updated=T0)

    def but(**changes: Any) -> dict[str, Any]:
        return {**base, **changes}

    def with_panel(p: dict[str, Any]) -> dict[str, Any]:
        return but(panels=[p])

    bar = bars({"a": 5})
    return {
        "count-is-text": with_panel({**bar, "data": {"counts": {"a": "5"}}}),
        "count-is-null": with_panel({**bar, "data": {"counts": {"a": None}}}),
        "counts-a-list": with_panel({**bar, "data": {"counts": [1, 2]}}),
        "messages-text": but(messages="5"),
        "messages-negative": but(messages=-1),
        "messages-beyond-json-ints": but(messages=1e300),
        "messages-huge": b'{"version": 1, "id": "bad", "messages": 1e999, "rejected": 0, '
                         b'"rate": 1, "updated": 1, "panels": []}',
        "rate-nan-literal": b'{"version": 1, "id": "bad", "messages": 1, "rejected": 0, '
                            b'"rate": NaN, "updated": 1, "panels": []}',
        "rate-bool": but(rate=True),
        "updated-text": but(updated="now"),
        "id-number": but(id=7),
        "title-object": but(title={"x": 1}),
        "panels-object": but(panels={"a": 1}),
        "too-many-panels": but(panels=[bar] * (MAX_PANELS + 1)),
        "too-many-categories": with_panel({**bar, "data": {"counts": {
            f"k{i}": i for i in range(MAX_KEYS + 1)}}}),
        "x-text": with_panel(series_panel(["1", 2], [1, 2])),
        "x-null": with_panel(series_panel([None, 2.0], [1, 2])),
        "y-shorter": with_panel(series_panel([1.0, 2.0], [1])),
        "y-text": with_panel(series_panel([1.0], ["high"])),
        "marker-malformed": with_panel(series_panel([1.0], [1.0], markers=[["a", 1, "x"]])),
        "span-malformed": with_panel(series_panel([1.0], [1.0], spans=[[1.0]])),
        "timed-text": with_panel(series_panel([1.0], [1.0], timed="yes")),
        "too-many-points": with_panel(series_panel([1.0] * (MAX_ITEMS + 1),
                                                   [1.0] * (MAX_ITEMS + 1))),
        "top-k-text": with_panel({**bar, "options": {"top_k": "abc"}}),
        "top-k-negative": with_panel({**bar, "options": {"top_k": -3}}),
        "colors-numbers": with_panel({**bar, "options": {"colors": [1, 2]}}),
        "kind-of-another-shape": with_panel({**bar, "kind": "line"}),
        "kind-missing": with_panel({k: v for k, v in bar.items() if k != "kind"}),
        "shape-unknown": with_panel({**bar, "shape": "cube"}),
        "histogram-edges-text": with_panel({"title": "H", "kind": "histogram", "shape": "values",
                                            "options": {}, "data": {"edges": ["a"],
                                                                    "counts": [1]}}),
        "a-list": [1, 2, 3],
        "a-string": "hello",
        "not-json": b"\x1b[2J not json at all",
        "empty": b"",
    }


BAD = bad_records()


@pytest.fixture
def live(tmp_path: Path) -> LiveDir:
    return LiveDir(tmp_path / "live")


def write_any(live: LiveDir, name: str, value: Any) -> Path:
    return live.write(value if isinstance(value, bytes) else orjson.dumps(value), name)


def ids(frame: dict[str, Any]) -> list[str]:
    return [c["id"] for c in frame["consumers"]]


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_malformed_file_is_set_aside_and_the_rest_served(live, name, caplog) -> None:
    clock = [T0]
    hub = Hub(live.path, clock=lambda: clock[0])
    live.write(record(GOOD, messages=10, counts={"x": 10}, updated=T0))
    write_any(live, name, BAD[name])
    caplog.set_level(logging.WARNING, logger="buzzline")
    for step in range(5):  # scans at the frame rate: one log line, not one per frame
        clock[0] = T0 + step
        hub.scan()
        for window in (0, 60):
            frame = hub.frame(window)
            assert ids(frame) == [GOOD]
            orjson.dumps(frame)  # the page's JSON: encodable
    lines = [r.getMessage() for r in caplog.records if "skipping" in r.getMessage()]
    assert len(lines) == 1 and f"{name}.json" in lines[0], lines
    assert hub.errors == 1


def test_a_bad_file_that_is_fixed_is_served_and_logged_again_when_it_breaks(live, caplog):
    hub = Hub(live.path, clock=lambda: T0)
    caplog.set_level(logging.WARNING, logger="buzzline")
    write_any(live, "a", BAD["count-is-text"])
    hub.scan()
    live.write(record("a", messages=3, counts={"x": 3}, updated=T0))
    hub.scan()
    assert ids(hub.frame(0)) == ["a"]
    write_any(live, "a", BAD["x-text"])
    hub.scan()
    assert ids(hub.frame(0)) == ["a"]  # its last good numbers stay
    assert sum("skipping" in r.getMessage() for r in caplog.records) == 2


def test_an_update_time_in_the_future_still_goes_stale(live) -> None:
    clock = [T0]
    hub = Hub(live.path, clock=lambda: clock[0])
    live.write(record("future", messages=1, updated=1e18))
    live.write(record("ahead", messages=1, updated=T0 + 3600))
    hub.scan()
    states = {c["id"]: (c["state"], c["updated"]) for c in hub.frame(0)["consumers"]}
    assert states == {"ahead": ("running", T0), "future": ("running", T0)}  # now, at most
    clock[0] = T0 + STALE_SECONDS + 1
    hub.scan()
    assert {c["state"] for c in hub.frame(0)["consumers"]} == {"gone"}


def scan_in_thread(hub: Hub, seconds: float = 10.0) -> None:
    """``hub.scan()``, failing (not hanging) when it does not return within ``seconds``."""
    done = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            hub.scan()
        except BaseException as exc:  # handed to the test below
            failure.append(exc)
        finally:
            done.set()

    threading.Thread(target=run, daemon=True).start()
    assert done.wait(seconds), "scan blocked"
    assert not failure, failure


def test_a_fifo_device_folder_link_or_huge_file_never_blocks_the_scan(live, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="buzzline")
    live.write(record(GOOD, messages=10, counts={"x": 10}, updated=T0))
    os.mkfifo(live.path / "fifo.json")
    (live.path / "folder.json").mkdir()
    (live.path / "zero.json").symlink_to("/dev/zero")
    (live.path / "link.json").symlink_to(live.path / f"{GOOD}.json")
    with open(live.path / "huge.json", "wb") as huge:  # sparse: no disk used
        huge.truncate(MAX_FILE_BYTES + 1)
    hub = Hub(live.path, clock=lambda: T0)
    scan_in_thread(hub)
    scan_in_thread(hub)
    assert ids(hub.frame(0)) == [GOOD]
    skipped = sorted(r.getMessage().split("live/")[1] for r in caplog.records
                     if "skipping" in r.getMessage())
    assert skipped == ["fifo.json: not a regular file", "folder.json: not a regular file",
                       "huge.json: larger than 8 MiB", "link.json: not a regular file",
                       "zero.json: not a regular file"]


def test_valid_accepts_what_the_publisher_writes() -> None:
    assert valid(record("a", messages=3, counts={"x": 3}, updated=T0))
    line = series_panel([1.0, 2.0], [None, 2.0], markers=[[1.0, None, "stall"]],
                        spans=[[1.0, 2.0]], status="ok")
    assert valid(record("a", updated=T0, panel_list=[line]))
    assert valid({**record("a", updated=T0), "lag": None, "title": None})
    assert not any(valid(v) for v in BAD.values() if not isinstance(v, bytes))


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner,
                                                                 max_size=4),
    max_leaves=12)


def places(value: Any, path: tuple = ()) -> list[tuple]:
    """Every key or index path inside ``value`` (where a hostile value can go)."""
    out = [path]
    if isinstance(value, dict):
        for key, inner in value.items():
            out += places(inner, (*path, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value[:3]):
            out += places(inner, (*path, index))
    return out


def rich_record(updated: float) -> dict[str, Any]:
    from buzzline.dashboard.panels import panel
    from buzzline.shapes import BandSnapshot, Feed, LineSnapshot

    line = panel(Feed("L", "line", dict), LineSnapshot(
        [1.0, 2.0, 3.0], [1.0, 5.0, 2.0], markers=[(2.0, 5.0, "stall")], spans=[(1.0, 2.0)],
        status="ok", timed=False))
    band = panel(Feed("B", "band", dict), BandSnapshot([1.0, 2.0], [1.0, 2.0], [0.5, 1.5],
                                                       [1.5, 2.5]))
    histogram = panel(Feed("H", "histogram", dict), [1.0, 2.0, 2.5])
    scatter = panel(Feed("S", "scatter", dict), ([1.0, 2.0], [3.0, 4.0]))
    return record("h", messages=9, counts={"a": 5, "b": 4}, updated=updated, top_k=1,
                  panel_list=[bars({"a": 5, "b": 4}, 1), line, band, histogram, scatter])


PLACES = places(rich_record(T0))


def put(value: Any, path: tuple, new: Any) -> Any:
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = put(value[path[0]], path[1:], new)
    return copy


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(where=st.sampled_from(PLACES), new=JSON, later=st.floats(0, 2000))
def test_any_value_anywhere_in_a_live_file_never_breaks_a_frame(where, new, later) -> None:
    with tempfile.TemporaryDirectory() as folder:
        live = LiveDir(Path(folder))
        clock = [T0]
        hub = Hub(live.path, clock=lambda: clock[0])
        live.write(record(GOOD, messages=1, counts={"x": 1}, updated=T0))
        live.write(orjson.dumps(rich_record(T0)), "h")
        hub.scan()  # a good first version, then the hostile one
        live.write(orjson.dumps(put(rich_record(T0 + later), where, new)), "h")
        for step in (later, later + 1, later + STALE_SECONDS + 1):
            clock[0] = T0 + step
            hub.scan()
            for window in (0, 60, 900):
                frame = hub.frame(window)
                assert GOOD in ids(frame) or step > KEEP_SECONDS
                orjson.loads(orjson.dumps(frame))


# ------------------------------------------------------------------------ Host and headers


@pytest.mark.parametrize(("header", "name"), [
    ("localhost:8050", "localhost"), ("LOCALHOST", "localhost"), ("[::1]:8050", "::1"),
    ("[::1]", "::1"), ("127.0.0.1", "127.0.0.1"), ("evil.example:80", "evil.example"),
    ("", None), ("localhost:abc", None), ("[::1", None), ("[::1]x", None), (":8050", None)])
def test_host_name_of_a_header(header: str, name: str | None) -> None:
    assert host_name(header) == name


def test_host_check_for_each_bind() -> None:
    local = HostCheck.for_bind("127.0.0.1")
    assert all(map(local, ["localhost:8050", "127.0.0.1:1", "[::1]:8050", "localhost"]))
    assert not any(map(local, ["evil.example:8050", "192.168.1.7:8050", "", "localhost.:8050",
                               "127.0.0.2:8050", "localhost.evil.example"]))
    lan = HostCheck.for_bind("192.168.1.7", allow=["Buzz.lan"])
    assert all(map(lan, ["192.168.1.7:8050", "localhost:8050", "buzz.lan:8050"]))
    assert not any(map(lan, ["10.0.0.1:8050", "evil.example"]))
    every = HostCheck.for_bind("0.0.0.0", allow=["buzz.lan"])
    assert all(map(every, ["10.0.0.1:8050", "[fe80::1]:8050", "buzz.lan", "localhost"]))
    assert not every("evil.example:8050")


@given(st.text(max_size=40))
def test_any_host_header_is_answered_yes_or_no(header: str) -> None:
    for check in (HostCheck.for_bind("127.0.0.1"), HostCheck.for_bind("0.0.0.0")):
        allowed = check(header)
        assert isinstance(allowed, bool)
        if allowed:  # only our names, or an address when listening on every address
            name = host_name(header)
            assert name in check.names or check.any_ip


def request(port: int, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.putrequest("GET", path, skip_host=host is not None)
        if host is not None:
            conn.putheader("Host", host)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@dataclass
class Served:
    port: int
    stderr: str = ""  # once stopped


@contextmanager
def serve(workdir: Path, *args: str) -> Iterator[Served]:
    """``buzzline dashboard`` in a process; its stderr once the block is done."""
    served = Served(free_port())
    proc = subprocess.Popen([sys.executable, "-m", "buzzline", "dashboard", "--port",
                             str(served.port), "--fps", "20", *args], cwd=workdir,
                            env=subprocess_env(workdir), stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.communicate()[1][-2000:]
            try:
                if request(served.port, "/api/health", f"localhost:{served.port}")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the dashboard did not answer within 30 s"
            time.sleep(0.05)
        yield served
    finally:
        proc.terminate()
        served.stderr = proc.communicate(timeout=15)[1]


HEADERS = {"x-content-type-options": "nosniff", "x-frame-options": "DENY",
           "referrer-policy": "no-referrer"}


def assert_secure(headers: dict[str, str]) -> None:
    for name, value in HEADERS.items():
        assert headers.get(name) == value, (name, headers)
    csp = headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp


def test_the_server_serves_good_files_past_bad_ones_and_a_fifo(workdir: Path) -> None:
    live = LiveDir(workdir / "data" / "live")
    live.write(record(GOOD, messages=12, counts={"A": 5, "B": 7}, updated=time.time()))
    write_any(live, "text-count", BAD["count-is-text"])
    write_any(live, "future", record("future", messages=1, updated=1e18))
    os.mkfifo(live.path / "fifo.json")
    with serve(workdir) as served:
        port = served.port
        status, headers, body = request(port, "/api/frame?window=60", f"localhost:{port}")
        assert status == 200, body
        frame = orjson.loads(body)
        assert sorted(ids(frame)) == ["future", GOOD]
        assert next(c for c in frame["consumers"] if c["id"] == "future")["updated"] <= \
            frame["now"]
        events = Events(port)  # (http.client sends Host: 127.0.0.1:PORT)
        try:
            events.read_until(lambda b: len(parse_frames(b)) >= 3)  # the stream goes on
            assert all(GOOD in ids(f) for f in events.frames())
        finally:
            events.close()
    err = served.stderr
    assert err.count("skipping") == 2 and "text-count.json" in err and "fifo.json" in err
    assert "Traceback" not in err


def test_the_server_refuses_other_host_names_and_secures_every_response(workdir: Path) -> None:
    with serve(workdir) as served:
        port = served.port
        for host in (f"localhost:{port}", f"127.0.0.1:{port}", f"[::1]:{port}", "localhost"):
            status, headers, _ = request(port, "/", host)
            assert status == 200, host
            assert_secure(headers)
        for path in ("/static/dashboard.js", "/api/frame", "/api/health", "/nothing"):
            status, headers, _ = request(port, path, f"localhost:{port}")
            assert status == (404 if path == "/nothing" else 200)
            assert_secure(headers)
        for _ in range(3):
            status, headers, body = request(port, "/api/frame", f"evil.example:{port}")
            assert status == 400 and b"--allow-host" in body
            assert_secure(headers)
        assert request(port, "/", "192.168.1.7")[0] == 400
        assert request(port, "/", "\x1b]0;title\x07")[0] == 400
    err = served.stderr
    refused = [line for line in err.splitlines() if "refused" in line]
    assert len(refused) == 3, err  # one line per name, not per request
    assert "evil.example" in refused[0] and "\x1b" not in err and "\x07" not in err


def test_every_address_with_allowed_names(workdir: Path) -> None:
    with serve(workdir, "--host", "0.0.0.0", "--allow-host", "buzz.lan",
               "--allow-host", "Dash.Example:8080") as served:
        port = served.port
        for host in (f"buzz.lan:{port}", "dash.example", f"192.168.1.7:{port}",
                     f"localhost:{port}"):
            assert request(port, "/api/health", host)[0] == 200, host
        assert request(port, "/api/health", "evil.example")[0] == 400
