"""Convert CSV files from the data folder into a Parquet dataset with Spark."""
# pip install pyspark
import os

from pyspark.sql import SparkSession

data_dir = os.environ.get('data_dir', '../../data/')
data_csv = os.environ.get('data_csv', 'trips.csv')
output_parquet = os.environ.get('output_parquet', 'trips.parquet')
partitions = int(os.environ.get('partitions', '2'))

spark = SparkSession.builder.appName('to-parquet').getOrCreate()
frame = spark.read.csv(data_dir + data_csv, header=True, inferSchema=True)
frame.repartition(partitions).write.mode('overwrite').parquet(data_dir + output_parquet)
spark.stop()
