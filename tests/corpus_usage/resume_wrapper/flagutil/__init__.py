"""Strict boolean parsing, as a team's shared helper library would do it."""


def to_bool(value):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('true', '1', 'yes'):
        return True
    if text in ('false', '0', 'no'):
        return False
    raise ValueError(f'not a boolean: {value!r}')
