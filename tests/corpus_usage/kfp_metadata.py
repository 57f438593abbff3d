"""Write a tiny HTML summary, and the KubeFlow UI metadata that points to it."""
import json
import os

title = os.getenv('title', 'Summary')
html_out = os.getenv('html_out', 'summary.html')

with open(html_out, 'w') as out:
    out.write(f'<h1>{title}</h1>\n')

metadata = {'outputs': [{'type': 'web-app', 'storage': 'inline', 'source': f'<h1>{title}</h1>'}]}
try:
    with open('/mlpipeline-ui-metadata.json', 'w') as meta:
        json.dump(metadata, meta)
except OSError as exc:
    print('no KubeFlow UI metadata:', exc)
