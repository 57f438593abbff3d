"""Recognise the text of a scanned page with Tesseract."""

# apt install -y tesseract-ocr tesseract-ocr-deu
# pip install pytesseract Pillow

import os

import pytesseract
from PIL import Image

# Scanned page
input_image = os.getenv('input_image', 'scan.png')

# Tesseract language code
language = os.getenv('language', 'deu')

# Page segmentation mode
psm = int(os.getenv('psm', '3'))

# Recognised text
output_text_file = os.getenv('output_text_file', 'page.txt')

text = pytesseract.image_to_string(Image.open(input_image), lang=language, config=f'--psm {psm}')
with open(output_text_file, 'w', encoding='utf-8') as out:
    out.write(text)
