"""Concatenate every CSV file that matches a pattern into one file."""
import csv
import glob
import os

# which files to merge (a glob pattern)
local_path = os.getenv('local_path', '/opt/app/samples/part-*.csv')
# the merged table
merged_file = os.getenv('merged_file', 'merged.csv')

rows = []
header = None
for name in sorted(glob.glob(local_path)):
    with open(name, newline='') as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows.extend(reader)

with open(merged_file, 'w', newline='') as out:
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
