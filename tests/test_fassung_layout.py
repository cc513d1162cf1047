"""`lip fassung` writes into the hand-written plan/lip.yaml: the new entry goes to the end of
`fassungen:`, and every other line stays as the editor wrote it, byte for byte (blank lines
and comments where they were)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import git
from support.repos import commit_all, init_repo

from pipeline.commands import council

ROOT = Path(__file__).resolve().parent.parent


def _inserted(before: str, after: str) -> tuple[list[str], int]:
    """The lines `after` has beyond `before`, which must be one run at one place, and the
    line index where they were put; everything else is compared byte for byte."""
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    at = next((i for i, (a, b) in enumerate(zip(old, new, strict=False)) if a != b), len(old))
    added = len(new) - len(old)
    assert new[:at] == old[:at] and new[at + added:] == old[at:], "lines outside the new entry"
    return new[at:at + added], at


def test_fassung_keeps_blank_lines_and_comments_of_lip_yaml_in_place(tmp_path, fixed_git_dates):
    root = tmp_path / "repo"
    shutil.copytree(ROOT / "plan", root / "plan")
    manifest = root / "plan" / "lip.yaml"
    text = manifest.read_text(encoding="utf-8")
    assert "\n\ndrucksache:" in text  # the editor's blank line after the list
    manifest.write_text(text.replace("\n\ndrucksache:", "\n\n# Die Drucksache\n\ndrucksache:"),
                        encoding="utf-8")
    repo = init_repo(root)
    for n, name in enumerate(("3. Fassung", "4. Fassung")):
        before = manifest.read_text(encoding="utf-8")
        council.name_fassung(root / "plan", name, datum=dt.date(2026, 12, 7),
                             beschreibung="zur Prüfung" if n == 0 else None)
        after = manifest.read_text(encoding="utf-8")
        added, at = _inserted(before, after)
        assert added[0] == f"  - name: {name}\n" and added[-1].startswith("      16-verwaltung")
        assert before.splitlines()[at:at + 4] == ["", "# Die Drucksache", "", "drucksache:"]
        if n == 0:  # a second Fassung after one with its `texte:`
            (root / "plan" / "16-verwaltung.md").write_text(
                (root / "plan" / "16-verwaltung.md").read_text(encoding="utf-8") + "\nNeu.\n",
                encoding="utf-8")
            commit_all(repo, "Verwaltung ergänzt")
    assert git.Repo(root).git.status("--porcelain") == ""
