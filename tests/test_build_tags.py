"""Image tags on the real Docker engine: one current ``sha-`` tag per operator; local and S3 grid images apart."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from claimed_cwl.cli import main

E2E = Path(__file__).parent / "e2e"

pytestmark = pytest.mark.docker


def _tags(client: Any, repo: str) -> list[str]:
    return sorted(tag for image in client.images.list(name=repo) for tag in image.tags if tag.startswith(f"{repo}:"))


def _edit(source: Path) -> None:
    source.write_text(source.read_text(encoding="utf-8") + f"\n# changed: {uuid.uuid4()}\n", encoding="utf-8")


def test_only_the_current_sha_tag_is_kept_unless_asked(docker_client: Any, python_base_image: str, tmp_path: Path,
                                                       image_repository: str) -> None:
    source = tmp_path / "word_count.py"
    shutil.copy(E2E / "word_count.py", source)
    image_repo = f"{image_repository}/claimed-word-count"
    args = ["build", str(source), "--repository", image_repository, "--version", "1", "--out", str(tmp_path / "out")]
    assert main(args) == 0
    first = [tag for tag in _tags(docker_client, image_repo) if ":sha-" in tag]
    _edit(source)
    assert main(args) == 0
    _edit(source)
    assert main(args) == 0
    tags = _tags(docker_client, image_repo)
    sha_tags = [tag for tag in tags if ":sha-" in tag]
    assert len(sha_tags) == 1 and sha_tags != first, tags
    assert docker_client.images.get(f"{image_repo}:1").id == docker_client.images.get(sha_tags[0]).id
    _edit(source)
    assert main([*args, "--keep-old-tags"]) == 0
    assert len([tag for tag in _tags(docker_client, image_repo) if ":sha-" in tag]) == 2


def test_an_earlier_image_with_a_version_tag_keeps_it(docker_client: Any, python_base_image: str, tmp_path: Path,
                                                      image_repository: str) -> None:
    source = tmp_path / "word_count.py"
    shutil.copy(E2E / "word_count.py", source)
    image_repo = f"{image_repository}/claimed-word-count"
    out = ["--out", str(tmp_path / "out"), "--repository", image_repository]
    assert main(["build", str(source), "--version", "1.0", *out]) == 0
    old_id = docker_client.images.get(f"{image_repo}:1.0").id
    _edit(source)
    assert main(["build", str(source), "--version", "2.0", *out]) == 0
    assert docker_client.images.get(f"{image_repo}:1.0").id == old_id  # the release tag still names it
    assert len([tag for tag in _tags(docker_client, image_repo) if ":sha-" in tag]) == 1


def test_local_and_s3_grid_builds_get_distinct_tags(docker_client: Any, python_base_image: str, tmp_path: Path,
                                                    image_repository: str) -> None:
    """Before, both were REPOSITORY/claimed-<name>-grid:VERSION and each build took the tag from the other."""
    source = tmp_path / "grid_op.py"
    shutil.copy(E2E / "grid" / "grid_op.py", source)
    for backend in ("local", "s3"):
        assert main(["grid", str(source), "--backend", backend, "--build", "--repository", image_repository,
                     "--version", "1", "--out", str(tmp_path / backend)]) == 0
    local = docker_client.images.get(f"{image_repository}/claimed-grid-op-grid:1")
    s3 = docker_client.images.get(f"{image_repository}/claimed-grid-op-grid-s3:1")
    assert local.id != s3.id
    assert f"{image_repository}/claimed-grid-op-grid-s3:1" in (tmp_path / "s3" / "grid-op-grid.cwl").read_text()
    assert f"{image_repository}/claimed-grid-op-grid:1" in (tmp_path / "local" / "grid-op-grid.cwl").read_text()
