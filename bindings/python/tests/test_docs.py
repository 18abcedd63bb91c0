"""Docs that run: every `>>>` example in the module's docstrings and in docs/python.md,
and a docstring on every public name."""

import doctest
import inspect
import pathlib
import re

import pytest

import contactkit
from contactkit import _contactkit

DOCS = pathlib.Path(__file__).resolve().parents[3] / "docs" / "python.md"


def public_names():
    for name in contactkit.__all__:
        obj = getattr(contactkit, name)
        if not isinstance(obj, type):
            continue
        yield name, obj
        for attr, member in vars(obj).items():
            if not attr.startswith("_"):
                yield f"{name}.{attr}", member


@pytest.mark.parametrize("name,obj", list(public_names()), ids=lambda v: v if isinstance(v, str) else "")
def test_every_public_name_has_a_docstring(name, obj):
    assert inspect.getdoc(obj), f"{name} has no docstring"


def test_docstring_examples_run():
    finder = doctest.DocTestFinder(exclude_empty=True)
    tests = finder.find(contactkit, "contactkit", globs=vars(contactkit).copy())
    for cls in (getattr(_contactkit, n) for n in contactkit.__all__):
        if isinstance(cls, type):
            tests += finder.find(cls, cls.__name__, globs=vars(contactkit).copy())
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    examples = 0
    for test in tests:
        runner.run(test)
        examples += len(test.examples)
    assert examples >= 5
    assert runner.failures == 0


def test_the_python_guide_examples_run(tmp_path, monkeypatch):
    text = DOCS.read_text(encoding="utf-8")
    blocks = list(re.finditer(r"```python\n(.*?)```", text, flags=re.S))
    assert blocks, "docs/python.md has no python example"
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        # Pad with the lines before the block, so a traceback names the line in the file.
        line = text.count("\n", 0, block.start(1))
        code = "\n" * line + block.group(1)
        exec(compile(code, str(DOCS), "exec"), {"__name__": "__docs__"})
