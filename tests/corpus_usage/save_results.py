"""Fit a tiny model and keep everything it produced: a pickle, a NumPy array and a zip of both."""
# pip install numpy
import os
import pickle
import zipfile

import numpy as np

numbers = os.getenv('numbers', '1,2,3,4')
result_path = os.getenv('result_path', '/tmp/model.pkl')
features_out = os.getenv('features_out')
archive = os.getenv('archive', 'bundle.zip')

values = np.array([float(x) for x in numbers.split(',')])
model = {'mean': float(values.mean()), 'n': int(values.size)}
pickle.dump(model, open(result_path, 'wb'))
np.save(features_out, values)
with zipfile.ZipFile(archive, 'w') as bundle:
    bundle.write(result_path, 'model.pkl')
    bundle.writestr('features.txt', ' '.join(str(v) for v in values))
