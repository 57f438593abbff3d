"""Flag anomalies in a numeric column by their z-score."""

# pip install pandas scipy

# claimed: ram=512

import os

import pandas as pd
from scipy import stats

# Measurements table
measurements_file = os.getenv('measurements_file', 'measurements.csv')

# Column to check
column = os.getenv('column', 'value')

# Z-score above which a row is an anomaly
limit = float(os.getenv('limit', '3.0'))

# Number of anomalies to print (a count, not an output path)
output_count = int(os.getenv('output_count', '5'))

# Flagged table
output_flagged = os.getenv('output_flagged', 'flagged.csv')


def load() -> pd.DataFrame:
    """Read the table; the column is read again with the same default."""
    frame = pd.read_csv(measurements_file)
    return frame[[os.getenv('column', 'value')]]


frame = load()
frame['z'] = stats.zscore(frame[column])
frame['anomaly'] = frame['z'].abs() > limit
print(frame[frame['anomaly']].head(output_count))
frame.to_csv(output_flagged, index=False)
