"""Generate a synthetic table of measurements as CSV, from a seed: no download, same seed, same rows.

Columns: id (1..rows), group (a, b or c), value (a float with 2 decimals
around 20, 50 or 80 by group) and count (an int from 0 to 9).
"""
import csv
import os
import random

# seed of the random number generator: the same seed gives the same table
seed = int(os.getenv('seed', '42'))
# number of rows to write
rows = int(os.getenv('rows', '100'))
# the generated CSV file
output_data = os.getenv('output_data', 'data.csv')

if rows < 0:
    raise SystemExit(f'rows must be 0 or more, got {rows}')

CENTRES = {'a': 20.0, 'b': 50.0, 'c': 80.0}
rng = random.Random(seed)
with open(output_data, 'w', newline='', encoding='utf-8') as out:
    writer = csv.writer(out, lineterminator='\n')
    writer.writerow(['id', 'group', 'value', 'count'])
    for row_id in range(1, rows + 1):
        group = rng.choice(sorted(CENTRES))
        value = CENTRES[group] + rng.uniform(-20.0, 20.0)
        writer.writerow([row_id, group, f'{value:.2f}', rng.randint(0, 9)])
print(f'wrote {rows} rows (seed {seed}) to {output_data}')
