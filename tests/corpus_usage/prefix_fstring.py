"""Count the words of a text file in a work folder, paths built with f-strings and helpers."""
import os
import json
from collections import Counter

work_dir = os.getenv("work_dir", "/home/jovyan/work")
text_name = os.getenv("text_name", "book.txt")
counts_name = os.getenv("counts_name", "counts.json")
top = int(os.getenv("top", "5"))


def load(path):
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def save(obj, path):
    with open(path, "w", encoding="utf-8") as handle:
        json.dump(obj, handle, indent=1)


words = load(f"{work_dir}/{text_name}").lower().split()
save(dict(Counter(words).most_common(top)), f"{work_dir}/{counts_name}")
