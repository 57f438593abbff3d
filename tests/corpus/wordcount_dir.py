"""Count the words of every text file in a corpus folder."""

import collections
import json
import os

# Folder with the text files
corpus_folder = os.environ['corpus_folder']

# Cache directory for intermediate counts
cache = os.getenv('cache', '/tmp/cache/')

# Words seen fewer times are dropped
min_count = int(os.getenv('min_count', '2'))

# Directory with one JSON file of counts per document
output_stats = os.getenv('output_stats', 'stats/')

os.makedirs(output_stats, exist_ok=True)
os.makedirs(cache, exist_ok=True)
for name in sorted(os.listdir(corpus_folder)):
    with open(os.path.join(corpus_folder, name), encoding='utf-8') as handle:
        counts = collections.Counter(handle.read().split())
    kept = {word: n for word, n in counts.items() if n >= min_count}
    with open(os.path.join(output_stats, name + '.json'), 'w', encoding='utf-8') as out:
        json.dump(kept, out, sort_keys=True)
