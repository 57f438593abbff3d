"""Filter the rows of a JSON-lines file with a condition, then aggregate one field."""
import json
import os
import sys

source_url = os.environ.get('source_url')
query = os.environ.get('query')
mode = os.environ.get('mode')
field = os.environ.get('field', 'value')
label = os.environ.get('label')
output_result = os.environ.get('output_result', 'result.json')

if not source_url.startswith(('file://', '/', '.')):
    sys.exit('only local sources are supported: ' + source_url)
path = source_url.removeprefix('file://')
rows = [json.loads(line) for line in open(path) if line.strip()]
kept = [row for row in rows if eval('row[' + query + ']', {}, {'row': row})]

if mode == 'sum':
    value = sum(row[field] for row in kept)
elif mode == 'count':
    value = len(kept)
elif mode == 'max':
    value = max(row[field] for row in kept)

result = {'value': value}
if label:
    result['label'] = label
with open(output_result, 'w') as out:
    json.dump(result, out)
