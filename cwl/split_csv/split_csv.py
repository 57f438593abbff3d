"""Split a CSV file into one CSV per distinct value of a column, written into a directory.

Part files are named <column>-<value>.csv (characters other than letters,
digits, '.', '_' and '-' in the value become '_'); each has the header.
"""
import csv
import os
import re

# CSV file to split (with a header line)
input_file = os.environ['input_file']
# column whose values name the parts
column = os.getenv('column', 'group')
# directory that receives the part files
output_dir = os.getenv('output_dir', 'parts/')

with open(input_file, newline='', encoding='utf-8') as source:
    reader = csv.DictReader(source)
    if column not in (reader.fieldnames or []):
        raise SystemExit(f'column {column!r} not in {input_file}: {reader.fieldnames}')
    fieldnames = reader.fieldnames
    parts = {}
    for row in reader:
        parts.setdefault(row[column], []).append(row)

os.makedirs(output_dir, exist_ok=True)
for key, rows in sorted(parts.items()):
    safe = re.sub(r'[^A-Za-z0-9._-]', '_', key) or '_'
    with open(os.path.join(output_dir, f'{column}-{safe}.csv'), 'w', newline='', encoding='utf-8') as out:
        writer = csv.DictWriter(out, fieldnames=fieldnames, lineterminator='\n')
        writer.writeheader()
        writer.writerows(rows)
print(f'wrote {len(parts)} parts to {output_dir}')
