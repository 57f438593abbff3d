"""Download a data set over HTTP(S) or from S3 into a local directory."""

# pip install requests boto3

import os
import urllib.parse

import boto3
import requests

# URL of the CSV file to download
data_url = os.getenv('data_url', 'https://example.com/data/iris.csv')

# Optional S3 object to fetch as well
source_path = os.getenv('source_path', 's3://claimed-data/raw/iris.parquet')

# Object store URL, kept as text
mirror = os.getenv('mirror', 'cos://eu-de/bucket/')

# HTTP timeout in seconds
timeout = int(os.getenv('timeout', '30'))

# Token for the HTTP server
api_token = os.environ['api_token']

# Directory the downloads are written to
output_dir = os.getenv('output_dir', 'download/')

os.makedirs(output_dir, exist_ok=True)
response = requests.get(data_url, timeout=timeout, headers={'Authorization': f'Bearer {api_token}'})
response.raise_for_status()
with open(os.path.join(output_dir, os.path.basename(data_url)), 'wb') as handle:
    handle.write(response.content)
if source_path:
    parts = urllib.parse.urlparse(source_path)
    boto3.client('s3').download_file(parts.netloc, parts.path.lstrip('/'), os.path.join(output_dir, 'extra'))
print('mirror', mirror)
