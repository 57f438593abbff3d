"""Summarise a numeric column of a table in the data folder (the second step after prefix_clean)."""
import csv
import os
import statistics

data_dir = os.getenv('data_dir', '/data/')
table_name = os.getenv('table_name', 'customers_clean.csv')
summary_name = os.getenv('summary_name', 'summary.txt')
column = os.getenv('column', 'spend')

with open(os.path.join(data_dir, table_name), newline='') as handle:
    values = [float(row[column]) for row in csv.DictReader(handle)]
with open(os.path.join(data_dir, summary_name), 'w') as out:
    out.write(f'n={len(values)} mean={statistics.mean(values):.2f}\n')
