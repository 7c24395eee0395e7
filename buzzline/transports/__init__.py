"""Transports: where messages travel. Resolve a user-facing name with ``create_transport``."""

from collections.abc import Callable

from buzzline.errors import TransportUnavailable
from buzzline.registry import Registry
from buzzline.settings import Settings
from buzzline.transports.base import Batch, Consumer, Producer, Transport

TRANSPORTS: Registry[Callable[[Settings], Transport]] = Registry("transport")


def _file(settings: Settings) -> Transport:
    from buzzline.transports.file import FileTransport

    return FileTransport(settings.data_dir)


def _memory(settings: Settings) -> Transport:
    from buzzline.transports.memory import MemoryTransport

    return MemoryTransport()


def _kafka(settings: Settings) -> Transport:
    try:
        from buzzline.transports.kafka import KafkaTransport
    except ImportError as exc:  # confluent-kafka missing or its library broken
        raise TransportUnavailable(f"the kafka transport needs confluent-kafka: {exc}") from None
    return KafkaTransport(settings)


TRANSPORTS.add("file", _file)
TRANSPORTS.add("memory", _memory)
TRANSPORTS.add("kafka", _kafka)


def create_transport(name: str, settings: Settings) -> Transport:
    return TRANSPORTS.get(name)(settings)


__all__ = ["TRANSPORTS", "Batch", "Consumer", "Producer", "Transport", "create_transport"]
