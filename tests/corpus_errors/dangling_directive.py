"""A parameter directive that no read follows."""

import os

table_file = os.getenv('table_file', 'table.csv')

# claimed: secret
print(table_file)
