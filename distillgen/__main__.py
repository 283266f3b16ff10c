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
    except Exception as problem:
        if _caused_by_interrupt(problem):
            return interrupted()
        raise


def _caused_by_interrupt(problem: BaseException) -> bool:
    """Whether an exception only wraps a Ctrl-C: Python 3.11 turns one that lands while a
    class is being created (in ``__set_name__``) into a RuntimeError whose cause it is."""
    seen: set[int] = set()
    cause: BaseException | None = problem
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, KeyboardInterrupt):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def interrupted() -> int:
    """Say so on stderr (a second Ctrl-C meanwhile changes nothing) and give 130."""
    with contextlib.suppress(KeyboardInterrupt, OSError):
        print("interrupted", file=sys.stderr)
    return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(run())
