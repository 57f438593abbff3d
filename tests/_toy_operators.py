"""Tiny text operators (make -> shout -> count, and one with a secret) that the cache, export and provenance
tests build, and the three-step workflow of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from claimed_cwl.build.operator_build import build_operator
from claimed_cwl.emit import ArtifactSettings
from claimed_cwl.workflow import Workflow, load_operator

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


GREET = '''"""Greet someone, with a token that must stay secret."""
import os

# who to greet
name = os.getenv('name', 'world')
# the access token (secret)
api_token = os.environ['api_token']
# the file written
output_file = os.getenv('output_file', 'greeting.txt')
with open(output_file, 'w') as handle:
    handle.write(f'hello {name}, your token has {len(api_token)} characters\\n')
'''


def three_steps(docker_client: Any, root: Path, settings: ArtifactSettings, shout_change: str = "") -> Path:
    """Build make-text, shout (``shout_change`` applied to its text) and count-chars; save their workflow."""
    make = load_operator(build_toy(docker_client, root, "make_text", MAKE, settings))
    shout = load_operator(build_toy(docker_client, root, "shout", SHOUT.format(change=shout_change), settings))
    count = load_operator(build_toy(docker_client, root, "count_chars", COUNT, settings))
    with Workflow("cache-three") as wf:
        made = make()
        shouted = shout(input_file=made.outputs.output_file)
        wf.output("count", count(input_file=shouted.outputs.output_file).outputs.output_file)
    return wf.save(root / "wf")
