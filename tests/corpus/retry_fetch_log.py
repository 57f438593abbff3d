"""Fetch a log file with retries and count the lines of each level."""

# pip3 install rich==13.7.1  # pretty output

import collections
import os
import time
import urllib.request

from rich.console import Console

# Log URL
log_url = os.getenv('log_url', 'https://logs.example.com/app/latest')

# Attempts before giving up (a number default, so an int)
retries = os.getenv('retries', 3)

# Print debug output when set
debug = bool(os.getenv('debug'))

# Speed mode; anything but slow skips the pauses
fast = os.getenv('mode', 'fast') != 'slow'

# Log level counted first, lower-cased by the script
level = os.getenv('level').lower()

# Counts per level
output_counts = os.getenv('output_counts', 'counts.txt')

console = Console()
for attempt in range(int(retries)):
    try:
        text = urllib.request.urlopen(log_url, timeout=10).read().decode('utf-8')
        break
    except OSError as exc:
        if debug:
            console.print(f'attempt {attempt} failed: {exc}')
        if not fast:
            time.sleep(2 ** attempt)
else:
    raise SystemExit('could not fetch the log')
counts = collections.Counter(line.split()[0].lower() for line in text.splitlines() if line.strip())
with open(output_counts, 'w', encoding='utf-8') as out:
    out.write(f'{level} {counts.pop(level, 0)}\n')
    for name, count in sorted(counts.items()):
        out.write(f'{name} {count}\n')
