"""``claimed-cwl export``: a workflow as a bundle that registries and other CWL platforms take.

The bundle is the packed workflow with schema.org metadata and every image
pinned by its registry digest, a test parameter file, a ``.dockstore.yml``
(version 1.2) and a Workflow RO-Crate (``.crate.zip``).
"""

from claimed_cwl.export.bundle import ExportResult, export_workflow
from claimed_cwl.export.metadata import Author, BundleMetadata, parse_author

__all__ = ["Author", "BundleMetadata", "ExportResult", "export_workflow", "parse_author"]
