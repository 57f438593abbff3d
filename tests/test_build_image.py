"""Image builds on the real Docker engine: reuse by content digest, failures, push to a real registry."""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest

from claimed_cwl.build import BuildError, build_image
from claimed_cwl.build.builder import DIGEST_LABEL
from claimed_cwl.build.operator_build import build_operator
from claimed_cwl.cli import main
from claimed_cwl.emit import ArtifactSettings, ImageSettings

E2E = Path(__file__).parent / "e2e"

pytestmark = pytest.mark.docker


def _copy_operator(tmp_path: Path, name: str = "word_count.py") -> Path:
    target = tmp_path / "op" / name
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(E2E / name, target)
    return target


def test_rebuild_of_unchanged_operator_does_no_work(docker_client: Any, python_base_image: str,
                                                    tmp_path: Path) -> None:
    source = _copy_operator(tmp_path)
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="reuse"))
    first = build_operator(docker_client, source, (), settings, tmp_path / "a")
    again = build_operator(docker_client, source, (), settings, tmp_path / "b")
    assert again.image.reused
    assert again.image.digest == first.image.digest
    assert again.image.image_id == first.image.image_id
    image = docker_client.images.get("claimed-test/claimed-word-count:reuse")
    assert image.labels[DIGEST_LABEL] == first.image.digest
    assert f"claimed-test/claimed-word-count:sha-{first.image.digest[:12]}" in image.tags

    # another version tag is a re-tag, not a rebuild; a changed script is a new digest
    retag = build_operator(docker_client, source, (),
                           ArtifactSettings(image=ImageSettings(repository="claimed-test", version="v2")),
                           tmp_path / "c")
    assert retag.image.reused and retag.image.digest == first.image.digest
    source.write_text(source.read_text() + f"\n# a comment changes the content: {uuid.uuid4()}\n")
    changed = build_operator(docker_client, source, (), settings, tmp_path / "d")
    assert not changed.image.reused
    assert changed.image.digest != first.image.digest


def test_operators_with_same_base_and_requirements_share_layers(docker_client: Any, python_base_image: str,
                                                                tmp_path: Path) -> None:
    settings = ArtifactSettings(image=ImageSettings(repository="claimed-test", version="layers"))
    one = build_operator(docker_client, _copy_operator(tmp_path), (), settings, tmp_path / "a")
    two = build_operator(docker_client, _copy_operator(tmp_path, "fail_on_purpose.py"), (), settings, tmp_path / "b")
    layers_one = docker_client.images.get(one.image.image_id).attrs["RootFS"]["Layers"]
    layers_two = docker_client.images.get(two.image.image_id).attrs["RootFS"]["Layers"]
    base_layers = docker_client.images.get(python_base_image).attrs["RootFS"]["Layers"]
    shared = [a for a, b in zip(layers_one, layers_two, strict=False) if a == b]
    assert len(shared) > len(base_layers), "the launcher layer above the base should be shared too"


def test_failed_build_shows_the_failing_step_and_its_output(docker_client: Any, python_base_image: str) -> None:
    context = {"Dockerfile": f"FROM {python_base_image}\nRUN echo preparing\nRUN echo the-output-line && "
                             "exit 3\n".encode()}
    with pytest.raises(BuildError) as err:
        build_image(docker_client, "claimed-test/broken:1", python_base_image, context)
    message = str(err.value)
    assert "failed at Step 3/" in message and "RUN echo the-output-line" in message
    assert "the-output-line" in message
    assert "returned a non-zero code: 3" in message


def test_missing_base_image_is_a_clear_error(docker_client: Any) -> None:
    with pytest.raises(BuildError, match="base image no-such-base:0 is neither local nor pullable"):
        build_image(docker_client, "claimed-test/x:1", "no-such-base:0", {"Dockerfile": b"FROM no-such-base:0\n"})


def test_build_cli_is_quiet_unless_asked(python_base_image: str, tmp_path: Path,
                                         capfd: pytest.CaptureFixture[str]) -> None:
    source = _copy_operator(tmp_path)
    source.write_text(source.read_text() + f"\n# fresh build {uuid.uuid4()}\n")
    code = main(["build", str(source), "--repository", "claimed-test", "--version", "quiet",
                 "--out", str(tmp_path / "out")])
    captured = capfd.readouterr()
    assert code == 0
    assert "built (content digest" in captured.out
    assert "Step" not in captured.err and "Step" not in captured.out
    source.write_text(source.read_text() + f"\n# and again {uuid.uuid4()}\n")
    code = main(["--log-level", "DEBUG", "build", str(source), "--repository", "claimed-test", "--version", "loud",
                 "--out", str(tmp_path / "out2")])
    captured = capfd.readouterr()
    assert code == 0
    assert "Step 1/" in captured.err


def test_secret_value_lands_nowhere(docker_client: Any, python_base_image: str, tmp_path: Path,
                                    capfd: pytest.CaptureFixture[str]) -> None:
    """A secret parameter's value is in no generated file, no log line and no docker inspect of the image."""
    secret_default = "default-Secret-4711"
    secret_value = "run-Secret-0815"
    source = tmp_path / "op" / "secret_user.py"
    source.parent.mkdir()
    source.write_text(
        '"""Uses a token."""\nimport os\n\n# service token\napi_token = os.getenv("api_token", '
        f'"{secret_default}")\noutput_file = os.getenv("output_file", "out.txt")\n'
        'open(output_file, "w").write(str(len(api_token)))\n', encoding="utf-8")
    out = tmp_path / "out"
    assert main(["build", str(source), "--repository", "claimed-test", "--version", "secret", "--out", str(out)]) == 0
    for path in out.rglob("*"):
        if path.is_file() and path.name != "secret_user.py":  # the user's own source is copied as written
            assert secret_default not in path.read_text(encoding="utf-8"), path
    inspect = json.dumps(docker_client.api.inspect_image("claimed-test/claimed-secret-user:secret"))
    assert "api_token" in inspect  # the interface names it ...
    assert secret_default not in inspect  # ... but holds no value
    job = tmp_path / "job.json"
    job.write_text(json.dumps({"api_token": secret_value}), encoding="utf-8")
    code = main(["--log-level", "DEBUG", "run", f"--outdir={tmp_path / 'res'}", str(out / "secret-user.cwl"),
                 str(job)])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    assert (tmp_path / "res" / "out.txt").read_text() == str(len(secret_value))
    assert "api_token=" in captured.err  # the command line is logged ...
    assert secret_value not in captured.err + captured.out  # ... with the value masked


def test_push_to_registry_then_pull_and_run(docker_client: Any, python_base_image: str, registry_url: str,
                                            tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    source = _copy_operator(tmp_path)
    repository = f"{registry_url}/claimed-test"
    out = tmp_path / "out"
    assert main(["build", str(source), "--repository", repository, "--version", "pushed", "--push",
                 "--out", str(out)]) == 0
    image = f"{repository}/claimed-word-count:pushed"
    built = docker_client.images.get(image)
    for tag in built.tags:
        if tag.startswith(registry_url):
            docker_client.images.remove(tag)
    with pytest.raises(Exception, match=r"No such image|not found"):
        docker_client.images.get(image)
    text = tmp_path / "in.txt"
    text.write_text("b a b\n", encoding="utf-8")
    capfd.readouterr()
    code = main(["run", "--quiet", f"--outdir={tmp_path / 'res'}", str(out / "word-count.cwl"),
                 "--input_file", str(text)])
    captured = capfd.readouterr()
    assert code == 0, captured.err
    assert docker_client.images.get(image).id == built.id  # pulled back from the registry
    assert (tmp_path / "res" / "counts.tsv").read_text() == "b\t2\na\t1\n"
