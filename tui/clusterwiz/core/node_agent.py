"""The node agent as Terraform ships it to the head node: a deterministic LZMA archive of tui/clusterwiz/node.

Inside the archive the package is named clusterwiz_node (the node has no clusterwiz package) and
bootstrap.sh sits at the top, where the head node's cloud-init runs it. EC2 caps user_data at 16 KiB,
so the shipped copy leaves out docstrings, comments and function annotations, names local variables a, b, ...
and indents by one space (same code, fewer bytes), and is LZMA-compressed (about 5% smaller than gzip).
"""

from __future__ import annotations

import ast
import builtins
import itertools
import keyword
import lzma
import string
from pathlib import Path

NODE_PACKAGE_DIR = Path(__file__).resolve().parent.parent / "node"
ARCHIVE_PACKAGE = "clusterwiz_node"
ENTRY_SCRIPT = "bootstrap.sh"
DOCUMENTED = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)


def stripped_tree(source: str) -> ast.Module:
    """The module's syntax tree without docstrings and function annotations (nothing reads those at run time; a
    dataclass's fields are class annotations, which stay)."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            node.returns = None
            arguments = node.args
            for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs, arguments.vararg,
                             arguments.kwarg):
                if argument is not None:
                    argument.annotation = None
        if not isinstance(node, DOCUMENTED) or not node.body:
            continue
        first = node.body[0]
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            node.body = node.body[1:] or [ast.Pass()]
    return tree


def _bound_in(arguments: ast.arguments) -> set[str]:
    return {argument.arg for argument in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                                          arguments.vararg, arguments.kwarg) if argument is not None}


def shorten_locals(tree: ast.Module) -> ast.Module:
    """The tree with each function's own local variables named a, b, ... (parameters, which callers may name,
    keep theirs). A function with a nested scope, global or nonlocal, or a look at locals() is left as it is, and
    no short name is one the module uses anywhere, so none hides a global, a builtin or another function's name."""
    used = set(dir(builtins)) | {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    used |= {name for node in ast.walk(tree) if isinstance(node, ast.arguments) for name in _bound_in(node)}
    used |= {(alias.asname or alias.name).split(".")[0] for node in ast.walk(tree)
             if isinstance(node, (ast.Import, ast.ImportFrom)) for alias in node.names}
    candidates = ("".join(letters) for size in itertools.count(1)
                  for letters in itertools.product(string.ascii_lowercase, repeat=size))
    fresh = (candidate for candidate in candidates if candidate not in used and not keyword.iskeyword(candidate))
    short: dict[str, str] = {}
    for function in [node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        inner = [node for node in ast.walk(function) if node is not function]
        if any(isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef, ast.Global,
                                 ast.Nonlocal)) or isinstance(node, ast.Name) and node.id in ("locals", "vars")
               for node in inner):
            continue
        own = {node.id for node in inner if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)}
        own |= {node.name for node in inner if isinstance(node, ast.ExceptHandler) and node.name}
        own -= _bound_in(function.args)
        for node in inner:
            if isinstance(node, ast.Name) and node.id in own:
                node.id = short.setdefault(node.id, next(fresh))
            elif isinstance(node, ast.ExceptHandler) and node.name in own:
                node.name = short.setdefault(node.name, next(fresh))
    return tree


def compact_python(source: str) -> str:
    """The module's stripped tree with short local names, as source without comments, indented by one space."""
    # One space a level: ast.unparse writes every string on one line, so only indentation starts a line with spaces.
    lines = ast.unparse(shorten_locals(stripped_tree(source))).splitlines()
    return "".join(" " * ((len(line) - len(line.lstrip(" "))) // 4) + line.lstrip(" ") + "\n" for line in lines)


def compact_shell(source: str) -> str:
    """The script without its comment lines (the #! line and shellcheck directives stay) and indentation, which
    bash does not read (it has no here-document, whose lines it would)."""
    lines = source.splitlines()
    kept = lines[:1] + [line.lstrip() for line in lines[1:]
                        if not line.lstrip().startswith("#") or line.lstrip().startswith("# shellcheck ")]
    return "\n".join(kept) + "\n"


def node_agent_files() -> list[tuple[str, str]]:
    """(name in the archive, content) of every shipped file, sorted by name."""
    files = [(f"{ARCHIVE_PACKAGE}/{path.name}", compact_python(path.read_text(encoding="utf-8")))
             for path in NODE_PACKAGE_DIR.glob("*.py")]
    files.append((ENTRY_SCRIPT, compact_shell((NODE_PACKAGE_DIR / ENTRY_SCRIPT).read_text(encoding="utf-8"))))
    return sorted(files)


def build_node_agent_archive() -> bytes:
    """The same bytes for the same sources: each file's name and content, NUL-separated, in a fixed order.

    Not a tar: its 512-byte headers cost some 450 bytes of user data once compressed. The head node's cloud-init
    unpacks it with one line of Python (head_node's template), making bootstrap.sh executable."""
    text = "\0".join(part for name_and_content in node_agent_files() for part in name_and_content)
    # lc=3, pb=0: LZMA's settings for text (no 2- or 4-byte alignment to model), a little smaller than the preset;
    # the .lzma format's 13-byte header instead of xz's blocks and index (Python's lzma.open reads both).
    filters = [{"id": lzma.FILTER_LZMA1, "preset": 9 | lzma.PRESET_EXTREME, "lc": 3, "lp": 0, "pb": 0}]
    return lzma.compress(text.encode("utf-8"), format=lzma.FORMAT_ALONE, filters=filters)
