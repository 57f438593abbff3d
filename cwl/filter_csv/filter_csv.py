"""Keep the rows of a CSV file where a column compares to a value.

Both sides compare as numbers when both are numbers, else as text. The number
of rows kept is also returned as the string output kept_rows.
"""
import csv
import operator
import os

# CSV file to filter (with a header line)
input_file = os.environ['input_file']
# column to test
column = os.environ['column']
# comparison: one of == != < <= > >=
op = os.getenv('op', '==')
# value to compare the column with
value = os.environ['value']
# the rows that pass, with the header
output_csv = os.getenv('output_csv', 'filtered.csv')

OPERATORS = {'==': operator.eq, '!=': operator.ne, '<': operator.lt,
             '<=': operator.le, '>': operator.gt, '>=': operator.ge}
if op not in OPERATORS:
    raise SystemExit(f'op must be one of {" ".join(OPERATORS)}, got {op!r}')
compare = OPERATORS[op]


def as_number(text):
    """Return text as a float, or None when it is not a number."""
    try:
        return float(text)
    except ValueError:
        return None


def passes(cell):
    """Return True when the cell compares to value as asked."""
    left, right = as_number(cell), as_number(value)
    if left is not None and right is not None:
        return compare(left, right)
    return compare(cell, value)


kept = 0
with open(input_file, newline='', encoding='utf-8') as source, \
        open(output_csv, 'w', newline='', encoding='utf-8') as out:
    reader = csv.DictReader(source)
    if column not in (reader.fieldnames or []):
        raise SystemExit(f'column {column!r} not in {input_file}: {reader.fieldnames}')
    writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator='\n')
    writer.writeheader()
    for row in reader:
        if passes(row[column]):
            writer.writerow(row)
            kept += 1
print(f'kept {kept} rows where {column} {op} {value}')
os.environ['kept_rows'] = str(kept)
