"""Index a folder of text files: one line per file with its number of lines, plus a per-file copy."""
import glob
import os
import shutil

corpus = os.getenv('corpus')
index_dir = os.getenv('index_dir', 'index/')

os.makedirs(index_dir, exist_ok=True)
lines = []
for path in sorted(glob.glob(os.path.join(corpus, '*.txt'))):
    with open(path) as handle:
        lines.append(f'{os.path.basename(path)}\t{sum(1 for _ in handle)}')
    shutil.copy(path, index_dir + os.path.basename(path))
with open(index_dir + 'index.tsv', 'w') as out:
    out.write('\n'.join(lines) + '\n')
