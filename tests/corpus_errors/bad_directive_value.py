"""A resource directive with a value that is not a size."""

import os

# claimed: cores=2 ram=lots

# Input table
table_file = os.getenv('table_file', 'table.csv')
