"""``python -m pyvorin_runtime``: what an end user with only the runtime can do.

    python -m pyvorin_runtime trust --from-manifest MANIFEST --fingerprint FP [--id ID]
    python -m pyvorin_runtime trust PUBKEY_FILE [--id ID]
    python -m pyvorin_runtime forget-builds DIST... | --all

The same operations as ``pyvorin keys trust`` and ``pyvorin signature forget-builds``
(which call the same functions), for a machine where the compiler is not installed:
the refusals of the loader name these commands there. Exit codes are the compiler's:
0 ok, 2 usage, 5 signature or trust failure.
"""

from __future__ import annotations

import argparse
import sys

from .errors import PyvorinError

USAGE_EXIT = 2  # ExitCode.USAGE of the compiler's table (a test holds them equal)


def _trust(args: argparse.Namespace) -> int:
    from .trust import fingerprint_ed25519, parse_public_key
    from .trusting import add_trusted, check_key_id, trust_from_manifest

    if args.from_manifest is not None:
        if args.pubkey_file is not None or not args.fingerprint:
            raise ValueError("--from-manifest takes no PUBKEY_FILE and needs --fingerprint")
        key_id, raw, path = trust_from_manifest(args.from_manifest, args.fingerprint, args.id)
    elif args.pubkey_file is not None:
        try:
            with open(args.pubkey_file, encoding="utf-8", errors="replace") as handle:
                text = handle.read()
        except OSError as exc:
            raise ValueError(f"{args.pubkey_file}: cannot read: {exc.strerror or exc}") from exc
        file_id, raw = parse_public_key(text, args.pubkey_file)
        from .trust import derived_id

        key_id = check_key_id(args.id or file_id or derived_id("ed25519", fingerprint_ed25519(raw)))
        path = add_trusted(key_id, raw)
    else:
        raise ValueError("give a PUBKEY_FILE, or --from-manifest MANIFEST --fingerprint FP")
    print(f"trusted {key_id} ({fingerprint_ed25519(raw)}) in {path}")
    return 0


def _forget_builds(args: argparse.Namespace) -> int:
    from .builds import forget, forget_report

    if bool(args.distributions) == args.all:
        raise ValueError("name the distributions whose builds to forget, or pass --all")
    wanted = None if args.all else list(args.distributions)
    for line in forget_report(forget(wanted), wanted):
        print(line)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pyvorin_runtime",
        description="Trust a publisher's signing key, or forget recorded builds, on a "
        "machine with only pyvorin-runtime.",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    trust = commands.add_parser("trust", help="add a publisher's public key to the trust store")
    trust.add_argument("pubkey_file", nargs="?", metavar="PUBKEY_FILE")
    trust.add_argument("--from-manifest", metavar="MANIFEST")
    trust.add_argument("--fingerprint", metavar="FP")
    trust.add_argument("--id", metavar="ID")
    trust.set_defaults(run=_trust)
    forget = commands.add_parser(
        "forget-builds", help="let an older build of DIST load again (after a downgrade refusal)"
    )
    forget.add_argument("distributions", nargs="*", metavar="DIST")
    forget.add_argument("--all", action="store_true", help="forget every recorded build")
    forget.set_defaults(run=_forget_builds)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except ValueError as exc:
        print(f"pyvorin-runtime: error: {exc}", file=sys.stderr)
        return USAGE_EXIT
    except PyvorinError as exc:
        print(f"pyvorin-runtime: error: {exc}", file=sys.stderr)
        return int(exc.exit_code)


if __name__ == "__main__":
    sys.exit(main())
