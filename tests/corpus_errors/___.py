"""A file name with no letters or digits gives an empty operator name."""

import os

print(os.getenv('x', 'y'))
