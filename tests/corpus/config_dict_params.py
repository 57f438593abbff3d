"""Run a gradient boosting regression configured from environment variables.

All settings are collected in one dictionary.
"""

# pip install xgboost pandas

from os import environ

import pandas as pd
import xgboost as xgb

config = {
    # Training table
    'train_path': environ['train_path'],
    # Maximum tree depth
    'max_depth': int(environ.get('max_depth', '6')),
    # Learning rate
    'eta': float(environ.get('eta', '0.3')),
    # Objective function
    'objective': environ.get('objective', 'reg:squarederror'),
}


def target_column() -> str:
    """Return the name of the target column."""
    # Column to predict
    return environ.get('target_column', 'y')


frame = pd.read_csv(config['train_path'])
target = target_column()
data = xgb.DMatrix(frame.drop(columns=[target]), label=frame[target])
params = {k: v for k, v in config.items() if k != 'train_path'}
booster = xgb.train(params, data, num_boost_round=50)
# Model file
booster.save_model(environ.get('output_model_file', 'model.json'))
