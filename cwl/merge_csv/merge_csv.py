"""Concatenate the CSV files of a directory (sorted by name) into one CSV.

All files must have the same header. A first column (source_column) names
the file each row came from; an empty source_column leaves it out.
"""
import csv
import os

# directory of CSV files with the same header
input_dir = os.environ['input_dir']
# name of the added first column that holds each row's file name (empty: no such column)
source_column = os.getenv('source_column', 'source')
# the merged CSV
output_csv = os.getenv('output_csv', 'merged.csv')

names = sorted(name for name in os.listdir(input_dir) if name.endswith('.csv'))
if not names:
    raise SystemExit(f'no .csv files in {input_dir}')
header = None
with open(output_csv, 'w', newline='', encoding='utf-8') as out:
    writer = csv.writer(out, lineterminator='\n')
    for name in names:
        with open(os.path.join(input_dir, name), newline='', encoding='utf-8') as source:
            reader = csv.reader(source)
            first = next(reader, [])
            if header is None:
                header = first
                writer.writerow(([source_column] if source_column else []) + header)
            elif first != header:
                raise SystemExit(f'{name}: header {first} differs from {header}')
            for row in reader:
                writer.writerow(([name] if source_column else []) + row)
print(f'merged {len(names)} files into {output_csv}')
