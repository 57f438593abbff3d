"""Sum the numbers of a text file; asks the scheduler for 2 cores and 300 MiB (a resource test for Slurm)."""
# claimed: cores=2 ram=300Mi
import os

# text file with one or more numbers per line
input_file = os.environ['input_file']
# where the sum goes
output_sum = os.getenv('output_sum', 'sum.txt')

with open(input_file, encoding='utf-8') as text:
    total = sum(int(word) for line in text for word in line.split())
with open(output_sum, 'w', encoding='utf-8') as out:
    out.write(f'{total}\n')
