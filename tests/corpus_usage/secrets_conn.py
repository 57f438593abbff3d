"""Export a database table to object storage; credentials come in every shape real code uses."""
import os
import re

# connection string of the target:
# cos://access_key_id:secret_access_key@endpoint/bucket/path
target_url = os.environ.get('target_url')

# password of the key store (a default here is a mistake: it ends up in the image)
store_pass = os.environ.get('store_pass', 'changeit')

# database password
db_pw = os.environ.get('db_pw')

# API key of the notification service
apiKey = os.environ.get('apiKey')

# the database connection, user:secret@host/db
db_conn = os.environ.get('db_conn')

# maximum number of tokens in a generated summary (not a secret)
max_tokens = int(os.environ.get('max_tokens', '256'))


def credentials(conn):
    user_part, _, host = conn.partition('@')
    user, _, secret = user_part.split('//')[-1].partition(':')
    return user, secret, host


match = re.match(r'cos://([^:]+):([^@]+)@(.*)', target_url or '')
user, secret, host = credentials(db_conn)
print('export to', match.group(3) if match else None, 'from', host, 'tokens', max_tokens, bool(store_pass and db_pw and apiKey))
