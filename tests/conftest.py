"""Shared pytest options."""

from __future__ import annotations

import pytest

# Fixtures for the Docker engine, registry and base images (tests/services.py) and the S3 server (tests/s3_service.py).
pytest_plugins = ["services", "s3_service", "slurm_service"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite the expected files under tests/golden from the current emitters",
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """True when the run was asked to regenerate golden files."""
    return bool(request.config.getoption("--update-golden"))
