"""Drop incomplete rows from a table kept in the project's data folder.

Written the C3 way: every path is the data folder joined to a file name.
"""
# pip install pandas

import os
import pandas as pd

# folder that holds the input and the result
data_dir = os.environ.get('data_dir', '../../data/')

# name of the table to clean
data_csv = os.environ.get('data_csv', 'customers.csv')

# name of the cleaned table
output_data_csv = os.environ.get('output_data_csv', 'customers_clean.csv')

# column that must not be empty
key_column = os.environ.get('key_column', 'id')

df = pd.read_csv(data_dir + data_csv)
print('rows before', len(df))
df = df.dropna(subset=[key_column])
df.to_csv(data_dir + output_data_csv, index=False)
print('rows after', len(df))
