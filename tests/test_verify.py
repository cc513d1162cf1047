"""`lip verify`: accepts exactly what a commit produces, names what differs otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.repos import WHEN, commit_all, make_repo

from pipeline.cli import main
from pipeline.commands.build import build
from pipeline.commands.verify import differences


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    root = tmp_path_factory.mktemp("verify")
    repo, plan_dir = make_repo(root / "repo", "minimal")
    first_sha = repo.head.commit.hexsha
    built = build(plan_dir, output=root / "build", formats=["pdf"])
    chapter = plan_dir / "11-bildung.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        "Bildung öffnet Wege", "Bildung öffnet viele Wege"), encoding="utf-8")
    second_sha = commit_all(repo, "Zweite Fassung", WHEN + 3600)
    return {"root": root, "plan_dir": plan_dir, "pdf": built.outputs["pdf"],
            "first": first_sha, "second": second_sha}


def run(args: list[str], capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(args)
        raise SystemExit(0)
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out + captured.err


def test_accepts_the_real_file(setup, capsys) -> None:
    code, out = run(["verify", str(setup["pdf"]), "--plan", str(setup["plan_dir"])], capsys)
    assert code == 0, out
    assert f"entspricht genau dem Bau von Commit {setup['first'][:10]}" in out


def test_rejects_one_changed_byte(setup, tmp_path: Path, capsys) -> None:
    data = bytearray(setup["pdf"].read_bytes())
    data[len(data) // 3] ^= 0x01
    forged = tmp_path / "geaendert.pdf"
    forged.write_bytes(bytes(data))
    code, out = run(["verify", str(forged), "--plan", str(setup["plan_dir"])], capsys)
    assert code == 1
    assert "nach dem Bau verändert" in out or "beschädigt" in out or "keine lesbare" in out
    assert "stimmt NICHT" in out or "Fehler:" in out


def test_rejects_a_file_from_another_commit(setup, capsys) -> None:
    code, out = run(["verify", str(setup["pdf"]), "--plan", str(setup["plan_dir"]),
                     "--rev", setup["second"]], capsys)
    assert code == 1
    assert f"Commit: Datei {setup['first'][:10]}, geprüft gegen {setup['second'][:10]}" in out
    assert setup["first"] not in out and setup["second"] not in out  # short, as git shows them
    assert "Kapitel 1 (11-bildung.md): Text unterscheidet sich" in out  # its number, as lip says
    assert "01-haltung.md" not in out


def test_json_keeps_the_full_commits_and_hashes(setup, capsys) -> None:
    """--json is for machines: every difference with the manifest's field and full values."""
    import json

    code, out = run(["verify", str(setup["pdf"]), "--plan", str(setup["plan_dir"]),
                     "--rev", setup["second"], "--json"], capsys)
    data = json.loads(out)
    assert code == 1 and data["ok"] is False and data["commit"] == setup["second"]
    by_field = {d["feld"]: d for d in data["unterschiede"]}
    assert (by_field["commit"]["datei"], by_field["commit"]["geprueft"]) == (setup["first"],
                                                                            setup["second"])
    chapter = by_field["kapitel.11-bildung.md"]
    assert len(chapter["datei"]) == len(chapter["geprueft"]) == 64
    assert chapter["text"] == "Kapitel 1 (11-bildung.md): Text unterscheidet sich"


def test_changed_templates_are_named_by_short_hashes() -> None:
    """The templates' SHA-256 in the terminal: 12 hex digits, not 64; the full ones stay."""
    old, new = "ab" * 32, "cd" * 32
    [found] = differences({"werkzeuge": {"vorlagen_sha256": old}},
                          {"werkzeuge": {"vorlagen_sha256": new}})
    assert found.text == f"Vorlagen (templates/): Datei {old[:12]}, jetzt {new[:12]}"
    assert (found.feld, found.datei, found.geprueft) == ("werkzeuge.vorlagen_sha256", old, new)


def test_a_file_without_manifest_is_refused(setup, tmp_path: Path, capsys) -> None:
    import pikepdf

    other = tmp_path / "fremd.pdf"
    with pikepdf.open(setup["pdf"]) as pdf:
        del pdf.attachments["lip-build-manifest.json"]
        pdf.save(other)
    code, out = run(["verify", str(other), "--plan", str(setup["plan_dir"])], capsys)
    assert code == 1 and "kein Build-Manifest" in out
