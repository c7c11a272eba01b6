"""Fixtures every folder of the suite may use."""

import pytest

from tests.support import services


@pytest.fixture(scope="session")
def moto_server():
    """moto's server mode on 127.0.0.1: a local stand-in for AWS services (S3, DynamoDB, SQS, Lambda,
    IAM). Its URL."""
    with services.moto_server() as url:
        yield url
