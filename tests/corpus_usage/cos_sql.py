"""Copy a table between Cloud Object Storage locations with a SQL Query job."""
# pip install ibmcloudsql
import os

import ibmcloudsql

# API key of the IBM Cloud account
apikey = os.environ.get('apikey')
# CRN of the SQL Query instance
instance_crn = os.environ.get('instance_crn')
# source table, a COS URL such as cos://us-geo/bucket/data.parquet
source_dir_path = os.environ.get('source_dir_path', 'cos://us-geo/sample/data.parquet')
# where the result goes, a COS URL
target_dir_path = os.environ.get('target_dir_path', 'cos://us-geo/results/out.parquet')
# rows to copy
limit = int(os.environ.get('limit', '100'))

sql = 'SELECT * FROM {} STORED AS PARQUET LIMIT {} INTO {} STORED AS PARQUET'.format(
    source_dir_path, limit, target_dir_path)
client = ibmcloudsql.SQLQuery(apikey, instance_crn)
client.logon()
client.run_sql(sql)
