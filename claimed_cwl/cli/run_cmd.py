"""``claimed-cwl run``: run a CWL tool or workflow, an operator source, or an operator image."""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from claimed_cwl.config import apply_environment
from claimed_cwl.config.arguments import add_environment_arguments, resolve_from_args
from claimed_cwl.errors import ClaimedError
from claimed_cwl.runners import BACKENDS, RunOptions, run_cwl
from claimed_cwl.staging import run_staged

__all__ = ["register", "run"]

_OPERATOR_SUFFIXES = (".py", ".ipynb", ".r")


def register(subparsers: Any) -> None:
    """Add the ``run`` sub-command to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="run a CWL tool/workflow, an operator source or an operator image with cwltool or Toil",
        description="Run TOOL_OR_WORKFLOW (a .cwl file; or an operator .py/.ipynb/.R, which is compiled and "
        "built first) with inputs from JOB (YAML/JSON) and/or --<input> VALUE flags after it. Inputs are "
        "type-checked before any container starts. Outputs go to --outdir; the CWL output object is printed "
        "as JSON on stdout. Accepts the cwl-runner arguments (--outdir, --quiet, TOOL, JOB), so "
        "'cwltest --tool claimed-cwl-runner' drives it. Unknown options before TOOL are passed to the "
        "backend as they are (write them as --option=value).",
    )
    parser.add_argument("tool", nargs="?", metavar="TOOL_OR_WORKFLOW", help="CWL document or operator source")
    parser.add_argument("rest", nargs=argparse.REMAINDER, metavar="[JOB] [--INPUT VALUE ...]",
                        help="job file, then the tool's inputs as --name value")
    parser.add_argument("--component", action="store_true",
                        help="TOOL_OR_WORKFLOW is an operator image: run it by name with its parameters "
                        "(its interface is read from the image label), like 'claimed --component IMAGE --param value'")
    parser.add_argument("--backend", default=None, choices=list(BACKENDS),
                        help="cwltool or toil (default: the environment's runner; local: cwltool)")
    parser.add_argument("--engine", default=None, choices=["docker", "podman"],
                        help="container engine (default: the environment's engine; local: docker)")
    add_environment_arguments(parser)
    parser.add_argument("--publish", default=None, metavar="s3://BUCKET/PREFIX",
                        help="upload the outputs there after the run, then a manifest.json (sizes, SHA-256)")
    parser.add_argument("--outdir", type=Path, default=Path("."), help="where outputs go (default: .)")
    parser.add_argument("--quiet", action="store_true", help="only warnings and errors from the runner")
    parser.add_argument("--parallel", action="store_true", help="run independent steps in parallel (cwltool)")
    parser.add_argument("--network", default=None, metavar="NET",
                        help="container network for steps that ask for network access (e.g. host)")
    parser.add_argument("--repository", default="claimed",
                        help="image repository when building an operator source (default: claimed)")
    parser.add_argument("--base-image", default=None, help="base image when building an operator source")
    parser.set_defaults(func=run, backend_args=[])


def _local_path(arg: str) -> Path:
    """A path from a local path or a ``file:`` URI (cwltest passes file:///... URIs); keeps a #fragment."""
    if not arg.startswith("file:"):
        return Path(arg)
    parsed = urlparse(arg)
    fragment = f"#{parsed.fragment}" if parsed.fragment else ""  # a process in a $graph: file.cwl#main
    return Path(url2pathname(parsed.path) + fragment)


def _split_rest(rest: list[str]) -> tuple[Path | None, tuple[str, ...]]:
    if rest and not rest[0].startswith("-"):
        return _local_path(rest[0]), tuple(rest[1:])
    return None, tuple(rest)


def _operator_cwl(source: Path, args: argparse.Namespace) -> Path:
    from claimed_cwl.build import docker_client  # noqa: PLC0415
    from claimed_cwl.build.operator_build import build_operator  # noqa: PLC0415
    from claimed_cwl.emit import ArtifactSettings, DockerfileSettings, ImageSettings  # noqa: PLC0415

    settings = ArtifactSettings(image=ImageSettings(repository=args.repository),
                                dockerfile=DockerfileSettings(base_image=args.base_image))
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "claimed-cwl" / "operators"
    out_dir = cache / source.resolve().parent.name / source.stem
    return build_operator(docker_client(), source, (), settings, out_dir, force=True).cwl  # our own cache


def run(args: argparse.Namespace) -> int:
    """Run what ``args`` names; return the runner's exit code."""
    job, inputs = _split_rest(args.rest)
    flags = {key: (value, flag) for key, value, flag in
             (("runner", args.backend, "--backend"), ("engine", args.engine, "--engine")) if value}
    env = resolve_from_args(args, flags).environment
    backend, options = apply_environment(env, RunOptions(
        outdir=args.outdir, quiet=args.quiet, parallel=args.parallel, network=args.network,
        extra_args=tuple(args.backend_args), inputs=inputs, job=job))
    publish = args.publish or env.publish
    if not args.tool:
        raise ClaimedError("nothing to run: give a CWL document, an operator source, or --component IMAGE")
    if args.component:
        from claimed_cwl.build import docker_client  # noqa: PLC0415
        from claimed_cwl.runners.component import cwl_for_image  # noqa: PLC0415

        with tempfile.TemporaryDirectory(prefix="claimed-component-") as scratch:
            return run_cwl(cwl_for_image(docker_client(), args.tool, Path(scratch)), options, backend)
    document = _local_path(args.tool)
    if not Path(str(document).partition("#")[0]).exists():
        raise ClaimedError(f"{document}: no such file")
    if document.suffix.lower() in _OPERATOR_SUFFIXES:
        document = _operator_cwl(document, args)
    return run_staged(document, options, backend, publish=publish, endpoint=env.s3.endpoint, region=env.s3.region)
