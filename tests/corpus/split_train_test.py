"""Split a table into a training and a test set."""

# pip install scikit-learn pandas

import os

import pandas as pd
from sklearn.model_selection import train_test_split

# Table to split
table_file = os.getenv('table_file', 'table.csv')

# Fraction of rows for training
train_ratio = float(os.getenv('train_ratio', '0.8'))

# Random seed
seed = int(os.getenv('seed', 42))

# Stratify on this column if set
stratify_column = os.getenv('stratify_column')

# Stratify at all (empty means no)
stratify = bool(os.getenv('stratify', ''))

# Training rows
output_train = os.getenv('output_train', 'train.csv')

# Test rows
output_test = os.getenv('output_test', 'split/test.csv')

frame = pd.read_csv(table_file)
labels = frame[stratify_column] if stratify and stratify_column else None
train, test = train_test_split(frame, train_size=train_ratio, random_state=seed, stratify=labels)
train.to_csv(output_train, index=False)
os.makedirs(os.path.dirname(output_test), exist_ok=True)
test.to_csv(output_test, index=False)
