"""The in-image runtime: everything claimed-cwl copies into images, standard library only.

- ``claimed_launcher.py`` / ``claimed_launcher.R``: run an operator unmodified, export value outputs, read
  secrets from files (copied alone to ``/opt/claimed``, so they import nothing of ours);
- ``claimed_notebook.py``: run a notebook's cells under IPython (IPython is installed into notebook images);
- ``grid/``: the grid worker, batch lister and report, and the coordination stores (boto3 only in the S3 store,
  installed into S3 grid images only);
- ``core``: the small shared core (S3 URLs, booleans, secret names and redaction, atomic writes) that the
  host side uses too.

``tests/test_runtime_fence.py`` walks the imports of every module here and fails on anything else.
"""
