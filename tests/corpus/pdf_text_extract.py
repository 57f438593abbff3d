# Extract the text of a PDF document page by page.
# This operator has comments at the top but no docstring.

# pip install pypdf==4.2.0

import os

from pypdf import PdfReader

# The PDF document
file = os.getenv('file', 'document.pdf')

# Page range such as 1-3, empty for all pages
pages = os.getenv('pages', '')

# Text output
output_text = os.getenv('output_text', 'text.txt')

reader = PdfReader(file)
selected = range(len(reader.pages))
if pages:
    first, last = (int(p) for p in pages.split('-'))
    selected = range(first - 1, last)
with open(output_text, 'w', encoding='utf-8') as out:
    for number in selected:
        out.write(reader.pages[number].extract_text() + '\n\f')
