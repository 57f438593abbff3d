"""Download one file from a URL and report its size."""
import os
import urllib.request

url = os.getenv('url', 'https://example.org/data.csv')
download_to = os.getenv('download_to', 'download.bin')
size_file = os.getenv('size_file', 'size.txt')

urllib.request.urlretrieve(url, download_to)
with open(size_file, 'w') as out:
    out.write(str(os.path.getsize(download_to)) + '\n')
