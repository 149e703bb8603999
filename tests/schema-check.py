#!/usr/bin/python3
"""schema-check.py: validates tally summaries against docs/summary.schema.json.

    schema-check.py [--min N] [--expect-invalid] SCHEMA PATH...

PATH is a summary file or a folder of them (every regular file in it). Without --expect-invalid,
every file must validate and there must be at least N of them (default 1); with it, every file
must be rejected (the broken copies that prove the schema can fail). Exit status: 0 as expected,
1 otherwise, 77 when the jsonschema module is missing (Debian's python3-jsonschema), so that
the caller can report a skip.

Files are read as strict JSON: a duplicate key or a NaN is an error here too, because tally's own
reader refuses them and JSON Schema cannot see them."""
import importlib.metadata
import json
import os
import sys

try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError as e:
    print("SKIP: python3-jsonschema is not installed (%s)" % e)
    sys.exit(77)
VERSION = importlib.metadata.version("jsonschema")


class Invalid(Exception):
    pass


def no_duplicates(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise Invalid("duplicate key %s" % json.dumps(k))
        obj[k] = v
    return obj


def no_constants(name):
    raise Invalid("%s is not JSON" % name)


def where(path):
    return "/" + "/".join(str(p) for p in path)


def problems(validator, path):
    """The list of problems of one file, empty when it validates."""
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"), object_pairs_hook=no_duplicates,
                             parse_constant=no_constants)
    except (Invalid, ValueError, UnicodeDecodeError) as e:
        return ["not strict JSON: %s" % e]
    out = []
    for err in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        msg = err.message
        if len(msg) > 200:
            msg = msg[:200] + "..."
        out.append("%s: %s" % (where(err.absolute_path), msg))
        # for oneOf, also say why each branch failed
        for sub in err.context or ():
            out.append("    %s: %s" % (where(sub.absolute_path), sub.message[:200]))
    return out


def files_of(args):
    out = []
    for a in args:
        if os.path.isdir(a):
            out += sorted(os.path.join(a, n) for n in os.listdir(a)
                          if os.path.isfile(os.path.join(a, n)))
        else:
            out.append(a)
    return out


def main(argv):
    minimum, expect_invalid = 1, False
    while argv and argv[0].startswith("--"):
        if argv[0] == "--min" and len(argv) > 1:
            minimum = int(argv[1])
            argv = argv[2:]
        elif argv[0] == "--expect-invalid":
            expect_invalid = True
            argv = argv[1:]
        else:
            break
    if len(argv) < 2:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    with open(argv[0], "rb") as f:
        schema = json.loads(f.read().decode("utf-8"), object_pairs_hook=no_duplicates)
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    files = files_of(argv[1:])
    ok = True
    n_valid = n_rejected = 0
    for path in files:
        found = problems(validator, path)
        if expect_invalid:
            if found:
                n_rejected += 1
                print("rejected as expected: %s: %s" % (path, found[0].strip()))
            else:
                print("ACCEPTED, expected a rejection: %s" % path)
                ok = False
        elif found:
            ok = False
            print("INVALID: %s" % path)
            for line in found:
                print("  " + line)
        else:
            n_valid += 1
    if expect_invalid:
        print("%d of %d files rejected (jsonschema %s)" % (n_rejected, len(files), VERSION))
        return 0 if ok and files else 1
    print("%d of %d summaries valid (jsonschema %s)" % (n_valid, len(files), VERSION))
    if len(files) < minimum:
        print("too few summaries: %d, expected at least %d" % (len(files), minimum))
        ok = False
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
