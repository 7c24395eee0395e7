"""kafka-python, the client the teaching project uses.

``produce``: KafkaProducer.send per message, flush at the end (kafka-python's docs), with the
settings buzzline's producer uses (acks all, idempotent, linger 5 ms).

``teaching_consumer``: the teaching project's live-chart consumer (json_consumer_case.py):
``for message in consumer``, ``json.loads``, count per author, then a full pyplot redraw per
message: ``ax.clear()``, ``ax.bar(...)``, labels, title, rotated tick labels,
``plt.tight_layout()``, ``plt.draw()``, ``plt.pause(0.01)``. Its per-message log lines are left
out (they would only slow it down further)."""

import json
import time
import uuid
import warnings
from collections import defaultdict


def produce(bootstrap: str, topic: str, lines: list[tuple[bytes, bytes]]) -> None:
    from kafka import KafkaProducer

    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=5,
                             enable_idempotence=True)
    for value, key in lines:
        producer.send(topic, value=value, key=key)
    producer.flush()
    producer.close()


def teaching_consumer(bootstrap: str, topic: str, n: int) -> float:
    """Messages per second over ``n`` messages, timed from the first message (the group join
    before it is not counted: the rate is the consumer's own)."""
    import matplotlib.pyplot as plt
    from kafka import KafkaConsumer

    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap,
                             group_id=f"bench-teaching-{uuid.uuid4().hex}",
                             auto_offset_reset="earliest",
                             value_deserializer=lambda x: x.decode("utf-8"))
    author_counts: defaultdict[str, int] = defaultdict(int)
    fig, ax = plt.subplots()
    plt.ion()

    def update_chart() -> None:
        ax.clear()
        authors, counts = list(author_counts.keys()), list(author_counts.values())
        ax.bar(authors, counts, color="skyblue")
        ax.set_xlabel("Authors")
        ax.set_ylabel("Message Counts")
        ax.set_title("Real-Time Author Message Counts")
        ax.set_xticklabels(authors, rotation=45, ha="right")
        plt.tight_layout()
        plt.draw()
        plt.pause(0.01)

    seen, started = 0, 0.0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Agg: "cannot show the figure"
            for message in consumer:
                if not seen:
                    started = time.perf_counter()
                message_dict = json.loads(message.value)
                author_counts[message_dict.get("author", "unknown")] += 1
                update_chart()
                seen += 1
                if seen >= n:
                    break
        elapsed = time.perf_counter() - started
    finally:
        consumer.close()
        plt.ioff()
        fig.canvas.flush_events()  # a window's pending redraw, before the window goes
        plt.close(fig)
    return n / elapsed
