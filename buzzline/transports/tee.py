"""A producer that sends every message to several producers (file and Kafka at once, as the
teaching project's project producer did)."""

from buzzline.transports.base import Producer


class TeeProducer(Producer):
    def __init__(self, producers: list[Producer]) -> None:
        self.producers = producers

    def send(self, value: bytes, key: bytes | None = None) -> None:
        for producer in self.producers:
            producer.send(value, key)

    def flush(self, timeout: float | None = None) -> None:
        for producer in self.producers:
            producer.flush(timeout)

    def close(self) -> None:
        errors = []
        for producer in self.producers:  # close them all, even when one fails
            try:
                producer.close()
            except Exception as exc:  # noqa: BLE001 - re-raised below after the others
                errors.append(exc)
        if errors:
            raise errors[0]
