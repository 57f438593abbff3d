"""Train a random forest classifier on a labelled CSV table and save the model."""

# pip install scikit-learn==1.4.0 joblib pandas

# claimed: cores=4 ram=8Gi time=2h

import os

import joblib
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import train_test_split

# Labelled training data
train_file = os.environ['train_file']

# Name of the label column
target = os.getenv('target', 'label')

# Fraction of rows held out for testing
test_size = float(os.getenv('test_size'))

# Number of trees in the forest
n_estimators = int(os.getenv('n_estimators', '100'))

# Shuffle before splitting; note that bool('False') is True
shuffle = bool(os.getenv('shuffle', 'False'))

# Random seed
seed = int(os.getenv('seed', 42))

# Serialized model
output_model = os.getenv('output_model', 'model.joblib')

df = pd.read_csv(train_file)
x_train, x_test, y_train, y_test = train_test_split(
    df.drop(columns=[target]), df[target], test_size=test_size, shuffle=shuffle, random_state=seed
)
model = RandomForestClassifier(n_estimators=n_estimators, random_state=seed)
model.fit(x_train, y_train)
print('accuracy', model.score(x_test, y_test))
joblib.dump(model, output_model)
