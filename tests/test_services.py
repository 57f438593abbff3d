"""The local services and base images run containers the way CWL runners will.

Our images must work read-only, as a non-root user, with no network (Toil on
Kubernetes runs them under Singularity that way; cwltool with --network none).
"""

from __future__ import annotations

import io
import tarfile
import uuid
from typing import Any

import pytest

pytestmark = pytest.mark.docker

RUNNER_LIKE = {"network_mode": "none", "read_only": True, "user": "1000:1000", "remove": True}


def test_python_base_runs_read_only_as_user_without_network(docker_client: Any, python_base_image: str) -> None:
    code = "import os, socket; print(1, os.getuid(), [name for _, name in socket.if_nameindex()])"
    out = docker_client.containers.run(python_base_image, ["python", "-c", code], **RUNNER_LIKE)
    assert out.decode().split() == ["1", "1000", "['lo']"]


def test_python_base_has_pip_and_is_the_default_base(docker_client: Any, python_base_image: str) -> None:
    out = docker_client.containers.run(python_base_image, ["python", "-m", "pip", "--version"], **RUNNER_LIKE)
    assert out.decode().startswith("pip ")
    assert "python 3.11" in out.decode()
    # The compiler's default base image name is seeded from the same image.
    assert docker_client.images.get("python:3.11-slim").id == docker_client.images.get(python_base_image).id


def test_r_base_runs_rscript_read_only_as_user(docker_client: Any, r_base_image: str) -> None:
    out = docker_client.containers.run(
        r_base_image, ["Rscript", "-e", "cat(R.version$major, R.version$minor, '\\n')"],
        tmpfs={"/tmp": ""}, **RUNNER_LIKE,
    )
    assert out.decode().split() == ["4", "2.2"]


def _tiny_layer(text: str) -> bytes:
    """A tar archive holding one small file, as an image layer."""
    data = text.encode()
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo("hello.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_registry_takes_a_push_and_gives_it_back(docker_client: Any, registry_url: str) -> None:
    repository = f"{registry_url}/claimed-cwl/test-services"
    tag = uuid.uuid4().hex[:12]
    docker_client.api.import_image_from_data(_tiny_layer(tag), repository=repository, tag=tag)
    image_id = docker_client.images.get(f"{repository}:{tag}").id
    try:
        for line in docker_client.images.push(repository, tag=tag, stream=True, decode=True):
            assert "error" not in line, line
        docker_client.images.remove(f"{repository}:{tag}", force=True)
        pulled = docker_client.images.pull(repository, tag=tag)
        assert pulled.id == image_id
        assert any(digest.startswith(f"{repository}@sha256:") for digest in pulled.attrs["RepoDigests"])
    finally:
        docker_client.images.remove(f"{repository}:{tag}", force=True)
