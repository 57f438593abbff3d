"""Grid operators: batch sources and crash-safe batch coordination.

The modules of this package run inside the operator image (``worker``,
``list_batches``, ``report`` and what they import). They use only the standard
library, plus boto3 for the S3 backend, imported lazily by ``s3_store``.
"""

__all__: list[str] = []
