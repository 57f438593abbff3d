"""Draw a histogram of one numeric column of a CSV file as a PNG image of 600 x 400 pixels."""
# pip install matplotlib==3.9.2
import csv
import os

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

# CSV file to read (with a header line)
input_file = os.environ['input_file']
# numeric column to draw
column = os.getenv('column', 'value')
# number of bars
bins = int(os.getenv('bins', '10'))
# title above the plot
title = os.getenv('title', 'Histogram')
# the picture
output_png = os.getenv('output_png', 'histogram.png')

with open(input_file, newline='', encoding='utf-8') as source:
    values = [float(row[column]) for row in csv.DictReader(source)]

figure, axes = plt.subplots(figsize=(6, 4), dpi=100)
axes.hist(values, bins=bins, color='#4878a8', edgecolor='white')
axes.set_title(title)
axes.set_xlabel(column)
axes.set_ylabel('rows')
figure.tight_layout()
figure.savefig(output_png, dpi=100, metadata={'Software': None})
print(f'drew {len(values)} values into {output_png}')
