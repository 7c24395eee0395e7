"""Analytic state kept in Kafka: a compacted changelog topic per consumer group (``names``),
its records (``records``: per key, only what changed), read back (``restore``) and written
with the consumer's offsets in one transaction (``changelog``)."""
