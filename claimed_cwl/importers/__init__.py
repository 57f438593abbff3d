"""Importers: components of other systems as CWL tools (KubeFlow Pipelines v1: :mod:`claimed_cwl.importers.kfp`)."""
