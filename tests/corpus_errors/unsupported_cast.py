"""A parameter is cast to complex, which CWL cannot type."""

import os

# Impedance
impedance = complex(os.getenv('impedance', '1+2j'))
print(abs(impedance))
