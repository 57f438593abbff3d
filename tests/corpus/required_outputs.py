"""Write a histogram and a summary of a numeric column; outputs must be given."""

# pip install numpy

import os

import numpy as np

# Input values, one number per line
values_file = os.environ['values_file']

# Number of bins
bins = int(os.getenv('bins', '20'))

# Histogram as CSV; no default, so the parameter name is the path
output_histogram = os.environ['output_histogram']

# Directory for the summary files (absolute default)
output_dir = os.getenv('output_dir', '/mnt/results')

values = np.loadtxt(values_file)
counts, edges = np.histogram(values, bins=bins)
np.savetxt(output_histogram, np.column_stack([edges[:-1], counts]), delimiter=',')
os.makedirs(output_dir, exist_ok=True)
with open(os.path.join(output_dir, 'summary.txt'), 'w') as out:
    out.write(f'mean={values.mean()}\n')
