"""Report what the operator was given, without repeating a secret: digests, a product, and who ran it."""
import hashlib
import os
import time

# the service token (secret by its name)
api_token = os.environ["api_token"]
# a secret number
pin = int(os.getenv("pin_secret", "0"))
# a key file (secret by its name)
private_key_file = os.getenv("private_key_file")
# seconds to wait before reporting
delay = float(os.getenv("delay", "0"))
output_report = os.getenv("output_report", "report.txt")

time.sleep(delay)
key = ""
if private_key_file:
    with open(private_key_file, encoding="utf-8") as handle:
        key = handle.read()
with open(output_report, "w", encoding="utf-8") as out:
    out.write(f"token {hashlib.sha256(api_token.encode()).hexdigest()}\n")
    out.write(f"pin {pin * 2}\n")
    out.write(f"key {hashlib.sha256(key.encode()).hexdigest()}\n")
    out.write(f"uid {os.getuid()}\n")
