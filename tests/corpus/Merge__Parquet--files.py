"""Merge every Parquet file of a folder into one file, adding the source name as a column."""

# pip install pyarrow>=15 pandas

import glob
import os

import pandas as pd

# Folder with the Parquet parts
parts_folder = os.getenv('parts_folder', 'parts/')

# Glob pattern of the parts inside the folder
pattern = os.getenv('pattern', 'part-*')

# Name of the column holding the source file name
source_column = os.getenv('source_column', 'source')

# Merged file
output_merged = os.getenv('output_merged', 'merged.parquet')

frames = []
for part in sorted(glob.glob(os.path.join(parts_folder, pattern))):
    frame = pd.read_parquet(part)
    frame[source_column] = os.path.basename(part)
    frames.append(frame)
pd.concat(frames, ignore_index=True).to_parquet(output_merged)
