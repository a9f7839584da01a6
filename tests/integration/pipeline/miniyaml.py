"""Just enough YAML, and of GitHub's ${{ }} expressions, for test_pipeline.py
to read ci/action.yml and ci/gitlab-profgate.yml and play them (the tests use
the standard library only, and Debian's python3 has no YAML module).

The YAML subset: block mappings and sequences by indentation, plain, single-
and double-quoted scalars, literal block scalars (|), one-line flow sequences
and mappings, comments, anchors (&a) and aliases (*a). Scalars stay strings.
Where it reads a document, it reads it as a YAML parser does: in particular a
plain scalar holding ": " is a mapping (GitLab then refuses a script line
like `- echo "note: x"`), and " #" starts a comment even inside quotes of a
plain scalar. Anything outside the subset is an error, never a guess.
"""

import re


class YamlError(ValueError):
    pass


def load(text):
    return _Parser(text.splitlines()).parse()


def _strip_comment(s):
    """Removes a trailing comment: ' #' outside a quoted scalar."""
    s = s.rstrip()
    start = 0
    if s[:1] in ("'", '"'):
        end = _quoted_end(s)
        start = end + 1
    m = re.search(r"(^|\s)#", s[start:])
    if m:
        s = s[:start + m.start()].rstrip()
    return s


def _quoted_end(s):
    """Index of the quote closing the quoted scalar that starts s."""
    q = s[0]
    i = 1
    while i < len(s):
        if q == "'" and s[i] == "'":
            if s[i + 1:i + 2] == "'":
                i += 2
                continue
            return i
        if q == '"' and s[i] == "\\":
            i += 2
            continue
        if q == '"' and s[i] == '"':
            return i
        i += 1
    raise YamlError("unterminated quoted scalar: %s" % s)


def _unquote(s):
    end = _quoted_end(s)
    if s[end + 1:].strip():
        raise YamlError("text after a quoted scalar: %s" % s)
    body = s[1:end]
    if s[0] == "'":
        return body.replace("''", "'")
    escapes = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "/": "/", "0": "\0"}
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\":
            if body[i + 1:i + 2] not in escapes:
                raise YamlError("escape not supported here: %s" % s)
            out.append(escapes[body[i + 1]])
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def _split_key(content):
    """(key, rest) when the line is a mapping entry, else None."""
    if content[:1] in ("'", '"'):
        end = _quoted_end(content)
        after = content[end + 1:]
        if after.startswith(":") and (len(after) == 1 or after[1] == " "):
            return _unquote(content[:end + 1]), after[1:].strip()
        return None
    if content[:1] in ("[", "{"):
        return None
    m = re.search(r":( |$)", content)
    if not m:
        return None
    return content[:m.start()].strip(), content[m.end():].strip()


def _is_dash(content):
    return content == "-" or content.startswith("- ")


class _Parser:

    def __init__(self, raw):
        self.raw = list(raw)
        self.anchors = {}

    def parse(self):
        i = self.skip(0)
        if i >= len(self.raw):
            return None
        node, i = self.block(i, self.indent(i))
        i = self.skip(i)
        if i < len(self.raw):
            raise YamlError("line %d: unexpected indentation: %r" % (i + 1, self.raw[i]))
        return node

    def skip(self, i):
        while i < len(self.raw):
            s = self.raw[i].strip()
            if s and not s.startswith("#"):
                break
            i += 1
        return i

    def indent(self, i):
        line = self.raw[i]
        if "\t" in line[:len(line) - len(line.lstrip())]:
            raise YamlError("line %d: tab in indentation" % (i + 1))
        return len(line) - len(line.lstrip(" "))

    def content(self, i):
        return self.raw[i].strip()

    def block(self, i, ind):
        c = self.content(i)
        if _is_dash(c):
            return self.seq(i, ind)
        if _split_key(_strip_comment(c)) is not None:
            return self.mapping(i, ind)
        return self.scalar(c), i + 1

    def seq(self, i, ind):
        items = []
        while True:
            i = self.skip(i)
            if i >= len(self.raw) or self.indent(i) < ind:
                break
            if self.indent(i) > ind:
                raise YamlError("line %d: unexpected indentation" % (i + 1))
            c = self.content(i)
            if not _is_dash(c):
                break
            rest = c[1:]
            if not rest.strip():
                nxt = self.skip(i + 1)
                if nxt < len(self.raw) and self.indent(nxt) > ind:
                    node, i = self.block(nxt, self.indent(nxt))
                else:
                    node, i = None, i + 1
            else:
                item_ind = ind + 1 + len(rest) - len(rest.lstrip())
                # Read "- key: v" as the mapping "key: v" indented to its key.
                self.raw[i] = " " * item_ind + rest.lstrip()
                node, i = self.block(i, item_ind)
            items.append(node)
        return items, i

    def mapping(self, i, ind):
        d = {}
        while True:
            i = self.skip(i)
            if i >= len(self.raw) or self.indent(i) < ind:
                break
            if self.indent(i) > ind:
                raise YamlError("line %d: unexpected indentation: %r" % (i + 1, self.raw[i]))
            c = self.content(i)
            if _is_dash(c):
                break
            kv = _split_key(_strip_comment(c))
            if kv is None:
                raise YamlError("line %d: not a mapping entry: %r" % (i + 1, c))
            key, rest = kv
            if key in d:
                raise YamlError("line %d: key %r given twice" % (i + 1, key))
            anchor = None
            if rest.startswith("&"):
                parts = rest[1:].split(None, 1)
                anchor, rest = parts[0], (parts[1] if len(parts) > 1 else "")
            if rest in ("|", "|-", "|+"):
                node, i = self.literal(i, ind, rest)
            elif rest == "":
                nxt = self.skip(i + 1)
                if nxt < len(self.raw) and (self.indent(nxt) > ind or
                                            (self.indent(nxt) == ind and _is_dash(self.content(nxt)))):
                    node, i = self.block(nxt, self.indent(nxt))
                else:
                    node, i = None, i + 1
            else:
                node, i = self.scalar(rest), i + 1
            if anchor:
                self.anchors[anchor] = node
            d[key] = node
        return d, i

    def literal(self, i, ind, style):
        lines, j = [], i + 1
        block_ind = None
        while j < len(self.raw):
            line = self.raw[j]
            if line.strip():
                cur = len(line) - len(line.lstrip(" "))
                if cur <= ind:
                    break
                if block_ind is None:
                    block_ind = cur
                if cur < block_ind:
                    raise YamlError("line %d: block scalar less indented than its first line" % (j + 1))
                lines.append(line[block_ind:])
            else:
                lines.append("")
            j += 1
        while lines and lines[-1] == "":
            lines.pop()
        text = "\n".join(lines)
        if style == "|" and lines:
            text += "\n"
        return text, j

    def scalar(self, s):
        s = _strip_comment(s)
        if s.startswith("*"):
            name = s[1:]
            if name not in self.anchors:
                raise YamlError("unknown alias *%s" % name)
            return self.anchors[name]
        if s.startswith("&"):
            raise YamlError("anchor on a scalar not supported: %s" % s)
        if s[:1] in ("'", '"'):
            return _unquote(s)
        if s.startswith("["):
            if not s.endswith("]"):
                raise YamlError("multi-line flow sequence not supported: %s" % s)
            inner = s[1:-1].strip()
            return [self.scalar(x.strip()) for x in inner.split(",")] if inner else []
        if s.startswith("{"):
            if not s.endswith("}"):
                raise YamlError("multi-line flow mapping not supported: %s" % s)
            out = {}
            for part in filter(None, (x.strip() for x in s[1:-1].split(","))):
                kv = _split_key(part)
                if kv is None:
                    raise YamlError("not a key: value pair in a flow mapping: %s" % part)
                out[kv[0]] = self.scalar(kv[1]) if kv[1] else None
            return out
        if s.startswith(("|", ">", "!", "%", "@", "`")):
            raise YamlError("not supported here: %s" % s)
        return s


# -- GitHub Actions expressions ------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<num>\d+(?:\.\d+)?)|(?P<op>==|!=|&&|\|\||!|\(|\)|,)"
                    r"|(?P<name>[A-Za-z_][A-Za-z0-9_.\-]*))")


def _tokens(expr):
    pos, out = 0, []
    while pos < len(expr):
        if expr[pos:].strip() == "":
            break
        m = _TOKEN.match(expr, pos)
        if not m or m.end() == pos:
            raise YamlError("cannot read the expression %r at %r" % (expr, expr[pos:]))
        out.append((m.lastgroup, m.group(m.lastgroup)))
        pos = m.end()
    return out


def _truthy(v):
    return v not in (None, "", 0, False)


def _loose_eq(a, b):
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()
    return a == b


class _Expr:
    """Recursive descent over || , &&, ==/!=, !, primaries; GitHub's
    semantics: && and || give one of their operands, strings compare
    case-insensitively, a missing property is null."""

    def __init__(self, expr, context, status):
        self.toks = _tokens(expr)
        self.pos = 0
        self.context = context
        self.status = status
        self.uses_status = False

    def peek(self):
        return self.toks[self.pos] if self.pos < len(self.toks) else (None, None)

    def take(self, value=None):
        tok = self.peek()
        if tok[0] is None or (value is not None and tok[1] != value):
            raise YamlError("expected %r in expression" % value)
        self.pos += 1
        return tok

    def run(self):
        v = self.or_()
        if self.pos != len(self.toks):
            raise YamlError("unexpected %r in expression" % (self.peek()[1],))
        return v

    def or_(self):
        v = self.and_()
        while self.peek()[1] == "||":
            self.take()
            rhs = self.and_()
            v = v if _truthy(v) else rhs
        return v

    def and_(self):
        v = self.eq()
        while self.peek()[1] == "&&":
            self.take()
            rhs = self.eq()
            v = rhs if _truthy(v) else v
        return v

    def eq(self):
        v = self.unary()
        while self.peek()[1] in ("==", "!="):
            op = self.take()[1]
            rhs = self.unary()
            v = _loose_eq(v, rhs) if op == "==" else not _loose_eq(v, rhs)
        return v

    def unary(self):
        if self.peek()[1] == "!":
            self.take()
            return not _truthy(self.unary())
        return self.primary()

    def primary(self):
        kind, text = self.take()
        if kind == "str":
            return text[1:-1].replace("''", "'")
        if kind == "num":
            return float(text) if "." in text else int(text)
        if text == "(":
            v = self.or_()
            self.take(")")
            return v
        if kind != "name":
            raise YamlError("unexpected %r in expression" % text)
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek()[1] == "(":
            self.take("(")
            args = []
            while self.peek()[1] != ")":
                args.append(self.or_())
                if self.peek()[1] == ",":
                    self.take()
            self.take(")")
            return self.call(text, args)
        value = self.context
        for part in text.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def call(self, name, args):
        if name in ("always", "success", "failure", "cancelled"):
            self.uses_status = True
            return {"always": True, "success": self.status == "success",
                    "failure": self.status == "failure", "cancelled": False}[name]
        if name == "format":
            fmt = str(args[0])
            for k, a in enumerate(args[1:]):
                fmt = fmt.replace("{%d}" % k, to_string(a))
            return fmt
        raise YamlError("function %s() not supported" % name)


def to_string(v):
    if v is None:
        return ""
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


def evaluate(expr, context, status="success"):
    return _Expr(expr, context, status).run()


def condition(text, context, status):
    """A step's `if:` as GitHub decides it: an expression (with or without
    ${{ }}) that implies `success() &&` unless it calls a status function."""
    if text is None:
        return status == "success"
    text = text.strip()
    if text.startswith("${{") and text.endswith("}}"):
        text = text[3:-2]
    e = _Expr(text, context, status)
    v = e.run()
    if not e.uses_status and status != "success":
        return False
    return _truthy(v)


def substitute(text, context, status="success"):
    """Replaces every ${{ expr }} of a string."""
    if text is None:
        return None
    return re.sub(r"\$\{\{(.*?)\}\}", lambda m: to_string(evaluate(m.group(1), context, status)), text)
