"""Three tiny text operators (make -> shout -> count) that the cache and export tests build."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claimed_cwl.build.operator_build import build_operator
from claimed_cwl.emit import ArtifactSettings

MAKE = '''"""Write a line of text."""
import os

# the text to write
text = os.getenv('text', 'hello cache')
# the file written
output_file = os.getenv('output_file', 'text.txt')
with open(output_file, 'w') as handle:
    handle.write(text + '\\n')
'''

SHOUT = '''"""Copy a text file (the code says how)."""
import os

# the text file to read
input_file = os.environ['input_file']
# the file written
output_file = os.getenv('output_file', 'shouted.txt')
with open(input_file) as handle:
    data = handle.read()
with open(output_file, 'w') as handle:
    handle.write(data{change})
'''

COUNT = '''"""Count the upper-case letters of a text file."""
import os

# the text file to read
input_file = os.environ['input_file']
# the file written
output_file = os.getenv('output_file', 'count.txt')
with open(input_file) as handle:
    data = handle.read()
with open(output_file, 'w') as handle:
    handle.write(str(sum(1 for char in data if char.isupper())) + '\\n')
'''


def build_toy(docker_client: Any, root: Path, name: str, text: str, settings: ArtifactSettings,
              push: bool = False) -> Path:
    """Write ``text`` as ``root/src/NAME/NAME.py``, build it (``push``: to its registry); return its tool."""
    source = root / "src" / name / f"{name}.py"
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text, encoding="utf-8")
    built = build_operator(docker_client, source, (), settings, root / "out" / name, force=True, push=push)
    return built.cwl
