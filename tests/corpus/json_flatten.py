"""Flatten nested JSON records into a flat CSV table."""

# pip install pandas

import json
import os
from pathlib import Path

import pandas as pd

# Input JSON lines file
input_json_file = Path(os.getenv('input_json_file'))

# Separator between nested key names
sep = os.environ.get('sep', '.')

# Renaming of columns, as a JSON object
mapping = json.loads(os.getenv('mapping', '{}'))

# Maximum nesting level, empty for no limit
max_level = os.environ.get('max_level', None)

# Flat table
output_file = os.getenv('output_file', '/data/flat.csv')

records = [json.loads(line) for line in input_json_file.read_text().splitlines() if line.strip()]
frame = pd.json_normalize(records, sep=sep, max_level=int(max_level) if max_level else None)
frame.rename(columns=mapping).to_csv(output_file, index=False)
