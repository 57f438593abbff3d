"""After a build, check inside the image that every module the operator imports can be found.

Python: ``importlib.util.find_spec`` for each top-level name, with the
operator's directory first on ``sys.path`` as when it runs (nothing is
imported, so no operator code runs). R: ``requireNamespace`` for each
package. Imports guarded by ``try/except ImportError`` are not checked. The
container runs without network, as the image's user.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from claimed_cwl.build.import_names import distribution_for
from claimed_cwl.emit.launch import APP_DIR
from claimed_cwl.spec import Language, ModuleImport, OperatorSpec

if TYPE_CHECKING:
    from docker import DockerClient

__all__ = ["MissingImport", "check_imports", "describe_missing"]

_PY_CHECK = (
    "import importlib.util, json, sys\n"
    f"sys.path.insert(0, {APP_DIR!r})\n"
    "missing = []\n"
    "for name in json.loads(sys.argv[1]):\n"
    "    try:\n"
    "        found = importlib.util.find_spec(name) is not None\n"
    "    except (ImportError, ValueError):\n"
    "        found = False\n"
    "    if not found:\n"
    "        missing.append(name)\n"
    "print(json.dumps(missing))\n"
)
_R_CHECK = (
    "args <- commandArgs(trailingOnly = TRUE); "
    "ok <- vapply(args, function(p) suppressWarnings(requireNamespace(p, quietly = TRUE)), logical(1)); "
    'cat("claimed-missing:", args[!ok], "\\n")'
)


@dataclass(frozen=True)
class MissingImport:
    """A module the image lacks: the import, and the distribution that provides it (None: unknown)."""

    module: ModuleImport
    distribution: str | None
    local_file: str = ""


def check_imports(client: DockerClient, image: str, spec: OperatorSpec, operator_dir: Path) -> list[MissingImport]:
    """Return the operator's (non-optional) imports that ``image`` cannot find, in source order."""
    wanted = [item for item in spec.imports if not item.optional]
    if not wanted:
        return []
    names = [item.name for item in wanted]
    if spec.language is Language.R:
        command = ["Rscript", "-e", _R_CHECK, *names]
    else:
        command = ["python", "-c", _PY_CHECK, json.dumps(names)]
    output = client.containers.run(
        image, command, entrypoint=[], network_mode="none", remove=True, stdout=True, stderr=False
    )
    last = output.decode("utf-8").strip().splitlines()[-1]
    missing = set(last.split()[1:] if spec.language is Language.R else json.loads(last))
    return [_missing(item, spec, operator_dir) for item in wanted if item.name in missing]


def _missing(item: ModuleImport, spec: OperatorSpec, operator_dir: Path) -> MissingImport:
    if spec.language is Language.R:
        return MissingImport(item, None)
    for candidate in (f"{item.name}.py", item.name):
        if (operator_dir / candidate).exists():
            return MissingImport(item, None, candidate)
    return MissingImport(item, distribution_for(item.name))


def describe_missing(image: str, spec: OperatorSpec, missing: Sequence[MissingImport]) -> str:
    """The build error for missing imports: file:line (cell:line) of each and what to add."""
    lines = [f"the image {image} lacks {len(missing)} module(s) that {spec.source_file} imports:"]
    for entry in missing:
        where = f"{spec.source_file}, {entry.module.where}"
        if entry.local_file:
            lines.append(f"  {where}: import {entry.module.name} -> {entry.local_file} is beside the operator but "
                         f"not in the image: add it as an additional file (claimed-cwl build OPERATOR "
                         f"{entry.local_file})")
        elif spec.language is Language.R:
            lines.append(f"  {where}: library({entry.module.name}) -> the R package did not install; "
                         f"add '# apt install r-cran-{entry.module.name.lower()}' or check its name")
        elif entry.distribution is None:
            lines.append(f"  {where}: import {entry.module.name} -> name the package that provides it "
                         "in a '# pip install ...' comment")
        else:
            lines.append(f"  {where}: import {entry.module.name} -> add the package {entry.distribution} "
                         f"('# pip install {entry.distribution}')")
    if any(entry.distribution and not entry.local_file for entry in missing):
        lines.append("'claimed-cwl build --add-missing' adds the packages named above and builds again.")
    return "\n".join(lines)
