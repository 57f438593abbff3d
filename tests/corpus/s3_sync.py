"""Copy every object under an S3 prefix to another bucket."""

# pip install boto3>=1.34

import os

import boto3

# S3 endpoint
endpoint = os.getenv('endpoint', 'https://s3.amazonaws.com')

# Access key id of the source account
aws_access_key_id = os.getenv('aws_access_key_id')

# Secret access key of the source account
aws_secret_access_key = os.environ['aws_secret_access_key']

# Source bucket
source_bucket = os.environ['source_bucket']

# Key prefix to copy
prefix = os.getenv('prefix', '')

# Target bucket
target_bucket = os.getenv('target_bucket', 'backup')

# Dry run: only list the objects
dry_run = bool(os.getenv('dry_run', ''))

s3 = boto3.client(
    's3', endpoint_url=endpoint, aws_access_key_id=aws_access_key_id, aws_secret_access_key=aws_secret_access_key
)
paginator = s3.get_paginator('list_objects_v2')
count = 0
for page in paginator.paginate(Bucket=source_bucket, Prefix=prefix):
    for item in page.get('Contents', []):
        count += 1
        if not dry_run:
            s3.copy_object(Bucket=target_bucket, Key=item['Key'], CopySource={'Bucket': source_bucket, 'Key': item['Key']})
os.environ['copied'] = str(count)
