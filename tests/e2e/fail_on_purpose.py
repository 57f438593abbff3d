"""An operator that fails: the run must name it and exit non-zero."""
import os

# reason to give
reason = os.getenv('reason', 'on purpose')

raise RuntimeError(f'failing {reason}')
