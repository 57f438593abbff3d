"""Convert a semicolon-separated file to a comma-separated one (object-oriented style)."""
import csv
import os


class Converter:
    """Reads its settings once, then converts."""

    def __init__(self):
        self.src = os.getenv('src')
        self.dst = os.getenv('dst', 'converted.csv')
        self.delimiter = os.getenv('delimiter', ';')

    def rows(self):
        with open(self.src, newline='') as handle:
            yield from csv.reader(handle, delimiter=self.delimiter)

    def run(self):
        with open(self.dst, 'w', newline='') as out:
            csv.writer(out).writerows(self.rows())


if __name__ == '__main__':
    Converter().run()
