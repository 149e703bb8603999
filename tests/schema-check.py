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
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen = set()
        for k, _ in pairs:
            if k in seen:
                raise Invalid("duplicate key %s" % json.dumps(k))
            seen.add(k)
    return obj


def no_constants(name):
    raise Invalid("%s is not JSON" % name)


def where(path):
    return "/" + "/".join(str(p) for p in path)


def errors_of(validator, schema, doc):
    """(path, error) for every schema error of doc. A member that maps names to entries (keywords,
    groups: additionalProperties is a schema) is checked apart, each distinct entry once, so a
    summary of a million keywords that are mostly alike takes seconds, not a minute; what is
    checked is the same."""
    maps = {}
    if isinstance(doc, dict):
        for name, sub in schema.get("properties", {}).items():
            if (isinstance(sub.get("additionalProperties"), dict) and isinstance(doc.get(name), dict)
                    and "properties" not in sub and "patternProperties" not in sub):
                maps[name] = sub
    if not maps:
        return [((), e) for e in validator.iter_errors(doc)]
    rest = dict(doc)
    for name in maps:
        rest[name] = {}
    out = [((), e) for e in validator.iter_errors(rest)]
    for name, sub in maps.items():
        m = doc[name]
        # the map itself (its type, its names), without looking at the entries
        shape = {k: v for k, v in sub.items() if k not in ("additionalProperties", "propertyNames")}
        out += [((name,), e) for e in validator.evolve(schema=shape).iter_errors(m)]
        names = sub.get("propertyNames")
        if names is not None:
            # a names schema of lengths only decides by a name's length: one name per length
            by_length = set(names) <= {"description", "minLength", "maxLength"}
            check = validator.evolve(schema={"propertyNames": names})
            seen = set()
            for key in m:
                if by_length:
                    if len(key) in seen:
                        continue
                    seen.add(len(key))
                out += [((name,), e) for e in check.iter_errors({key: None})]
        entry = validator.evolve(schema=sub["additionalProperties"])
        seen = set()
        for key, value in m.items():
            text = repr(value)  # tells 1, 1.0 and True apart, as JSON types do
            if text not in seen:
                seen.add(text)
                out += [((name, key), e) for e in entry.iter_errors(value)]
    return out


def problems(validator, schema, path):
    """The list of problems of one file, empty when it validates."""
    try:
        with open(path, "rb") as f:
            doc = json.loads(f.read().decode("utf-8"), object_pairs_hook=no_duplicates,
                             parse_constant=no_constants)
    except (Invalid, ValueError, UnicodeDecodeError) as e:
        return ["not strict JSON: %s" % e]
    out = []
    found = errors_of(validator, schema, doc)
    for at, err in sorted(found, key=lambda f: list(map(str, f[0] + tuple(f[1].absolute_path)))):
        msg = err.message
        if len(msg) > 200:
            msg = msg[:200] + "..."
        out.append("%s: %s" % (where(at + tuple(err.absolute_path)), msg))
        # for oneOf, also say why each branch failed
        for sub in err.context or ():
            out.append("    %s: %s" % (where(at + tuple(sub.absolute_path)), sub.message[:200]))
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
        found = problems(validator, schema, path)
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
