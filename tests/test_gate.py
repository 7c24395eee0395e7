"""The drawing gate: a frame closes it, the running consumers pause at it, the frame opens it."""

import threading

from buzzline.engine.gate import Gate


def worker(gate: Gate, stop: threading.Event, done: list[int]) -> threading.Thread:
    """A consumer: joins, then does units of work with a look at the gate between them."""
    joined = threading.Event()

    def run() -> None:
        gate.join()
        joined.set()
        try:
            while not stop.is_set():
                gate.pause()
                done[0] += 1
        finally:
            gate.leave()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert joined.wait(5)
    return thread


def test_an_open_gate_does_not_stop_anyone() -> None:
    gate = Gate()
    gate.pause()  # returns at once
    assert gate.is_open()


def test_a_frame_waits_for_the_running_consumers_and_they_stay_paused_until_it_opens() -> None:
    gate, stop, done = Gate(hold=30.0), threading.Event(), [0]
    threads = [worker(gate, stop, done) for _ in range(2)]
    gate.close(arrive=30.0)  # returns once both are paused (or after 30 s: a failure)
    assert gate._paused == 2
    before = done[0]
    threading.Event().wait(0.2)
    assert done[0] == before  # no work while the frame "draws"
    gate.open()
    stop.set()
    for thread in threads:
        thread.join(5)
    assert done[0] > before
    assert gate._running == 0


def test_a_paused_consumer_goes_on_after_hold_seconds_when_the_frame_is_long() -> None:
    gate, stop, done = Gate(hold=0.01), threading.Event(), [0]
    thread = worker(gate, stop, done)
    gate.close(arrive=30.0)
    before = done[0]
    for _ in range(500):  # the frame never opens: the consumer still moves, hold by hold
        if done[0] > before:
            break
        threading.Event().wait(0.01)
    assert done[0] > before
    stop.set()
    gate.open()
    thread.join(5)


def test_a_frame_does_not_wait_for_a_consumer_that_is_idle_or_gone() -> None:
    gate = Gate()
    gate.join()  # running, but waiting for input (never reaches the gate)
    closed = threading.Thread(target=gate.close, kwargs={"arrive": 0.05})
    closed.start()
    closed.join(10)
    assert not closed.is_alive() and not gate.is_open()
    gate.open()
    gate.leave()
    gate.close(arrive=30.0)  # nobody running: returns at once
    assert gate._running == 0


def test_a_frame_does_not_wait_for_a_consumer_waiting_for_input() -> None:
    gate, arrived, release = Gate(), threading.Event(), threading.Event()

    def waiting_for_input() -> None:
        gate.join()
        with gate.away():
            arrived.set()
            release.wait(30)
        gate.leave()

    thread = threading.Thread(target=waiting_for_input, daemon=True)
    thread.start()
    assert arrived.wait(5)
    gate.close(arrive=30.0)  # returns at once: the only consumer is away
    assert gate._away == 1 and gate._paused == 0
    gate.open()
    release.set()
    thread.join(5)
