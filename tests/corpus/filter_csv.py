"""Filter the rows of a CSV table by comparing one column with a threshold.

Rows whose value in the chosen column is strictly greater than the threshold
are kept and written to a new CSV file.
"""

# pip install pandas==2.1.4

import os

import pandas as pd

# CSV file to read
input_path = os.getenv('input_path', 'data.csv')

# Name of the numeric column to compare
column = os.getenv('column', 'value')

# Rows with a value above this threshold are kept
threshold = float(os.getenv('threshold', '0.5'))

# Where the filtered table is written
output_file = os.getenv('output_file', 'filtered.csv')

df = pd.read_csv(input_path)
kept = df[df[column] > threshold]
print(f'kept {len(kept)} of {len(df)} rows')
kept.to_csv(output_file, index=False)
