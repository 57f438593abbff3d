"""Reads its dependencies from a requirements file: pip install -r requirements.txt."""
# pip install -r requirements.txt
import os

import attrs
import six

# the report to write
output_report = os.getenv('output_report', 'report.txt')
with open(output_report, 'w') as out:
    out.write(f"six={six.__version__}\nattrs={attrs.__name__}\n")
