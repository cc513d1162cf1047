"""`lip verify`: accepts exactly what a commit produces, names what differs otherwise."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.repos import WHEN, commit_all, make_repo

from pipeline.cli import main
from pipeline.commands.build import build


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
    assert f"Commit: Datei {setup['first']}, geprüft gegen {setup['second']}" in out
    assert "Kapitel 11-bildung.md: Text unterscheidet sich" in out
    assert "Kapitel 01-haltung.md" not in out


def test_a_file_without_manifest_is_refused(setup, tmp_path: Path, capsys) -> None:
    import pikepdf

    other = tmp_path / "fremd.pdf"
    with pikepdf.open(setup["pdf"]) as pdf:
        del pdf.attachments["lip-build-manifest.json"]
        pdf.save(other)
    code, out = run(["verify", str(other), "--plan", str(setup["plan_dir"])], capsys)
    assert code == 1 and "kein Build-Manifest" in out
