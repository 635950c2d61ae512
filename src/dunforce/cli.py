"""The ``dunforce`` command line.

Exit codes: 0 success; 1 the input has errors (or, with ``fmt --check``, is not formatted; with
``check --strict``, has warnings); 2 the command was used wrongly (unknown option, missing file).
A ``DunforceError`` is printed as its message, never as a traceback.
"""

from __future__ import annotations

import argparse
import difflib
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from dunforce import __version__
from dunforce.attributes import HOUSING_SCHEMA, Schema
from dunforce.channels import DEFAULT_CHANNELS, ChannelRegistry
from dunforce.dsl import check_file, format_source
from dunforce.dsl.source import MAX_SOURCE_BYTES, read_source
from dunforce.errors import DslError, DunforceError

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2

_EPILOG_CHECK = """examples:
  dunforce check examples/social_housing/scenarios.dfs
  dunforce check --strict rules/*.dfs      # warnings fail the check too
  dunforce check --channels myerp.dunning:CHANNELS rules.dfs   # with your own channels
"""
_EPILOG_FMT = """examples:
  dunforce fmt rules.dfs                  # rewrite the file in canonical layout
  dunforce fmt --check rules/*.dfs        # exit 1 if a file is not formatted
  dunforce fmt --diff rules.dfs           # show what would change
"""


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dunforce",
        description="Scenarios for preventing and collecting unpaid rent.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run `dunforce COMMAND --help` for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"dunforce {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    check = commands.add_parser(
        "check",
        help="report the errors and warnings of scenario files",
        description="Parse and check scenario files; print errors and warnings like a compiler.",
        epilog=_EPILOG_CHECK,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    check.add_argument("files", nargs="+", type=Path, metavar="FILE")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors")
    check.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    check.add_argument(
        "--schema",
        metavar="MODULE:NAME",
        help="a dunforce.Schema with your own attributes, such as myerp.dunning:SCHEMA "
        "(default: the built-in housing catalogue)",
    )
    check.add_argument(
        "--channels",
        metavar="MODULE:NAME",
        help="a dunforce.ChannelRegistry with your own channels, such as myerp.dunning:CHANNELS",
    )
    _add_max_bytes(check)
    check.set_defaults(run=_check)

    fmt = commands.add_parser(
        "fmt",
        help="rewrite scenario files in canonical layout",
        description="Rewrite scenario files in canonical layout, keeping comments.",
        epilog=_EPILOG_FMT,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fmt.add_argument("files", nargs="+", type=Path, metavar="FILE")
    mode = fmt.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="only report unformatted files")
    mode.add_argument("--diff", action="store_true", help="print a diff instead of writing")
    _add_max_bytes(fmt)
    fmt.set_defaults(run=_fmt)
    return parser


def _add_max_bytes(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--max-bytes",
        type=int,
        default=MAX_SOURCE_BYTES,
        metavar="N",
        help=f"the largest file accepted (default {MAX_SOURCE_BYTES:,})",
    )


def _load_object(reference: str | None, kind: type, default):
    """The object ``MODULE:NAME`` from the integrator's own Python code (not scenario text)."""
    if reference is None:
        return default
    module_name, _, name = reference.partition(":")
    if not module_name or not name:
        raise _UsageError(f"{reference!r}: write MODULE:NAME, such as myerp.dunning:CHANNELS")
    if str(Path.cwd()) not in sys.path:
        sys.path.insert(0, str(Path.cwd()))
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise _UsageError(f"{reference!r}: cannot import {module_name}: {exc}") from None
    value = getattr(module, name, None)
    if not isinstance(value, kind):
        raise _UsageError(f"{reference!r} is not a {kind.__name__}")
    return value


def _require_file(path: Path) -> None:
    if path.is_dir():
        raise _UsageError(f"{path}: is a directory; name the .dfs files (such as {path}/*.dfs)")
    if not path.is_file():
        raise _UsageError(f"{path}: no such file")


def _count(number: int, word: str) -> str:
    return f"{number} {word}{'' if number == 1 else 's'}"


def _check(args: argparse.Namespace) -> int:
    schema = _load_object(args.schema, Schema, HOUSING_SCHEMA)
    channels = _load_object(args.channels, ChannelRegistry, DEFAULT_CHANNELS)
    failed = False
    for path in args.files:
        _require_file(path)
        try:
            checked = check_file(path, schema=schema, channels=channels, max_bytes=args.max_bytes)
        except DslError as exc:
            print(exc)
            print()
            failed = True
            continue
        warnings = checked.warnings
        if not args.quiet:
            for warning in warnings:
                print(warning)
                print()
        rejected = args.strict and bool(warnings)
        failed = failed or rejected
        module = checked.module
        counts = ", ".join(
            _count(number, word)
            for number, word in (
                (len(module.profiles), "profile"),
                (len(module.scenarios), "scenario"),
                (len(module.event_blocks), "event block"),
                (len(module.rules), "rule"),
                (len(warnings), "warning"),
            )
        )
        print(f"{path}: {'failed (--strict)' if rejected else 'ok'}, {counts}")
    return EXIT_INVALID if failed else EXIT_OK


def _fmt(args: argparse.Namespace) -> int:
    status = EXIT_OK
    for path in args.files:
        _require_file(path)
        original = read_source(path, args.max_bytes)
        try:
            formatted = format_source(original, filename=str(path), max_bytes=args.max_bytes)
        except DslError as exc:
            print(exc, file=sys.stderr)
            status = EXIT_INVALID
            continue
        text = original.decode("utf-8-sig").replace("\r\n", "\n")
        if formatted == text:
            continue
        if args.check:
            print(f"{path}: would be reformatted")
            status = EXIT_INVALID
        elif args.diff:
            sys.stdout.writelines(
                difflib.unified_diff(
                    text.splitlines(keepends=True),
                    formatted.splitlines(keepends=True),
                    fromfile=str(path),
                    tofile=f"{path} (formatted)",
                )
            )
        else:
            path.write_text(formatted, encoding="utf-8")
            print(f"{path}: reformatted")
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except _UsageError as exc:
        print(f"dunforce {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except DunforceError as exc:
        print(exc, file=sys.stderr)
        return EXIT_INVALID


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
