"""Filter the rows of a CSV file with a pandas query.

Writes the kept rows and reports how many there were.
"""

# pip install pandas==2.2.2
# apt install libgomp1

# claimed: cores=2 ram=1G time=30m

import os

import pandas as pd

from helpers.util import log

# Table to filter
input_file = os.getenv('input_file', 'data.csv')

# pandas query, e.g. "price > 10"
query = os.environ['query']

# Keep at most this many rows
limit = int(os.getenv('limit', '100'))

# Print progress
verbose = bool(os.getenv('verbose', ''))

# Drop duplicate rows
dedupe = os.getenv('dedupe', 'False') == 'True'

# Colour of the report header
color = os.getenv('color', '#ff0000')

# Token of the reporting service
api_token = os.getenv('api_token', 'not-a-real-token')

# Where the filtered table goes
output_file = os.getenv('output_file', 'filtered.csv')

frame = pd.read_csv(input_file).query(query).head(limit)
if dedupe:
    frame = frame.drop_duplicates()
if verbose:
    log(f"{len(frame)} rows")
frame.to_csv(output_file, index=False)
os.environ['row_count'] = str(len(frame))
