"""
    Exercise rarely used ways of reading parameters.

    The docstring is indented and starts on its second line.
"""

import os
from os import environ, getenv

# Optional label, read with environ.get and no default
label = environ.get('label')

# Retry count
# pip install tenacity
retries = int(getenv('retries', '3'))

# A key file, made secret and typed explicitly
# claimed: secret, type=File
key_material = os.getenv('key_material', 'key.pem')

# Ratio passed as a number literal
ratio = float(os.environ.get('ratio', 1))

# Sampling fraction given as text
# claimed: type=float
fraction = os.getenv('fraction', '0.25')

# Strict mode, a yes/no flag in any case
strict = os.getenv('strict', 'NO').lower() in ('yes', 'y')

# Name of the run; its default is computed by the code
run_name = os.getenv('run_name', f'run-{retries}')

# Manifest of the run
output_manifest = getenv('output_manifest', 'manifest.json')

manifest = {
    'label': label,
    'retries': retries,
    'key': os.path.basename(key_material),
    'ratio': ratio * float(fraction),
    'strict': strict,
    'run': run_name,
}
with open(output_manifest, 'w', encoding='utf-8') as out:
    out.write(repr(manifest))
