"""The same parameter is read with two different casts."""

import os

# Size of the window
window = int(os.getenv('window', '5'))
scale = float(os.getenv('window', '5'))
print(window, scale)
