"""Process numbered items, optionally resuming after the last one a marker file names."""
import os

from flagutil import to_bool

resume = to_bool(os.environ.get('resume', False))
items = int(os.environ.get('items', '3'))
marker = os.environ.get('marker', 'progress.txt')

start = 0
if resume and os.path.exists(marker):
    start = int(open(marker).read().strip() or 0)
with open(marker, 'w') as out:
    out.write(str(start + items))
print('processed', list(range(start, start + items)))
