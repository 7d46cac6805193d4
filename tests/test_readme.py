"""Every ```python block of README.md runs as written, so the README cannot drift.

Blocks run in order in one namespace per section (## heading), as a reader
would paste them; a block that raises fails the test and names its line.
"""

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def _sections():
    text = README.read_text(encoding="utf-8")
    sections, current = {}, None
    for match in BLOCK.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        heading = [h for h in re.findall(r"^## (.+)$", text[:match.start()], re.M)][-1:]
        current = heading[0] if heading else "top"
        sections.setdefault(current, []).append((line, match.group(1)))
    return sections


SECTIONS = _sections()


def test_readme_has_python_blocks_in_the_teaching_sections():
    for name in ("Forward mode", "Reverse mode", "Learning backpropagation, step by step"):
        assert name in SECTIONS, f"README section {name!r} lost its code"


@pytest.mark.parametrize("section", sorted(SECTIONS))
def test_readme_section_runs(section, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__readme__"}
    for line, code in SECTIONS[section]:
        try:
            exec(compile(code, f"README.md:{line}", "exec"), namespace)
        except Exception as exc:  # noqa: BLE001 - report which block failed
            pytest.fail(f"README.md block at line {line} ({section}) raised {exc!r}")
