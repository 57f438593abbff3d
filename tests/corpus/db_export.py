"""Export the result of a SQL query from PostgreSQL to a CSV file.

The query joins orders with customers; see QUERY below.
"""

# pip install psycopg2-binary pandas
# apt-get install -y libpq5

import os

import pandas as pd
import psycopg2

QUERY = """
SELECT o.id, o.total, c.name
FROM orders o JOIN customers c ON c.id = o.customer_id
WHERE o.total > %(min_total)s
"""

# Host name of the database server
db_host = os.environ['db_host']

# Port of the database server
db_port = int(os.environ.get('db_port', '5432'))

# Database user
# claimed: secret
db_user = os.getenv('db_user', 'reader')

# Password of the database user
db_password = os.getenv('db_password', 'changeme')

# Only orders above this total are exported
min_total = float(os.getenv('min_total', '0'))

# CSV file written
output_csv = os.getenv('output_csv', 'orders.csv')

connection = psycopg2.connect(host=db_host, port=db_port, user=db_user, password=db_password)
frame = pd.read_sql(QUERY, connection, params={'min_total': min_total})
frame.to_csv(output_csv, index=False)
os.environ['row_count'] = str(len(frame))
