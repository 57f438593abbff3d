"""Pack a directory into a reproducible .tar.gz archive.

Entries are sorted by path, relative to the directory, with zero timestamps
and owners: the same files always give the same bytes.
"""
import gzip
import os
import tarfile

# directory to pack
input_dir = os.environ['input_dir']
# the archive
output_archive = os.getenv('output_archive', 'archive.tar.gz')


def entry(path, name):
    """Return a normalised TarInfo for the file or directory at path."""
    info = tarfile.TarInfo(name)
    info.mtime = 0
    info.uid = info.gid = 0
    info.uname = info.gname = ''
    if os.path.isdir(path):
        info.type = tarfile.DIRTYPE
        info.mode = 0o755
    else:
        info.size = os.path.getsize(path)
        info.mode = 0o644
    return info


names = []
for root, dirs, files in os.walk(input_dir):
    dirs.sort()
    for name in sorted(dirs + files):
        names.append(os.path.relpath(os.path.join(root, name), input_dir))
names.sort()

with open(output_archive, 'wb') as raw, \
        gzip.GzipFile(filename='', mode='wb', fileobj=raw, mtime=0) as compressed, \
        tarfile.open(fileobj=compressed, mode='w', format=tarfile.USTAR_FORMAT) as archive:
    for name in names:
        path = os.path.join(input_dir, name)
        info = entry(path, name)
        if info.isdir():
            archive.addfile(info)
        else:
            with open(path, 'rb') as data:
                archive.addfile(info, data)
print(f'packed {len(names)} entries into {output_archive}')
