"""Kafka client settings: security passed through, the password never shown or logged."""

import logging

import pytest

from buzzline.logs import configure_logging
from buzzline.settings import load_settings
from buzzline.transports.kafka_config import client_config

SECRET = "s3cr3t-Pa55"


@pytest.fixture
def secured(tmp_path):
    """Settings for a SASL_SSL cluster (its CA file must exist: client_config checks)."""
    ca = tmp_path / "ca.pem"
    ca.write_text("-----BEGIN CERTIFICATE-----\n")
    return lambda: load_settings(environ={
        "KAFKA_BROKER_ADDRESS": "broker1:9093,broker2:9093",
        "KAFKA_SECURITY_PROTOCOL": "sasl_ssl", "KAFKA_SASL_MECHANISM": "scram-sha-512",
        "KAFKA_SASL_USERNAME": "app", "KAFKA_SASL_PASSWORD": SECRET,
        "KAFKA_SSL_CA_LOCATION": str(ca)}, env_file=None)


def test_security_settings_reach_the_client(secured, tmp_path):
    config = client_config(secured())
    assert config["bootstrap.servers"] == "broker1:9093,broker2:9093"
    assert config["security.protocol"] == "SASL_SSL"
    assert config["sasl.mechanism"] == "SCRAM-SHA-512"
    assert config["sasl.username"] == "app" and config["sasl.password"] == SECRET
    assert config["ssl.ca.location"] == str(tmp_path / "ca.pem")
    assert config["ssl.endpoint.identification.algorithm"] == "https"


def test_plaintext_sends_no_credentials():
    config = client_config(load_settings(environ={}, env_file=None))
    assert "sasl.password" not in config and config["security.protocol"] == "PLAINTEXT"


def test_password_is_not_in_repr(secured):
    settings = secured()
    assert SECRET not in repr(settings)


def test_password_is_scrubbed_from_logs(secured, tmp_path):
    settings = secured()
    configure_logging("INFO", tmp_path, secrets=(settings.kafka_sasl_password,))
    logging.getLogger("buzzline.test").warning("connecting with %s", client_config(settings))
    for handler in logging.getLogger("buzzline").handlers:
        handler.flush()
    text = (tmp_path / "buzzline.log").read_text()
    assert "connecting with" in text and SECRET not in text
