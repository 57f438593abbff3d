"""Keep the rows of a CSV older than a given year; the result's file name is a parameter, as in C3."""
import csv
import os

input_table = os.getenv("input_table")
year = int(os.getenv("year", "2000"))
output_file_name = os.getenv("output_file_name", "older.csv")
output_dir = os.getenv("output_dir", "out/")

with open(input_table, newline="") as handle:
    rows = list(csv.DictReader(handle))
kept = [row for row in rows if int(row["year"]) < year]
with open(output_file_name, "w", newline="") as out:
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(kept)
os.makedirs(output_dir, exist_ok=True)
with open(output_dir + "count.txt", "w") as out:
    out.write(f"{len(kept)}\n")
