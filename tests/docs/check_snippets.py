#!/usr/bin/python3
"""Compiles every ```cpp snippet of the given Markdown files against <tandem/tandem.h>.

Each snippet becomes one translation unit, compiled with -fsyntax-only:
  - `#include` and `using namespace` lines of the snippet go first;
  - a snippet with its own `int main` is compiled as written;
  - otherwise top-level definitions (class, struct, template, functions, TANDEM_REGISTER_*) stay
    at namespace scope and the remaining statements are wrapped in a function.
Every snippet gets `#include <tandem/tandem.h>` and the namespaces the docs assume (`using
namespace tandem; using namespace tandem::layers;`). What the surrounding prose says exists (a
`model`, tensors `x` and `y`) is declared by HTML comments right above the fence, invisible on
the rendered page and put at namespace scope before the snippet:
  <!-- snippet-prelude: Tensor x, y; -->
`#line` maps compiler messages back to the Markdown file and line.

A snippet that is deliberately partial is skipped when it contains the comment
`// docs-snippet: skip`. Usage: check_snippets.py --cxx g++ [--flag F]... file.md...
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

SKIP = "// docs-snippet: skip"
TOP_LEVEL = re.compile(
    r"^(class|struct|template|namespace|enum|TANDEM_REGISTER_|static |inline |"
    r"[A-Za-z_][\w:<>,* &]*\s+[A-Za-z_]\w*\([^;]*\)\s*(const\s*)?\{\s*$)")


PRELUDE = re.compile(r"^<!-- snippet-prelude: (.*) -->$")


def snippets(path):
    """(first line number of the code, prelude lines, code lines) for each ```cpp block."""
    out, code, start, prelude = [], None, 0, []
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            stripped = line.strip()
            if code is None and stripped in ("```cpp", "```c++"):
                code, start = [], number + 1
            elif code is not None and stripped == "```":
                out.append((start, prelude, code))
                code, prelude = None, []
            elif code is not None:
                code.append(line.rstrip("\n"))
            elif PRELUDE.match(stripped):
                prelude.append(PRELUDE.match(stripped).group(1))
            elif stripped:
                prelude = []  # a prelude belongs to the fence right below it
    return out


def translation_unit(path, start, prelude, lines):
    """The snippet as a compilable file."""
    head = ["#include <tandem/tandem.h>", "using namespace tandem;",
            "using namespace tandem::layers;"]
    top, body = list(prelude), []
    has_main = any(re.match(r"\s*int\s+main\s*\(", l) for l in lines)
    depth = 0  # brace depth of the top-level definition being copied
    for i, line in enumerate(lines):
        mark = f'#line {start + i} "{path}"'
        if depth == 0 and (line.startswith("#include") or line.startswith("using namespace")):
            head += [mark, line]
            continue
        if has_main or depth > 0 or TOP_LEVEL.match(line):
            top += [mark, line]
            depth += line.count("{") - line.count("}")
            continue
        body += [mark, line]
    text = head + top
    if body:
        text += ["void docs_snippet() {"] + body + ["}"]
    return "\n".join(text) + "\n"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cxx", required=True)
    parser.add_argument("--flag", action="append", default=[])
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    # A plain -I/usr/include breaks libstdc++'s #include_next; the compiler searches it anyway.
    flags = list(dict.fromkeys(f for f in args.flag if f not in ("-I/usr/include", "-I", "-D")))
    failures, count = 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        for path in args.files:
            for start, prelude, lines in snippets(path):
                if any(SKIP in l for l in lines):
                    print(f"{path}:{start}: skipped (marked partial)")
                    continue
                count += 1
                source = os.path.join(tmp, f"snippet_{count}.cc")
                with open(source, "w", encoding="utf-8") as f:
                    f.write(translation_unit(path, start, prelude, lines))
                cmd = [args.cxx, "-std=c++20", "-fsyntax-only", *flags, source]
                result = subprocess.run(cmd, capture_output=True, text=True)
                if result.returncode != 0:
                    failures += 1
                    print(f"{path}:{start}: snippet does not compile:\n{result.stderr}")
                else:
                    print(f"{path}:{start}: ok")
    print(f"{count - failures} of {count} snippets compile")
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
