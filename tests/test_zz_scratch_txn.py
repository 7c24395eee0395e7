import time
import uuid

import pytest
from confluent_kafka import Consumer, Producer, TopicPartition, OFFSET_BEGINNING, KafkaError
from confluent_kafka.admin import AdminClient, NewTopic

pytestmark = pytest.mark.kafka


def test_positions(kafka_broker):
    boot = kafka_broker.bootstrap
    topic = f"scratch-{uuid.uuid4().hex[:6]}"
    admin = AdminClient({"bootstrap.servers": boot})
    admin.create_topics([NewTopic(topic, 1, 1)])[topic].result()
    time.sleep(1)
    p = Producer({"bootstrap.servers": boot, "transactional.id": "x1"})
    p.init_transactions(30)
    p.begin_transaction(); [p.produce(topic, b"v", b"k%d" % i, partition=0) for i in range(3)]; p.commit_transaction(30)
    p.begin_transaction(); [p.produce(topic, b"v", b"a%d" % i, partition=0) for i in range(2)]; p.abort_transaction(30)
    p.begin_transaction(); [p.produce(topic, b"v", b"c%d" % i, partition=0) for i in range(2)]; p.commit_transaction(30)
    q = Producer({"bootstrap.servers": boot, "transactional.id": "x2", "transaction.timeout.ms": 8000})
    q.init_transactions(30)
    q.begin_transaction(); q.produce(topic, b"v", b"open", partition=0); q.flush(10)
    for level in ("read_committed", "read_uncommitted"):
        c = Consumer({"bootstrap.servers": boot, "group.id": "z", "isolation.level": level})
        print(level, c.get_watermark_offsets(TopicPartition(topic, 0), timeout=10))
        c.close()
    r = Consumer({"bootstrap.servers": boot, "group.id": "z", "isolation.level": "read_committed", "enable.partition.eof": True})
    r.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    t0 = time.monotonic()
    while time.monotonic() - t0 < 15:
        for m in r.consume(100, timeout=0.5):
            if m.error():
                print(round(time.monotonic() - t0, 1), "EOF at", m.offset(), r.position([TopicPartition(topic, 0)])[0].offset)
            else:
                print(round(time.monotonic() - t0, 1), "msg", m.key(), m.offset(), r.position([TopicPartition(topic, 0)])[0].offset)
    print("final position", r.position([TopicPartition(topic, 0)])[0].offset)
    r.close()
