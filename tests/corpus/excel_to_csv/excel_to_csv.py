"""Convert the sheets of an Excel workbook to CSV files, renaming them with a map.

Uses the helper module shipped next to this script.
"""

# pip install openpyxl pandas

import json
import os

import pandas as pd
from helpers import safe_name

# Excel workbook
workbook_file = os.getenv('workbook_file', 'book.xlsx')

# JSON map of sheet names to output names, shipped with the operator
sheet_map = os.getenv('sheet_map', 'sheet_map.json')

# Directory for the CSV files
output_csv_dir = os.getenv('output_csv_dir', 'csv')

with open(sheet_map, encoding='utf-8') as handle:
    names = json.load(handle)
os.makedirs(output_csv_dir, exist_ok=True)
for sheet, frame in pd.read_excel(workbook_file, sheet_name=None).items():
    frame.to_csv(os.path.join(output_csv_dir, safe_name(names.get(sheet, sheet)) + '.csv'), index=False)
