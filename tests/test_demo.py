"""`make demo` is also a test: the whole story from drafts to the adopted plan, with real
`lip` calls in a scratch repository, and every output it names checked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from demo import main
from support import OPARL_SCHEMAS

OPARL = OPARL_SCHEMAS


@pytest.mark.slow
def test_demo_plays_the_whole_story_and_every_output_holds(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # as `make demo` calls it: a folder relative to the clone
    root = Path(__file__).resolve().parent.parent
    shipped = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, check=True,
                             capture_output=True, text=True).stdout.strip()
    # on a commit named as the demo's refusal names it (`--stand COMMIT`, the next test)
    outputs = main(Path("demo"), quiet=True, stand=shipped)
    repo = outputs["Repository mit der ganzen Geschichte"]
    for what, path in outputs.items():
        assert path.exists(), what
    lip = [sys.executable, "-P", "-m", "pipeline"]
    final = subprocess.run([*lip, "check", "--final"], cwd=repo, capture_output=True, text=True)
    assert final.returncode == 0, final.stderr
    pdf = outputs["Drucksache der beschlossenen Fassung (PDF)"]
    verified = subprocess.run([*lip, "verify", str(pdf)], cwd=repo, capture_output=True, text=True)
    assert verified.returncode == 0 and "(Beschlossene Fassung)" in verified.stderr + verified.stdout
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "ENTWURF" not in text and "Beschlossene Fassung" in text
    flat = " ".join(text.replace("\xad\n", "").split())
    assert "Abstimmung" in flat and "Punkte 1 und 2" in flat and "Änderungsantrag 1" in flat
    tags = subprocess.run(["git", "tag", "--list", "fassung/*"], cwd=repo, capture_output=True,
                          text=True).stdout.split()
    assert tags == ["fassung/beschlossene-fassung", "fassung/verwaltungsentwurf"]
    for name in ("antrag-1", "ergaenzung-e1"):
        doc = outputs["Ergänzung 2718/2020 E1 (PDF)"].with_name(f"{name}.pdf")
        info = subprocess.run(["pdfinfo", str(doc)], capture_output=True, text=True).stdout
        assert "Tagged:          yes" in info, name
    if OPARL.is_dir():  # the schemas come with ../shared
        from jsonschema import validators

        for path in sorted(outputs["OParl-Export"].rglob("*.json")):
            obj = json.loads(path.read_text(encoding="utf-8"))
            if "type" not in obj:
                continue  # a list page
            schema = json.loads((OPARL / f"{obj['type'].rsplit('/', 1)[-1]}.json").read_text())
            assert not list(validators.validator_for(schema)(schema).iter_errors(obj)), path


@pytest.mark.slow
def test_demo_after_an_editors_change_names_the_way_back(tmp_path) -> None:
    """After an editor's committed change to Bildung the story rightly stops at the
    Lenkungsgruppe's decision (that text was never submitted); the demo says why and how to
    play it on the shipped plan (that way works: the test above plays it on a commit)."""
    root = Path(__file__).resolve().parent.parent
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(root), str(clone)], check=True)
    chapter = clone / "plan" / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace("Sprache", "Sprachförderung", 1),
                       encoding="utf-8")
    subprocess.run(["git", "-c", "user.name=Redaktion", "-c", "user.email=r@example.org",
                    "commit", "-qam", "Bildung: Sprachförderung"], cwd=clone, check=True)
    demo = [sys.executable, str(clone / "tests" / "demo.py"), str(tmp_path / "demo")]
    failed = subprocess.run(demo, cwd=clone, capture_output=True, text=True)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "entscheiden bildung" in failed.stderr and "vorgelegte Fassung" in failed.stderr
    assert "--stand COMMIT" in failed.stderr and "Bildung: Sprachförderung" in failed.stderr
