"""Pytest plugin: fixtures for the local services that scripts/services.sh starts.

Registered from tests/conftest.py with ``pytest_plugins = ["tests.services"]`` (with
``pythonpath = ["."]`` in the pytest configuration, so that ``tests`` imports).

When a service or base image is missing, a test that needs it is skipped with
the command that provides it; under CI (``CI=true``, where scripts/test.sh has
started everything) it fails instead, so a broken set-up cannot pass as skips.
"""

from __future__ import annotations

import contextlib
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any, NoReturn

import docker.errors
import pytest

from claimed_cwl.build.engine import EngineError
from claimed_cwl.build.engine import docker_client as connect_docker

__all__ = [
    "PYTHON_BASE_IMAGE",
    "R_BASE_IMAGE",
    "docker_client",
    "image_repository",
    "python_base_image",
    "r_base_image",
    "registry_url",
    "remove_repository_images",
]

PYTHON_BASE_IMAGE = "claimed-base/python:3.11"
R_BASE_IMAGE = "claimed-base/r:4.2"
DEFAULT_REGISTRY = "127.0.0.1:5000"


def _unavailable(reason: str) -> NoReturn:
    """Skip the test for ``reason``; fail it instead under CI, where services must be up."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: scripts/test.sh should have provided it)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def docker_client() -> Any:
    """A connected ``docker.DockerClient``; skips the test when no engine answers."""
    try:
        return connect_docker()
    except EngineError:
        _unavailable("Docker engine not running: start it with scripts/services.sh start docker")


@pytest.fixture(scope="session")
def registry_url() -> str:
    """``host:port`` of the local image registry (CLAIMED_REGISTRY, default 127.0.0.1:5000)."""
    url = os.environ.get("CLAIMED_REGISTRY", DEFAULT_REGISTRY)
    try:
        with urllib.request.urlopen(f"http://{url}/v2/", timeout=5) as response:
            if response.status == 200:
                return url
    except (urllib.error.URLError, OSError) as exc:
        _unavailable(f"no image registry at {url} ({exc}): start it with scripts/services.sh start registry")
    _unavailable(f"{url}/v2/ did not answer 200: is it an image registry? (scripts/services.sh start registry)")


def _base_image(client: Any, name: str, target: str) -> str:
    try:
        client.images.get(name)
    except docker.errors.ImageNotFound:
        _unavailable(f"base image {name} missing: build it with scripts/base-images.sh {target}")
    return name


@pytest.fixture(scope="session")
def python_base_image(docker_client: Any) -> str:
    """Name of the offline Python 3.11 base image (also tagged python:3.11-slim)."""
    return _base_image(docker_client, PYTHON_BASE_IMAGE, "python")


@pytest.fixture(scope="session")
def r_base_image(docker_client: Any) -> str:
    """Name of the offline R 4.2 base image (also tagged r-base:4.2.2)."""
    return _base_image(docker_client, R_BASE_IMAGE, "r")


def remove_repository_images(client: Any, repository: str) -> None:
    """Remove every image tagged under ``repository/`` (a test's own repository)."""
    for image in client.images.list():
        for tag in image.tags:
            if tag.startswith(f"{repository}/"):
                with contextlib.suppress(docker.errors.DockerException):
                    client.images.remove(tag, force=True)


@pytest.fixture
def image_repository(docker_client: Any) -> Iterator[str]:
    """An image repository of this test alone (``localhost/test-<random>``); its images are removed afterwards."""
    repository = f"localhost/test-{uuid.uuid4().hex[:8]}"
    yield repository
    remove_repository_images(docker_client, repository)
