"""Plot the columns of a CSV table as lines with a fixed colour palette."""

# pip install matplotlib pandas

import os

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

# Table with one column per series
data_file = os.getenv('data_file', 'series.csv')

# Colour of the first series (a hex colour, '#' included)
color = os.getenv('color', '#ff0000')

# Separator used in the legend labels
label_sep = os.getenv('label_sep', ' # ')

# Comment character of the input file
comment_char = os.getenv('comment_char', '#')

# Title of the plot # not a comment inside the string
title = os.getenv('title', 'Series #1 (raw)')

# Image file the plot is saved to
output_plot = os.getenv('output_plot', '/tmp/plots/plot.png')

df = pd.read_csv(data_file, comment=comment_char)
fig, ax = plt.subplots(figsize=(8, 4))
for i, name in enumerate(df.columns):
    ax.plot(df[name], label=f'{i}{label_sep}{name}', color=color if i == 0 else None)
ax.set_title(title)
ax.legend()
fig.savefig(os.path.basename(output_plot) if output_plot.startswith('/tmp') else output_plot)
