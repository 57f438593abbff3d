"""Repeat a word b times, ratio-scaled; the casts happen where the values are used."""
import os

b = os.environ.get('b')
ratio = os.environ.get('ratio', '1.5')
word = os.environ.get('word', 'hey')
shout = os.environ.get('shout', '')
output_text = os.environ.get('output_text', 'words.txt')


def repeat(text, times):
    return ' '.join([text] * int(times))


def scaled(times):
    return round(int(times) * float(ratio))


line = repeat(word.upper() if bool(shout) else word, scaled(b))
with open(output_text, 'w') as out:
    out.write(line + '\n')
