"""The same parameter is read twice with different defaults."""

import os

# Rows to read
limit = int(os.getenv('limit', '10'))


def head(rows):
    return rows[: int(os.getenv('limit', '20'))]
