"""Upload a local report to a bucket, then delete the objects of a prefix that match a pattern."""
# pip install s3fs
import os

import s3fs

endpoint = os.environ.get('endpoint', 'https://s3.eu-de.cloud-object-storage.appdomain.cloud')
access_key_id = os.environ.get('access_key_id')
secret_access_key = os.environ.get('secret_access_key')
bucket = os.environ.get('bucket', 'my-bucket')
# objects to delete, relative to the bucket (a glob)
path = os.environ.get('path', 'tmp/*.parquet')
# a local file to upload before cleaning up
report_file = os.environ.get('report_file')
# object key of the uploaded report
report_key = os.environ.get('report_key', 'reports/latest.txt')

s3 = s3fs.S3FileSystem(key=access_key_id, secret=secret_access_key, client_kwargs={'endpoint_url': endpoint})
if report_file:
    s3.put(report_file, f"s3://{bucket}/{report_key}")
for name in s3.glob(bucket + '/' + path):
    s3.rm(name)
