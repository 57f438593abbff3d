"""Square a number after a pause; write it to a text file (a scatter step for the Toil tests)."""
import os
import time

# the number to square
value = int(os.getenv('value', '2'))
# seconds to wait before writing (long enough to interrupt a run)
delay = float(os.getenv('delay', '0'))
# where the square goes
output_square = os.getenv('output_square', 'square.txt')

time.sleep(delay)
with open(output_square, 'w', encoding='utf-8') as out:
    out.write(f'{value} {value * value}\n')
