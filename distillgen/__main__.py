"""``python -m distillgen`` and the ``distillgen`` command.

The entry point imports nothing before it can catch Ctrl-C: an interrupt while the modules
still load ends the command with exit code 130 and one line, as it does later.
"""

import contextlib
import sys

EXIT_INTERRUPTED = 130


def run() -> int:
    """Run the command line; Ctrl-C at any moment is exit code 130, never a traceback."""
    try:
        from .cli import main

        return main()
    except KeyboardInterrupt:
        return interrupted()


def interrupted() -> int:
    """Say so on stderr (a second Ctrl-C meanwhile changes nothing) and give 130."""
    with contextlib.suppress(KeyboardInterrupt, OSError):
        print("interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(run())
