"""Render a greeting card; settings come through a small helper, as many team templates do."""
import os

PREFIX = 'CARD_'


def env(name, default=None):
    value = os.environ.get(name, default)
    return value.strip() if isinstance(value, str) else value


greeting = env('greeting', 'Hello')
recipient = env('recipient', 'world')
width = int(env('width', '30'))
card_file = env('card_file', 'card.txt')
# a setting read by a computed name: not part of the interface
border = os.environ.get(PREFIX + 'BORDER', '*')

text = f'{greeting}, {recipient}!'.center(width)
with open(card_file, 'w') as out:
    out.write(border * width + '\n' + text + '\n' + border * width + '\n')
