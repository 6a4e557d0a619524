"""Fuzz idpool's parsers with atheris (coverage-guided, libFuzzer), or run the model-driven
request tests with a bigger budget. The CI runs short, bounded versions of both
(tests/fuzz/test_fuzz.py, tests/fuzz/test_generated_requests.py); this is the long run.

    python scripts/fuzz.py jwt --seconds 600        # one target for ten minutes
    python scripts/fuzz.py all --seconds 300        # every target, five minutes each
    python scripts/fuzz.py policy --runs 100000     # a number of inputs instead of a time
    python scripts/fuzz.py --generated 200          # 200 generated requests per operation, per test

Targets (tests/fuzz/targets.py): json_codec, query_codec, sigv4, jwt, policy. The corpus
grows in .fuzz/corpus/<target>/ (not committed) from the targets' seeds. An input that
crashes a target (an exception other than the parser's documented refusal, or one input
running past --timeout seconds) is written to tests/fuzz/regressions/<target>/: fix the
bug and commit the file, and every test run replays it from then on.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TARGETS = ("json_codec", "query_codec", "sigv4", "jwt", "policy")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("target", nargs="?", choices=(*TARGETS, "all"))
    parser.add_argument("--seconds", type=int, default=0, help="stop after this long (per target)")
    parser.add_argument("--runs", type=int, default=0, help="stop after this many inputs (per target)")
    parser.add_argument("--timeout", type=int, default=10, help="an input running longer than this many seconds is a crash")
    parser.add_argument("--corpus", type=Path, default=ROOT / ".fuzz" / "corpus", help="where the corpus grows")
    parser.add_argument("--artifacts", type=Path, default=ROOT / "tests" / "fuzz" / "regressions",
                        help="where crashing inputs are written, one folder per target")
    parser.add_argument("--generated", type=int, metavar="N",
                        help="instead: run the generated-request tests with N examples per operation")
    args = parser.parse_args(argv)
    if args.generated:
        env = {**os.environ, "IDPOOL_GENERATED_EXAMPLES": str(args.generated)}
        test = str(ROOT / "tests" / "fuzz" / "test_generated_requests.py")
        return subprocess.call([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", test], env=env, cwd=ROOT)
    if args.target is None:
        parser.error("name a target, or 'all', or --generated N")
    if not (args.seconds or args.runs):
        parser.error("give --seconds or --runs: a run is always bounded")
    if args.target == "all":
        failed = [t for t in TARGETS if subprocess.call([sys.executable, __file__, t, *_options(args)], cwd=ROOT) != 0]
        print(f"crashed: {', '.join(failed)}" if failed else "every target ran without a crash", file=sys.stderr)
        return 1 if failed else 0
    return fuzz(args.target, args)


def _options(args: argparse.Namespace) -> list[str]:
    return [f"--seconds={args.seconds}", f"--runs={args.runs}", f"--timeout={args.timeout}",
            f"--corpus={args.corpus}", f"--artifacts={args.artifacts}"]


def fuzz(target: str, args: argparse.Namespace) -> int:
    """Run one target under atheris in this process (libFuzzer ends the process itself)."""
    import atheris

    sys.path.insert(0, str(ROOT))
    with atheris.instrument_imports(include=["idpool", "tests.fuzz"]):
        from tests.fuzz import targets

    corpus = args.corpus / target
    corpus.mkdir(parents=True, exist_ok=True)
    for seed in targets.seeds(target):  # named by content: writing them again changes nothing
        (corpus / f"seed-{hashlib.sha1(seed).hexdigest()}").write_bytes(seed)
    artifacts = args.artifacts / target
    artifacts.mkdir(parents=True, exist_ok=True)
    flags = [f"-timeout={args.timeout}", f"-artifact_prefix={artifacts}/", "-rss_limit_mb=2048", "-print_final_stats=1"]
    flags += [f"-max_total_time={args.seconds}"] if args.seconds else []
    flags += [f"-runs={args.runs}"] if args.runs else []
    kept = ROOT / "tests" / "fuzz" / "regressions" / target
    folders = [str(corpus)] + ([str(kept)] if kept.is_dir() and kept != artifacts else [])
    atheris.Setup([sys.argv[0], *flags, *folders], targets.TARGETS[target])
    atheris.Fuzz()
    return 0  # not reached: libFuzzer exits with its own status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
