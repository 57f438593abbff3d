"""The parameter name is not an identifier."""

import os

# A parameter with a dash
value = os.getenv('my-param', 'x')
print(value)
