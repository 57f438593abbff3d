"""A directive with a key claimed-cwl does not know."""

import os

# claimed: memory=4G

# Input table
table = os.getenv('table_file', 'table.csv')
