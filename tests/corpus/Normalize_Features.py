"""Scale every numeric feature of a table to zero mean and unit variance."""

# pip install pandas numpy

from os import getenv

import numpy as np
import pandas as pd

# Parquet file with the raw features
features_file = getenv('features_file')

# Number of decimals kept in the result
decimals = int(getenv('decimals', '4'))

# Values below this are clipped after scaling
clip_min = float(getenv('clip_min', '-3.5'))

# Values above this are clipped after scaling
clip_max = float(getenv('clip_max', 3.5))

# Lag (in rows) used for the optional differencing step
lag = getenv('lag', str(3))

# Offset added to the row index
offset = int(getenv('offset', -2))

# Scaled table
output_features = getenv('output_features', 'scaled.parquet')

df = pd.read_parquet(features_file)
numeric = df.select_dtypes(include=[np.number])
scaled = (numeric - numeric.mean()) / numeric.std(ddof=0)
scaled = scaled.clip(clip_min, clip_max).round(decimals)
if int(lag) > 0:
    scaled = scaled.diff(int(lag)).fillna(0)
scaled.index = scaled.index + offset
scaled.to_parquet(output_features)
