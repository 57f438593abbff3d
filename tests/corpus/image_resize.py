"""Resize every image of a directory to a fixed width, keeping the aspect ratio if asked."""

# pip install Pillow>=10

import os
from pathlib import Path

from PIL import Image

# Directory with the source images
input_dir = os.getenv('input_dir', 'images')

# Target width in pixels
width = int(os.getenv('width', '256'))

# Keep the aspect ratio (true/false)
keep_aspect = os.getenv('keep_aspect', 'True').lower() == 'true'

# Output image format
image_format = os.getenv('image_format', 'PNG')

# Directory the resized images are written to
output_folder = os.getenv('output_folder', 'resized')

Path(output_folder).mkdir(parents=True, exist_ok=True)
for source in sorted(Path(input_dir).glob('*')):
    with Image.open(source) as image:
        height = int(image.height * width / image.width) if keep_aspect else width
        image.resize((width, height)).save(Path(output_folder) / (source.stem + '.' + image_format.lower()), image_format)
