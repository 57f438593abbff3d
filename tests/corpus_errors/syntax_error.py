"""An operator with a syntax error."""

import os

name = os.getenv('name', 'world')

def greet(:
    print('hello', name)
