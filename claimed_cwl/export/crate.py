"""A Workflow RO-Crate of an exported workflow, written with the ``rocrate`` library, zipped deterministically.

The crate's main entity is the packed workflow (a ``ComputationalWorkflow`` in
CWL); the root dataset and the workflow carry the licence, the authors (by
ORCID where given), the code repository and the date; the test parameter file
and its data are parts of the crate. The zip lists its members sorted, with
one fixed timestamp, so the same bundle gives the same bytes.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from claimed_cwl.export.metadata import BundleMetadata

__all__ = ["crate_zip"]

_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def crate_zip(files: Mapping[str, bytes], main: str, test_job: str, *, name: str, description: str,
              metadata: BundleMetadata) -> bytes:
    """The ``.crate.zip`` bytes of ``files`` (name -> bytes), ``main`` being the workflow, ``test_job`` its job."""
    from rocrate.model.person import Person  # noqa: PLC0415 - rocrate only for export
    from rocrate.rocrate import ROCrate  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="claimed-crate-") as tmp:
        source, target = Path(tmp) / "src", Path(tmp) / "crate"
        for relative, data in files.items():
            (source / relative).parent.mkdir(parents=True, exist_ok=True)
            (source / relative).write_bytes(data)
        crate = ROCrate(gen_preview=False)
        people = [crate.add(Person(crate, author.identifier or f"#author-{number}",
                                   properties=_person(author.name, author.email)))
                  for number, author in enumerate(metadata.authors, 1)]
        workflow = crate.add_workflow(source / main, dest_path=main, main=True, lang="cwl", gen_cwl=False)
        workflow.properties().update({
            "name": name, "author": [{"@id": person.id} for person in people], "license": metadata.license_url,
            "codeRepository": metadata.code_repository, "dateCreated": metadata.date_created.isoformat(),
        })
        for relative in sorted(files):
            if relative != main:
                properties = {"name": "test parameters of the workflow"} if relative == test_job else {}
                crate.add_file(source / relative, dest_path=relative, properties=properties)
        root = crate.root_dataset
        root.properties().update({
            "name": name, "description": description or name, "license": metadata.license_url,
            "author": [{"@id": person.id} for person in people],
            "datePublished": metadata.date_created.isoformat(),
        })
        crate.write(target)
        return _zip(target)


def _person(name: str, email: str | None) -> dict[str, Any]:
    return {"name": name, **({"email": email} if email else {})}


def _zip(directory: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(p for p in directory.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(path.relative_to(directory).as_posix(), date_time=_ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()
