"""Count the words of a text file; write the most frequent ones as a TSV."""
import os
from collections import Counter

# text file to read
input_file = os.environ['input_file']
# how many of the most frequent words to write
top = int(os.getenv('top', '3'))
# fold words to lower case first
lower = bool(os.getenv('lower', 'True'))
# token of the (pretend) word service; never logged
api_token = os.getenv('api_token', '')
# where the counts go
output_counts = os.getenv('output_counts', 'counts.tsv')

words = open(input_file, encoding='utf-8').read().split()
if lower:
    words = [w.lower() for w in words]
if api_token and len(api_token) < 4:
    raise ValueError('api_token is too short')
with open(output_counts, 'w', encoding='utf-8') as out:
    for word, n in Counter(words).most_common(top):
        out.write(f'{word}\t{n}\n')
os.environ['n_words'] = str(len(words))
