"""Helpers of the excel_to_csv operator."""

import re


def safe_name(name: str) -> str:
    """Return name with every character other than letters, digits, '-' and '_' replaced."""
    return re.sub(r'[^A-Za-z0-9_-]+', '_', name).strip('_') or 'sheet'
