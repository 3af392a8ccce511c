#!/usr/bin/env python3
"""Extract Amazon States Language definitions from a folder of repository checkouts.

Usage: extract_definitions.py ROOT OUT_DIR

ROOT holds one entry per repository: a work tree, or a bare git directory (also `NAME/repo`,
the layout `fetch` leaves under /work/.mirror), read at HEAD with git without checking it out.
Every definition found is written to OUT_DIR/<repo>/<path>[.N].json, and OUT_DIR/manifest.tsv
lists file, repository, path inside it and how it was found. Nothing fetched belongs in the asl
repository: point OUT_DIR outside it (e.g. /tmp/wild-corpus).

Sources understood:
  * JSON files (`*.asl.json`, plain `*.json`, `*.json.tpl`, CloudFormation JSON, cdk.out);
  * YAML (SAM / CloudFormation with !Sub, !GetAtt, ... tags; Serverless Framework);
  * Terraform: `definition = jsonencode({...})` (a small HCL-to-JSON reader) and heredocs.
A definition is any object with a string StartAt and an object States (the outermost one);
CloudFormation DefinitionString values (strings, Fn::Sub, Fn::Join) are parsed as JSON too.

Placeholders (`${Name}`, `${aws_lambda_function.x.arn}`, Fn::GetAtt / Ref objects, Terraform
references) become plausible values so the text parses: a placeholder that is a whole Resource
value becomes a Lambda function ARN, any other one a word built from its name; a bare one
outside a JSON string becomes the number 1.

Definitions with QueryLanguage JSONata or Assign are counted (stats "jsonata_or_assign") and
kept like the others.
"""
import hashlib
import json
import os
import re
import subprocess
import sys

import yaml

MAX_SIZE = 2 * 1024 * 1024
SKIP_DIRS = {"node_modules", ".git", "__pycache__", ".terraform", "venv", ".venv"}
TEXT_EXTS = (".json", ".yaml", ".yml", ".template", ".tf", ".tpl", ".tftpl")
MARK = "\u0001"  # brackets a placeholder name until the final pass gives it a value
PLACEHOLDER = re.compile(r"\$\{([^{}]*)\}")


# ---- placeholders ------------------------------------------------------------------------------

def clean_name(expr):
    """A short word for a placeholder expression, e.g. aws_lambda_function.resize.arn -> resize."""
    words = [w for w in re.split(r"[^A-Za-z0-9_-]+", expr) if w]
    skip = {"arn", "Arn", "ARN", "var", "local", "module", "data", "self", "AWS", "id", "name",
            "Name", "invoke_arn", "GetAtt", "Ref", "Fn", "output", "outputs", "value"}
    kept = [w for w in words if w not in skip and not w.startswith("aws_")]
    word = kept[-1] if kept else (words[-1] if words else "placeholder")
    return word[:60] or "placeholder"


def mark(expr):
    return MARK + re.sub(r"[\u0001\"\\]", "", expr)[:200] + MARK


def substitute_text(text):
    """Marks `${...}` inside JSON strings, turns bare ones into 1. Tracks strings by scanning."""
    out = []
    i, n, in_str = 0, len(text), False
    while i < n:
        c = text[i]
        if in_str and c == "\\" and i + 1 < n:
            out.append(text[i:i + 2])
            i += 2
            continue
        if c == '"':
            in_str = not in_str
        if c == "$" and i + 1 < n and text[i + 1] == "{":
            depth, j = 0, i + 1
            while j < n:
                if text[j] == "{":
                    depth += 1
                elif text[j] == "}":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j < n:
                expr = text[i + 2:j]
                if in_str:
                    out.append(mark(expr))
                else:  # a bare placeholder is a number (or an object we cannot know): use the key's
                    key = re.search(r'"([A-Za-z]+)"\s*:\s*$', "".join(out[-40:]))
                    out.append(str(NUMBER_FIELDS.get(key.group(1), 1) if key else 1))
                i = j + 1
                continue
        out.append(c)
        i += 1
    return "".join(out)


# Numeric fields: a SAM DefinitionSubstitutions placeholder there (`Seconds: ${Wait}`) becomes a
# number once substituted. Distinct plausible values keep HeartbeatSeconds < TimeoutSeconds.
NUMBER_FIELDS = {"HeartbeatSeconds": 60, "TimeoutSeconds": 3600, "Seconds": 10, "MaxConcurrency": 10,
                 "MaxAttempts": 3, "IntervalSeconds": 2, "BackoffRate": 2, "MaxDelaySeconds": 60,
                 "ToleratedFailurePercentage": 5, "ToleratedFailureCount": 1, "MaxItems": 100,
                 "MaxItemsPerBatch": 10, "MaxInputBytesPerBatch": 1024}


def placeholder_value(name, key):
    word = clean_name(name)
    if key in NUMBER_FIELDS:
        return NUMBER_FIELDS[key]
    if key == "Resource" or re.search(r"arn", name, re.I) and key in ("Resource", "FunctionName", "StateMachineArn"):
        return "arn:aws:lambda:us-east-1:123456789012:function:" + word
    return word


def is_intrinsic(v):
    return isinstance(v, dict) and len(v) == 1 and next(iter(v)) in (
        "Ref", "Fn::GetAtt", "Fn::Sub", "Fn::Join", "Fn::ImportValue", "Fn::If", "Fn::Select",
        "Fn::FindInMap", "Fn::Base64", "Fn::Split", "Condition")


def intrinsic_name(v):
    return clean_name(json.dumps(v))


def finalize(v, key=None):
    """Gives every marked placeholder and CloudFormation intrinsic object its value (iterative)."""
    root = [v]
    stack = [(root, 0, key)]
    while stack:
        holder, idx, k = stack.pop()
        x = holder[idx]
        if isinstance(x, str):
            if "${" in x:  # YAML / Definition objects: placeholders were never inside JSON text
                x = PLACEHOLDER.sub(lambda m: mark(m.group(1)), x)
                holder[idx] = x
            if MARK in x:
                parts = x.split(MARK)
                if len(parts) == 3 and parts[0] == "" and parts[2] == "":
                    holder[idx] = placeholder_value(parts[1], k)
                else:
                    holder[idx] = "".join(clean_name(p) if i % 2 else p for i, p in enumerate(parts))
        elif is_intrinsic(x):
            holder[idx] = placeholder_value(intrinsic_name(x), k)
        elif isinstance(x, dict):
            items = list(x.items())
            x.clear()
            for kk, vv in items:
                if not isinstance(kk, str):  # YAML keys such as `on:` or `1:`
                    kk = json.dumps(kk)
                kk = kk.replace(MARK, "")
                x[kk] = vv
            for kk in x:
                stack.append((x, kk, kk))
        elif isinstance(x, list):
            for i in range(len(x)):
                stack.append((x, i, k))
    return root[0]


# ---- CloudFormation ----------------------------------------------------------------------------

class CfnLoader(yaml.SafeLoader):
    pass


def _cfn_tag(loader, suffix, node):
    tag = suffix
    if isinstance(node, yaml.ScalarNode):
        val = loader.construct_scalar(node)
        if tag == "GetAtt" and isinstance(val, str):
            val = val.split(".")
    elif isinstance(node, yaml.SequenceNode):
        val = loader.construct_sequence(node, deep=True)
    else:
        val = loader.construct_mapping(node, deep=True)
    return {"Ref" if tag == "Ref" else ("Condition" if tag == "Condition" else "Fn::" + tag): val}


CfnLoader.add_multi_constructor("!", _cfn_tag)
# YAML 1.2 core schema, as the tools that read these files use it (js-yaml for the Serverless
# Framework, CloudFormation): only true/false are booleans (a state named `Yes` stays a string),
# and timestamps stay strings (a Wait state's Timestamp is text).
CfnLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}
CfnLoader.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                list("tTfF"))


def cfn_to_text(v):
    """DefinitionString value -> JSON text with ${} placeholders, or None."""
    if isinstance(v, str):
        return v
    if isinstance(v, dict) and len(v) == 1:
        k, a = next(iter(v.items()))
        if k == "Fn::Sub":
            return a if isinstance(a, str) else (a[0] if isinstance(a, list) and a and isinstance(a[0], str) else None)
        if k == "Fn::Join" and isinstance(a, list) and len(a) == 2 and isinstance(a[1], list):
            parts = []
            for p in a[1]:
                if isinstance(p, str):
                    parts.append(p)
                else:
                    sub = cfn_to_text(p) if isinstance(p, dict) and "Fn::Sub" in p else None
                    parts.append(sub if sub is not None else "${" + intrinsic_name(p) + "}")
            return (a[0] if isinstance(a[0], str) else "").join(parts)
    return None


# ---- Terraform (HCL expressions, just enough for jsonencode objects) --------------------------

class Hcl:
    def __init__(self, s):
        self.s, self.i = s, 0

    def ws(self, newlines=True):
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c in " \t\r" or (newlines and c in "\n,"):
                self.i += 1
            elif c == "#" or s.startswith("//", self.i):
                while self.i < len(s) and s[self.i] != "\n":
                    self.i += 1
            elif s.startswith("/*", self.i):
                j = s.find("*/", self.i + 2)
                self.i = len(s) if j < 0 else j + 2
            else:
                break

    def value(self):
        self.ws()
        c = self.s[self.i]
        if c == "{":
            return self.obj()
        if c == "[":
            return self.arr()
        if c == '"':
            return self.string()
        return self.expr()

    def obj(self):
        self.i += 1
        out = {}
        while True:
            self.ws()
            if self.s[self.i] == "}":
                self.i += 1
                return out
            if self.s[self.i] == '"':
                key = self.string()
            elif self.s[self.i] == "(":
                key = self.expr_text()
            else:
                m = re.compile(r"[A-Za-z0-9_.\-]+").match(self.s, self.i)
                if not m:
                    raise ValueError("bad key at %d" % self.i)
                key = m.group(0)
                self.i = m.end()
            self.ws(False)
            if self.s[self.i] not in "=:":
                raise ValueError("expected = at %d" % self.i)
            self.i += 1
            out[key] = self.value()

    def arr(self):
        self.i += 1
        out = []
        while True:
            self.ws()
            if self.s[self.i] == "]":
                self.i += 1
                return out
            out.append(self.value())

    def string(self):
        s, i = self.s, self.i + 1
        out = []
        while s[i] != '"':
            if s[i] == "\\":
                esc = s[i + 1]
                out.append({"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}.get(esc, "\\" + esc))
                i += 2
            elif s.startswith("${", i) or s.startswith("%{", i):
                depth, j = 0, i + 1
                while True:
                    if s[j] == "{":
                        depth += 1
                    elif s[j] == "}":
                        depth -= 1
                        if depth == 0:
                            break
                    elif s[j] == '"':  # a string inside the interpolation
                        j += 1
                        while s[j] != '"':
                            j += 2 if s[j] == "\\" else 1
                    j += 1
                out.append(mark(s[i + 2:j]))
                i = j + 1
            elif s.startswith("$${", i):
                out.append("${")
                i += 3
            else:
                out.append(s[i])
                i += 1
        self.i = i + 1
        return "".join(out)

    def expr_text(self):
        s, start, depth = self.s, self.i, 0
        while self.i < len(s):
            c = s[self.i]
            if c == '"':
                self.string()
                continue
            if c in "([{":
                depth += 1
            elif c in ")]}":
                if depth == 0:
                    break
                depth -= 1
            elif depth == 0 and c in ",\n":
                break
            self.i += 1
        return s[start:self.i].strip()

    def expr(self):
        t = self.expr_text()
        if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", t):
            return json.loads(t)
        if t in ("true", "false", "null"):
            return json.loads(t)
        if t.startswith("jsonencode(") and t.endswith(")"):
            try:
                return Hcl(t[len("jsonencode("):-1]).value()
            except (ValueError, IndexError):
                pass
        return mark(t)


def balanced(text, start, open_c, close_c):
    """Index just past the bracket matching text[start] (strings skipped), or -1."""
    depth, i, n = 0, start, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
        elif c == open_c:
            depth += 1
        elif c == close_c:
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return -1


def terraform_definitions(text):
    out = []
    for m in re.finditer(r"\bdefinition\s*=\s*jsonencode\(", text):
        end = balanced(text, m.end() - 1, "(", ")")
        if end < 0:
            continue
        try:
            out.append(("terraform-jsonencode", Hcl(text[m.end():end - 1]).value()))
        except (ValueError, IndexError, KeyError):
            pass
    # Any heredoc holding a definition: `definition = <<EOF`, but also locals and variables.
    for m in re.finditer(r"<<-?\s*\"?([A-Za-z_][A-Za-z0-9_]*)\"?[ \t]*\r?\n", text):
        tag = m.group(1)
        e = re.compile(r"^\s*" + tag + r"\s*$", re.M).search(text, m.end())
        if e and "StartAt" in text[m.end():e.start()]:
            out.append(("terraform-heredoc", text[m.end():e.start()]))
    return out


# ---- finding definitions in parsed documents ---------------------------------------------------

def is_definition(v):
    return isinstance(v, dict) and isinstance(v.get("StartAt"), str) and isinstance(v.get("States"), dict)


def find_definitions(doc):
    """Outermost definitions inside a parsed document, and DefinitionString texts (iterative)."""
    found, texts = [], []
    stack = [doc]
    while stack:
        x = stack.pop()
        if is_definition(x):
            found.append(x)
            continue
        if isinstance(x, dict):
            for k, v in x.items():
                if k in ("DefinitionString", "definitionString", "definition_string"):
                    t = cfn_to_text(v)
                    if t is not None:
                        texts.append(t)
                        continue
                if isinstance(v, str) and k in ("definition", "Definition") and "StartAt" in v:
                    texts.append(v)
                    continue
                stack.append(v)
        elif isinstance(x, list):
            stack.extend(x)
    return found, texts


def parse_json_text(text):
    try:
        return json.loads(substitute_text(text), strict=False)
    except (ValueError, RecursionError):
        return None


def uses_jsonata_or_assign(defn):
    """JSONata or Assign anywhere (machine, states, branches, item processors)."""
    stack = [defn]
    while stack:
        x = stack.pop()
        if isinstance(x, dict):
            if x.get("QueryLanguage") == "JSONata" or ("Assign" in x and "Type" in x):
                return True
            stack.extend(x.values())
        elif isinstance(x, list):
            stack.extend(x)
        elif isinstance(x, str) and x.startswith("{%") and x.rstrip().endswith("%}"):
            return True
    return False


def definitions_in_file(path, text):
    """(kind, definition object) pairs found in one file."""
    lower = path.lower()
    results, texts = [], []
    docs = []
    if lower.endswith((".json", ".tpl", ".tftpl", ".template")):
        d = parse_json_text(text)
        if d is not None:
            docs.append(("json", d))
        elif lower.endswith(".template"):
            try:
                docs.append(("yaml", yaml.load(text, Loader=CfnLoader)))
            except yaml.YAMLError:
                pass
    elif lower.endswith((".yaml", ".yml")):
        if "StartAt" not in text and "DefinitionString" not in text:
            return []
        try:
            for d in yaml.load_all(text, Loader=CfnLoader):
                docs.append(("yaml", d))
        except yaml.YAMLError:
            pass
    elif lower.endswith(".tf"):
        if "definition" not in text:
            return []
        for kind, v in terraform_definitions(text):
            if isinstance(v, str):
                d = parse_json_text(v)
                if d is not None:
                    docs.append((kind, d))
            else:
                docs.append((kind, v))
    for kind, d in docs:
        found, more = find_definitions(d)
        results.extend((kind, f) for f in found)
        texts.extend((kind + "-string", t) for t in more)
    for kind, t in texts:
        d = parse_json_text(t)
        if d is not None:
            found, _ = find_definitions(d)
            results.extend((kind, f) for f in found)
    return results


# ---- walking repositories ----------------------------------------------------------------------

def is_bare_git(p):
    return os.path.isfile(os.path.join(p, "HEAD")) and os.path.isdir(os.path.join(p, "objects"))


def wanted(path):
    parts = path.split("/")
    return path.lower().endswith(TEXT_EXTS) and not any(p in SKIP_DIRS for p in parts[:-1]) \
        and not parts[-1].startswith(("package-lock", "package.json", "tsconfig", "cdk.context"))


def files_from_git(gitdir):
    ls = subprocess.run(["git", "--git-dir", gitdir, "ls-tree", "-r", "-l", "HEAD"],
                        capture_output=True, text=True, check=False).stdout
    entries = []
    for line in ls.splitlines():
        meta, path = line.split("\t", 1)
        _, typ, sha, size = meta.split()
        if typ == "blob" and size.isdigit() and int(size) <= MAX_SIZE and wanted(path):
            entries.append((path, sha))
    if not entries:
        return
    proc = subprocess.Popen(["git", "--git-dir", gitdir, "cat-file", "--batch"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    for path, sha in entries:
        proc.stdin.write((sha + "\n").encode())
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        if len(header) != 3:  # "<sha> missing": the snapshot left the blob out
            continue
        size = int(header[2])
        data = proc.stdout.read(size)
        proc.stdout.read(1)
        yield path, data
    proc.stdin.close()
    proc.wait()


def files_from_tree(root):
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in SKIP_DIRS]
        for f in filenames:
            full = os.path.join(dirpath, f)
            rel = os.path.relpath(full, root).replace(os.sep, "/")
            if wanted(rel) and os.path.getsize(full) <= MAX_SIZE:
                with open(full, "rb") as fh:
                    yield rel, fh.read()


def repositories(root):
    for name in sorted(os.listdir(root)):
        p = os.path.join(root, name)
        if not os.path.isdir(p):
            continue
        if is_bare_git(p):
            yield name, files_from_git(p)
        elif is_bare_git(os.path.join(p, "repo")):
            yield name, files_from_git(os.path.join(p, "repo"))
        else:
            yield name, files_from_tree(p)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, out_dir = sys.argv[1], sys.argv[2]
    os.makedirs(out_dir, exist_ok=True)
    seen = set()
    stats = {"repos": 0, "repos_with_definitions": 0, "found": 0, "duplicates": 0,
             "jsonata_or_assign": 0, "written": 0}
    manifest = []
    for repo, files in repositories(root):
        stats["repos"] += 1
        wrote_any = False
        for path, data in files:
            try:
                text = data.decode("utf-8")
            except UnicodeDecodeError:
                continue
            if "StartAt" not in text:
                continue
            try:
                found = definitions_in_file(path, text)
            except (RecursionError, IndexError, ValueError, TypeError, AttributeError):
                continue
            for n, (kind, defn) in enumerate(found):
                stats["found"] += 1
                defn = finalize(defn)
                body = json.dumps(defn, indent=2, ensure_ascii=False)
                digest = hashlib.sha256(json.dumps(defn, sort_keys=True).encode()).hexdigest()
                if digest in seen:
                    stats["duplicates"] += 1
                    continue
                seen.add(digest)
                name = re.sub(r"[^A-Za-z0-9._-]+", "_", path.replace("/", "__"))[-150:]
                rel = os.path.join(repo, name + ("" if n == 0 else ".%d" % n) + ".json")
                os.makedirs(os.path.join(out_dir, repo), exist_ok=True)
                with open(os.path.join(out_dir, rel), "w", encoding="utf-8") as fh:
                    fh.write(body + "\n")
                manifest.append((rel, repo, path, kind))
                stats["written"] += 1
                stats["jsonata_or_assign"] += uses_jsonata_or_assign(defn)
                wrote_any = True
        stats["repos_with_definitions"] += wrote_any
    with open(os.path.join(out_dir, "manifest.tsv"), "w", encoding="utf-8") as fh:
        fh.write("file\trepository\tpath\tkind\n")
        for row in manifest:
            fh.write("\t".join(row) + "\n")
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
