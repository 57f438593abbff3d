"""Resample a time series to a fixed frequency and add a rolling mean."""

# pip install pandas

import os

import pandas as pd

DEFAULT_FREQ = 'D'

# Time series as CSV with a timestamp column
series_file = os.getenv('series_file', 'series.csv')

# Pandas frequency string; the default comes from the code
freq = os.getenv('freq', DEFAULT_FREQ)

# Rolling window size
window = int(os.getenv('window', str(7)))

# Number of periods to shift
lag = os.getenv('lag', str(3))

# Aggregation applied per period
how = str(os.getenv('how', 'mean'))

# Resampled series
output_series = os.getenv('output_series', 'resampled.csv')

frame = pd.read_csv(series_file, parse_dates=['timestamp'], index_col='timestamp')
resampled = getattr(frame.resample(freq), how)()
resampled['rolling'] = resampled.iloc[:, 0].rolling(window).mean().shift(int(lag))
resampled.to_csv(output_series)
