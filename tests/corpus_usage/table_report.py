"""Summarise a table: rows, columns and the mean of every numeric column, as text."""
# pip install pandas
import os

import pandas as pd

table = os.environ.get('table')
report = os.environ.get('report', 'report.txt')

frame = pd.read_csv(table)
lines = [f'rows {len(frame)}', f'columns {len(frame.columns)}']
for name, value in frame.mean(numeric_only=True).items():
    lines.append(f'mean {name} {value:g}')
with open(report, 'w') as out:
    out.write('\n'.join(lines) + '\n')
