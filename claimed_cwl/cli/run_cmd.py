"""``claimed-cwl run``: run a CWL tool or workflow, an operator source, or an operator image.

Runner options come before the document; everything after it is the job file
and the document's inputs (``--`` may separate them), matched exactly.
Everything that can be checked is checked before any container starts: the
job file, the inputs, ``--outdir``, the images.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from urllib.request import url2pathname

from claimed_cwl.config import apply_environment
from claimed_cwl.config.arguments import add_environment_arguments, resolve_from_args
from claimed_cwl.errors import ClaimedError
from claimed_cwl.runners import BACKENDS, RunOptions
from claimed_cwl.runners.job_inputs import check_inputs, document_inputs, inputs_help
from claimed_cwl.runners.private import private_dir
from claimed_cwl.staging import run_staged
from claimed_cwl.staging.deliver import check_outdir

__all__ = ["register", "run"]

_OPERATOR_SUFFIXES = (".py", ".ipynb", ".r")
_HELP = ("-h", "--help")


def register(subparsers: Any) -> None:
    """Add the ``run`` sub-command to ``subparsers``."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        allow_abbrev=False,  # an input --b must not be taken for --backend
        help="run a CWL tool/workflow, an operator source or an operator image with cwltool or Toil",
        usage="claimed-cwl run [OPTIONS] TOOL_OR_WORKFLOW [JOB] [--] [--INPUT VALUE ...]",
        description="Run TOOL_OR_WORKFLOW (a .cwl file; or an operator .py/.ipynb/.R, which is compiled and "
        "built first) with inputs from JOB (YAML/JSON) and/or --<input> VALUE flags after it. Options of "
        "claimed-cwl run go before TOOL_OR_WORKFLOW; everything after it is the job file and the inputs, "
        "whose names must be given in full (-- may stand before them). 'claimed-cwl run TOOL --help' lists "
        "the inputs of TOOL. The job file, the inputs, --outdir and the images are checked before any "
        "container starts. Outputs go to --outdir only when the run succeeds; the CWL output object is printed "
        "as JSON on stdout. Accepts the cwl-runner arguments (--outdir, --quiet, TOOL, JOB), so "
        "'cwltest --tool claimed-cwl-runner' drives it. Unknown options before TOOL are passed to the "
        "backend as they are (write them as --option=value).",
    )
    parser.add_argument("tool", nargs="?", metavar="TOOL_OR_WORKFLOW", help="CWL document or operator source")
    parser.add_argument("rest", nargs=argparse.REMAINDER, metavar="[JOB] [--] [--INPUT VALUE ...]",
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
    parser.add_argument("--outdir", type=Path, default=Path("."),
                        help="where outputs go, only when the run succeeds (default: .)")
    parser.add_argument("--report", type=Path, default=None, metavar="REPORT.html",
                        help="write a self-contained HTML run report there (timeline of every job, exit status, "
                        "memory, outputs with checksums, log tails of failed jobs, inputs with secrets masked; "
                        "for a grid its batches), whether the run succeeds or not")
    parser.add_argument("--progress-seconds", type=_positive_seconds, default=5.0, metavar="SECONDS",
                        help="seconds between two progress lines when stderr is not a terminal (default: 5); "
                        "on a terminal the live display is redrawn twice a second")
    parser.add_argument("--quiet", action="store_true",
                        help="only warnings and errors from the runner, and no live progress display")
    parser.add_argument("--parallel", action="store_true", help="run independent steps in parallel (cwltool)")
    parser.add_argument("--max-parallel", type=_job_count, default=None, metavar="N",
                        help="run at most N jobs at once (steps, scatter jobs, per-batch grid jobs): cwltool runs "
                        "in parallel up to N (--max-parallel 1: one at a time), Toil issues at most N jobs to its "
                        "batch system at once; default: as many as the cores allow (cwltool --parallel, Toil)")
    parser.add_argument("--cache", type=Path, default=None, metavar="DIR",
                        help="re-use the results of steps whose tool, inputs and image are unchanged, kept in DIR "
                        "(cwltool); an image is known by its id, so a step whose image was rebuilt under the same "
                        "tag runs again, and so do the steps after it")
    parser.add_argument("--provenance", type=Path, default=None, metavar="DIR",
                        help="write a Workflow Run RO-Crate (Provenance Run Crate profile) of the run into DIR: the "
                        "workflow, each step's job with its tool, inputs, outputs (with checksums), image (by digest) "
                        "and times; secret inputs are left out")
    parser.add_argument("--network", default=None, metavar="NET",
                        help="container network for steps that ask for network access (e.g. host)")
    parser.add_argument("--repository", default="claimed",
                        help="image repository when building an operator source (default: claimed)")
    parser.add_argument("--base-image", default=None, help="base image when building an operator source")
    parser.add_argument("--ignore-unknown-inputs", action="store_true",
                        help="leave out, with a warning, job-file keys that are not inputs of the document (as CWL "
                        "runners do; claimed-cwl-runner does this) instead of refusing the job")
    parser.set_defaults(func=run, backend_args=[], runner_option_strings=sorted(parser._option_string_actions))


def _job_count(text: str) -> int:
    """A whole number of jobs above zero, for --max-parallel."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of jobs, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected at least 1 job, got {text!r}")
    return value


def _positive_seconds(text: str) -> float:
    """A number of seconds above zero, for --progress-seconds."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def _local_path(arg: str) -> Path:
    """A path from a local path or a ``file:`` URI (cwltest passes file:///... URIs); keeps a #fragment."""
    if not arg.startswith("file:"):
        return Path(arg)
    parsed = urlparse(arg)
    fragment = f"#{parsed.fragment}" if parsed.fragment else ""  # a process in a $graph: file.cwl#main
    return Path(url2pathname(parsed.path) + fragment)


def _split_rest(rest: list[str]) -> tuple[Path | None, tuple[str, ...]]:
    """The job file (a first word that is no option) and the inputs; the first ``--`` is dropped."""
    rest = list(rest)
    job = None
    if rest and rest[0] != "--" and not rest[0].startswith("-"):
        job = _local_path(rest.pop(0))
    if "--" in rest:
        rest.remove("--")
    return job, tuple(rest)


def _build_operator(source: Path, args: argparse.Namespace) -> Path:
    from claimed_cwl.build import docker_client  # noqa: PLC0415
    from claimed_cwl.build.operator_build import build_operator  # noqa: PLC0415

    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "claimed-cwl" / "operators"
    out_dir = cache / source.resolve().parent.name / source.stem
    built = build_operator(docker_client(), source, (), _operator_settings(args), out_dir, force=True)  # our cache
    return built.cwl


def _operator_settings(args: argparse.Namespace) -> Any:
    from claimed_cwl.emit import ArtifactSettings, DockerfileSettings, ImageSettings  # noqa: PLC0415

    return ArtifactSettings(image=ImageSettings(repository=args.repository),
                            dockerfile=DockerfileSettings(base_image=args.base_image))


def _document(args: argparse.Namespace, scratch: Path) -> tuple[Path, Path | None]:
    """The CWL document to check the inputs against, and the operator source to build first (if any).

    An operator source is compiled into ``scratch`` (its image is built only
    once its inputs are known to be good); an image's tool is read from its label.
    """
    if args.component:
        from claimed_cwl.build import docker_client  # noqa: PLC0415
        from claimed_cwl.runners.component import cwl_for_image  # noqa: PLC0415

        return cwl_for_image(docker_client(), args.tool, scratch), None
    document = _local_path(args.tool)
    if not Path(str(document).partition("#")[0]).exists():
        raise ClaimedError(f"{document}: no such file")
    if document.suffix.lower() not in _OPERATOR_SUFFIXES:
        return document, None
    from claimed_cwl.compile import compile_operator  # noqa: PLC0415
    from claimed_cwl.emit import EMITTERS  # noqa: PLC0415

    compiled = compile_operator(document, (), _operator_settings(args), scratch / "operator")
    return compiled.out_dir / EMITTERS["cwl"].file_name(compiled.spec), document


def _wants_help(document: Path, inputs: tuple[str, ...]) -> bool:
    if "-h" in inputs:
        return True
    return "--help" in inputs and "help" not in {item.name for item in document_inputs(document)}


def _check_misplaced_options(document: Path, inputs: tuple[str, ...], runner_options: list[str]) -> None:
    """An option of ``run`` written after the document (and no input of that name): say where it goes."""
    names = {f"--{item.name}" for item in document_inputs(document)}
    misplaced = sorted({flag for flag in (token.split("=", 1)[0] for token in inputs if token.startswith("--"))
                        if flag in runner_options and flag not in names})
    if misplaced:
        raise ClaimedError(f"{', '.join(misplaced)}: option(s) of claimed-cwl run, not inputs of {document}: "
                           "give them before the document (claimed-cwl run [OPTIONS] DOCUMENT [JOB] [INPUTS])")


def _check_inputs(document: Path, options: RunOptions, args: argparse.Namespace) -> None:
    """Check the job file and the inputs before anything is built or run (the job is merged later, privately)."""
    if options.job is not None and not options.job.is_file():
        raise ClaimedError(f"{options.job}: no such job file" if not options.job.exists() else
                           f"{options.job}: the job file is not a regular file")
    strict = not args.ignore_unknown_inputs
    if not options.inputs and (options.job is None or not strict):
        return  # the job file goes to the runner as it is
    _check_misplaced_options(document, options.inputs, args.runner_option_strings)
    check_inputs(document, options.job if strict else None, options.inputs)


def _check_network(document: Path, options: RunOptions) -> None:
    """Steps asking for network access get one here, or stop now naming ``--network host``."""
    if options.network or not _needs_local_images(options):
        return
    from claimed_cwl.check.network import check_network  # noqa: PLC0415
    from claimed_cwl.runners.job_inputs import given_inputs  # noqa: PLC0415

    try:
        process, values = given_inputs(document, options.job, options.inputs)
    except ClaimedError:
        return  # not loadable by cwl-utils (cwltool may still run it): nothing to check
    check_network(process, values, options.engine, document)


def _check_report(report: Path | None) -> None:
    """``--report`` must name a file in an existing directory: checked before anything runs."""
    if report is None:
        return
    if report.is_dir():
        raise ClaimedError(f"--report {report}: is a directory; give the HTML file to write")
    if not report.parent.is_dir():
        raise ClaimedError(f"--report {report}: no directory {report.parent}; create it first")


def _needs_local_images(options: RunOptions) -> bool:
    """Whether steps run on this machine's engine (on Kubernetes every pod pulls its image itself)."""
    return options.batch_system != "kubernetes"


def run(args: argparse.Namespace) -> int:
    """Run what ``args`` names; return the runner's exit code."""
    job, inputs = _split_rest(args.rest)
    flags = {key: (value, flag) for key, value, flag in
             (("runner", args.backend, "--backend"), ("engine", args.engine, "--engine")) if value}
    env = resolve_from_args(args, flags).environment
    backend, options = apply_environment(env, RunOptions(
        outdir=args.outdir, quiet=args.quiet, parallel=args.parallel, max_parallel=args.max_parallel,
        network=args.network,
        progress_seconds=args.progress_seconds,
        extra_args=tuple(args.backend_args), inputs=inputs, job=job, cache=args.cache,
        provenance=args.provenance))
    if args.provenance is not None:
        from claimed_cwl.provenance.crate import check_target  # noqa: PLC0415 - loads rocrate only when asked

        check_target(args.provenance)
    if args.cache is not None and backend != "cwltool":
        raise ClaimedError(f"--cache works with the cwltool backend, not {backend}: Toil resumes a run from its "
                           "job store instead (set job_store and use --restart, see docs/environments.md)")
    publish = args.publish or env.publish
    if not args.tool:
        raise ClaimedError("nothing to run: give a CWL document, an operator source, or --component IMAGE")
    with private_dir("claimed-run-") as scratch:
        document, source = _document(args, scratch)
        if any(token in _HELP for token in inputs) and _wants_help(document, inputs):
            sys.stdout.write(inputs_help(document, f"claimed-cwl run {args.tool}"))
            return 0
        check_outdir(options.outdir)
        _check_report(args.report)
        _check_inputs(document, options, args)
        _check_network(document, options)
        if source is not None:
            document = _build_operator(source, args)  # the same inputs as the compiled one
        if _needs_local_images(options):
            from claimed_cwl.runners.images import ensure_images  # noqa: PLC0415

            ensure_images(document, options.engine, options.extra_args)
        return run_staged(document, options, backend, publish=publish, endpoint=env.s3.endpoint,
                          region=env.s3.region, report=args.report)
