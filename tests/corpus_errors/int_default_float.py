"""int('3.5') raises in Python, so this default is an error."""

import os

# Number of repetitions
repetitions = int(os.getenv('repetitions', '3.5'))
print(repetitions)
