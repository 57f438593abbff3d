"""Record which objects a later step should copy: a bucket path pattern, kept as text."""
import os

# objects to copy, as bucket/prefix/pattern (never a local file)
path = os.environ.get('path', 'bucket/in/*.csv')
# where the plan is written
plan = os.environ.get('plan', 'plan.txt')

with open(plan, 'w') as out:
    out.write(f'copy {path}\n')
