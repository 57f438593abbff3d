"""``python -m claimed_cwl`` is the ``claimed-cwl`` command."""

from claimed_cwl.cli import main

raise SystemExit(main())
