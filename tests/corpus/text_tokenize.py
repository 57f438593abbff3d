"""Tokenize a text file with spaCy and write one token per line."""

# pip install -U --no-cache-dir spacy==3.7.2
# apt-get install -y libicu-dev

import os

import spacy

# Plain text file to tokenize
text_file = os.getenv('text_file', 'input.txt')

# spaCy model name
model = os.getenv('model', None)

# Lower-case all tokens
lowercase = os.getenv('lowercase', 'False') == 'True'

# Drop punctuation tokens
drop_punct = os.getenv('drop_punct', 'yes') in ('true', '1', 'yes')

# Optional stop word list, one word per line
stopwords = os.getenv('stopwords')

# Token list
output_tokens = os.getenv('output_tokens', 'tokens.txt')

nlp = spacy.load(model or 'en_core_web_sm')
stop = set(open(stopwords).read().split()) if stopwords else set()
with open(text_file, encoding='utf-8') as handle:
    doc = nlp(handle.read())
with open(output_tokens, 'w', encoding='utf-8') as out:
    for token in doc:
        if drop_punct and token.is_punct:
            continue
        text = token.text.lower() if lowercase else token.text
        if text not in stop:
            out.write(text + '\n')
