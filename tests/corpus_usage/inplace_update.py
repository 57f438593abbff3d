"""Add a running total column to a CSV file, rewriting the file in place."""
# pip install pandas
import os
import pandas as pd

ledger = os.environ["ledger"]
column = os.environ.get("column", "amount")

frame = pd.read_csv(ledger)
frame["total"] = frame[column].cumsum()
frame.to_csv(ledger, index=False)
