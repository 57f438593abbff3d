"""Summarize a text document with a hosted large language model."""

# pip install openai==1.30.1

import os

from openai import OpenAI

# Key of the LLM provider
OPENAI_API_KEY = os.environ['OPENAI_API_KEY']

# Maximum number of tokens in the answer (a number, not a secret)
# claimed: secret=false
max_tokens = int(os.getenv('max_tokens', '512'))

# Name of a prompt template shipped in the image, not a file to upload
# claimed: type=string
prompt_file = os.getenv('prompt_file', 'summary.txt')

# Sampling temperature
temperature = float(os.getenv('temperature', '0.2'))

# Document to summarize
document_path = os.getenv('document_path', 'document.md')

# Summary as Markdown
output_summary = os.getenv('output_summary')

client = OpenAI(api_key=OPENAI_API_KEY)
with open(document_path, encoding='utf-8') as handle:
    text = handle.read()
answer = client.chat.completions.create(
    model='gpt-4o-mini',
    max_tokens=max_tokens,
    temperature=temperature,
    messages=[{'role': 'system', 'content': prompt_file}, {'role': 'user', 'content': text}],
)
with open(output_summary, 'w', encoding='utf-8') as out:
    out.write(answer.choices[0].message.content)
