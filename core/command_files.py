"""The input file of a management command, read with the messages every command gives."""

from __future__ import annotations

import sys
from pathlib import Path

from django.core.management import CommandError


def command_file_bytes(path: str, *, kind: str, stdin: bool = False) -> bytes:
    """The bytes of `path` (with `stdin`, "-" reads standard input), or a CommandError
    naming the path: no such file, a directory rather than a `kind` ("catalog file"), or
    any other reason it cannot be read."""
    if stdin and path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except FileNotFoundError as exc:
        raise CommandError(f"{path}: no such file") from exc
    except IsADirectoryError as exc:
        raise CommandError(f"{path}: is a directory, not a {kind}") from exc
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file ({exc.strerror})") from exc
