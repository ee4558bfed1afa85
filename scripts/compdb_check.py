"""Checks compile_commands.json the way an editor reads it (run by
scripts/compdb_check.sh, which finds python3; `make test` runs that).

The learner's files are every header under exercises/ and given/ and every
chapter test and demo: each needs an entry of its own (clangd guesses one from
a nearby file for a file without, and a guess such as bench/executors.cpp's
`-Isolutions` sends go-to-definition into the reference), and that entry must
search exercises/ before given/ and never solutions/ (nor the checkout's root,
where `#include "solutions/..."` would resolve). A header under solutions/ is
the reference read by learners too: it must search solutions/, never
exercises/. Files under tests/ and include/ need an entry, whatever its path.

Then the resolution for real: each learner's or reference's header entry is
run through its own compiler's preprocessor (-M: the headers it reads, in a
tenth of a second) and must find every include and read no file of the other
side. (The test files and demos are not: the build compiles them with these
very flags, and each costs Catch2's or CLI11's headers.)
With --clangd, clangd --check reads the first exercises/ header and the first
given/ one from the database: it must use the header's own entry (not one
inferred from another file) and report nothing.

    python3 scripts/compdb_check.py [--clangd] [DATABASE]   (in the checkout)
"""
import concurrent.futures
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile

HEADERS = (".hpp", ".h")
CHAPTER = re.compile(r"ch[0-9][0-9]_[^/]+$")


def files_on_disk(root):
    """(learner files, reference files, other files that need an entry), as root-relative paths."""
    learner, reference, other = [], [], []

    def walk(top, exts):
        for folder, dirs, names in os.walk(os.path.join(root, top)):
            dirs.sort()
            for name in sorted(names):
                if name.endswith(exts):
                    yield os.path.relpath(os.path.join(folder, name), root)

    learner += walk("exercises", HEADERS)
    learner += walk("given", HEADERS)
    for chapter in sorted(d for d in os.listdir(root) if CHAPTER.match(d)):
        learner += walk(os.path.join(chapter, "tests"), (".cpp",) + HEADERS)
        if os.path.isfile(os.path.join(root, chapter, "demo.cpp")):
            learner.append(os.path.join(chapter, "demo.cpp"))
    reference += walk("solutions", HEADERS)
    other += walk("tests", (".cpp",) + HEADERS)
    other += walk("include", HEADERS)
    return learner, reference, other


def load_entries(path, root):
    """{root-relative file: [(argv, directory), ...]} and the problems found reading them."""
    problems = []
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError) as e:
        return {}, [f"{path}: cannot be read as JSON: {e}"]
    if not isinstance(data, list):
        return {}, [f"{path}: is not a JSON array of entries"]
    entries = {}
    for i, entry in enumerate(data):
        where = f"{path}: entry {i + 1}"
        if not isinstance(entry, dict) or not all(isinstance(entry.get(k), str) for k in ("directory", "file")):
            problems.append(f"{where}: needs \"directory\" and \"file\"")
            continue
        if isinstance(entry.get("arguments"), list):
            argv = [str(a) for a in entry["arguments"]]
        elif isinstance(entry.get("command"), str):
            try:
                argv = shlex.split(entry["command"])
            except ValueError as e:
                problems.append(f"{where}: its command cannot be split: {e}")
                continue
        else:
            problems.append(f"{where}: has neither \"command\" nor \"arguments\"")
            continue
        directory = os.path.realpath(entry["directory"])
        rel = os.path.relpath(os.path.realpath(os.path.join(directory, entry["file"])), root)
        if not rel.startswith(".."):  # (an entry of another checkout covers nothing here)
            entries.setdefault(rel, []).append((argv, directory))
    return entries, problems


def search_path(argv, directory, root):
    """The folders a quoted #include searches, in the compiler's order, root-relative."""
    found = {"-iquote": [], "-I": [], "-isystem": [], "-idirafter": []}
    i = 0
    while i < len(argv):
        for flag in found:
            if argv[i] == flag and i + 1 < len(argv):
                found[flag].append(argv[i + 1])
                i += 1
                break
            if argv[i].startswith(flag) and len(argv[i]) > len(flag):
                found[flag].append(argv[i][len(flag):])
                break
        i += 1
    folders = found["-iquote"] + found["-I"] + found["-isystem"] + found["-idirafter"]
    return [os.path.relpath(os.path.realpath(os.path.join(directory, d)), root) for d in folders]


def side_of(path):
    """Which chapter code a path reaches: exercises, solutions, given, root, or None."""
    if path == ".":
        return "root"  # the checkout's root: `#include "solutions/..."` resolves
    top = path.split(os.sep)[0]
    return top if top in ("exercises", "solutions", "given") else None


def flag_problems(rel, argv, directory, root, reference):
    """What is wrong with one entry's include path, as sentences."""
    sides = [s for s in (side_of(d) for d in search_path(argv, directory, root)) if s]
    shown = " ".join(f"-I{d}" for d in search_path(argv, directory, root)) or "none"
    if reference:
        if "exercises" in sides:
            return [f"{rel}: a reference file's entry searches exercises/ (its include path: {shown})"]
        if not sides or sides[0] != "solutions":
            return [f"{rel}: a reference file's entry does not search solutions/ first (its include path: {shown})"]
        return []
    problems = []
    if "solutions" in sides or "root" in sides:
        what = "solutions/" if "solutions" in sides else "the checkout's root (so \"solutions/...\" resolves)"
        problems.append(f"{rel}: its entry searches {what}: go-to-definition can open the reference "
                        f"(its include path: {shown})")
    elif not sides or sides[0] != "exercises":
        problems.append(f"{rel}: its entry does not search exercises/ first (its include path: {shown})")
    return problems


MISSING = re.compile(r"fatal error: '([^']+)' file not found|fatal error: (\S+): No such file or directory")


def headers_read(rel, argv, directory):
    """Run the entry's preprocessor (-M): (the files it reads, the includes it cannot find, an error)."""
    drop_with_value = {"-o", "-MF", "-MT", "-MQ"}
    args, skip = [], False
    for a in argv:
        if skip:
            skip = False
        elif a in drop_with_value:
            skip = True
        elif a in ("-c", "-fsyntax-only", "-MMD", "-MD", "-MP", "-MG") or a.startswith("-o"):
            pass
        else:
            args.append(a)
    if not shutil.which(args[0]):
        return [], [], f"{rel}: its entry's compiler `{args[0]}` is not installed (cannot check what it resolves)"
    run = subprocess.run(args + ["-M"], cwd=directory, capture_output=True, text=True)
    missing = [m.group(1) or m.group(2) for m in MISSING.finditer(run.stderr)]
    # Any other error is the file's own, not the database's (ch05's state_cases.hpp
    # stops at an #error without its includer's macros), and -M still lists what it read.
    if run.returncode != 0 and not missing and ":" not in run.stdout:
        first = next((line for line in run.stderr.splitlines() if "error" in line), run.stderr.strip())
        return [], [], f"{rel}: its entry does not preprocess: {first}"
    deps = run.stdout.replace("\\\n", " ").split(":", 1)[-1].split()
    return [os.path.realpath(os.path.join(directory, d)) for d in deps], missing, None


def resolution_problems(jobs, root):
    """Run every (file, argv, directory, reference) job's preprocessor: what reads the other
    side, and what it cannot find that its side has (an include path short of a folder)."""
    tests = sorted(os.path.join(d, "tests") for d in os.listdir(root) if CHAPTER.match(d))
    problems = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda job: headers_read(*job[:3]), jobs)
        for (rel, _, _, reference), (deps, missing, error) in zip(jobs, results):
            if error:
                problems.append(error)
                continue
            wrong, side = ("exercises", "solutions") if reference else ("solutions", "exercises")
            for name in missing:
                # (a name found nowhere is a typo in the file, say a learner's, not the database's fault)
                there = [f for f in [side, "given", "include"] + tests if os.path.isfile(os.path.join(root, f, name))]
                if there:
                    problems.append(f"{rel}: its entry cannot find {name}, which is in {there[0]}/")
            for d in deps:
                r = os.path.relpath(d, root)
                if r.split(os.sep)[0] == wrong:
                    problems.append(f"{rel}: its entry resolves an include to {r}")
                    break
    return problems


def clangd_problems(database, learner, root):
    """clangd --check on the first exercises/ header and the first given/ one (a few seconds each)."""
    picks = [next(r for r in learner if r.startswith(top + os.sep) and r.endswith(HEADERS))
             for top in ("exercises", "given") if any(r.startswith(top + os.sep) for r in learner)]
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        # clangd reads a database only under the name compile_commands.json
        shutil.copy(database, os.path.join(tmp, "compile_commands.json"))
        for rel in picks:
            run = subprocess.run(["clangd", f"--compile-commands-dir={tmp}", f"--check={rel}", "--check-lines=1"],
                                 cwd=root, capture_output=True, text=True)
            log = run.stderr.splitlines()
            command = next((line for line in log if "Compile command" in line), "")
            if "Compile command from CDB is:" not in command:
                problems.append(f"{rel}: clangd did not use its entry: {command.split('] ', 1)[-1] or 'no command'}")
                continue
            argv = shlex.split(command.split(" is: ", 1)[1])
            problems += [f"{p} (as clangd read it)" for p in flag_problems(rel, argv, root, root, False)]
            problems += [f"{rel}: clangd reports {line.split('] ', 1)[-1]}" for line in log if line.startswith("E[")]
            if run.returncode != 0 and not any(line.startswith("E[") for line in log):
                problems.append(f"{rel}: clangd --check failed (exit {run.returncode})")
    return problems, picks


def main(argv):
    use_clangd = "--clangd" in argv
    rest = [a for a in argv if a != "--clangd"]
    database = rest[0] if rest else "compile_commands.json"
    root = os.path.realpath(".")
    learner, reference, other = files_on_disk(root)
    entries, problems = load_entries(database, root)
    jobs = []
    for rel in learner + reference + other:
        if rel not in entries:
            problems.append(f"{rel}: has no entry (an editor guesses one from another file)")
            continue
        for argv_, directory in entries[rel]:
            if rel in other:
                continue
            is_reference = rel in reference
            wrong = flag_problems(rel, argv_, directory, root, is_reference)
            problems += wrong
            if not wrong and rel.endswith(HEADERS):
                jobs.append((rel, argv_, directory, is_reference))
    problems += resolution_problems(jobs, root)
    clangd_note = "clangd not run"
    if use_clangd and not problems:
        found, picks = clangd_problems(database, learner, root)
        problems += found
        clangd_note = f"clangd --check used the entries of {' and '.join(picks)}"
    for p in problems:
        print(f"compdb: {p}")
    if problems:
        print(f"compdb: {len(problems)} problem(s) in {database} (make deps writes it: scripts/compdb.sh)")
        return 1
    print(f"compdb: {len(learner)} learner files resolve to exercises/ first, {len(reference)} reference files to "
          f"solutions/, {len(other)} more have entries ({len(jobs)} preprocessed; {clangd_note})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
