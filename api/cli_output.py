"""Where command output goes: a file named with ``-o``, or standard output."""

import sys
from pathlib import Path

import click


def emit(data: bytes, output: Path | None = None) -> None:
    """Write ``data`` to ``output`` (saying so on stderr), or as-is to standard output."""
    if output:
        output.write_bytes(data)
        click.echo(f"Wrote {output}", err=True)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
