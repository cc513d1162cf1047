"""Files outside the plan and hostile images are neither read nor published (issue 20, items
4, 5, 11): real folders, real links, the real `lip site`."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from support import copy_plan

from pipeline.cli import main

SVG_WITH_SCRIPT = (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
                   b'<script>alert(document.domain)</script><rect width="10" height="10"/></svg>')
SAFE_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>'


def lip(capsys, *args: str) -> tuple[int, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as e:
        code = e.code
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def plan(tmp_path: Path) -> Path:
    plan_dir = copy_plan("minimal", tmp_path)
    (plan_dir / "bilder").mkdir()
    return plan_dir


def refer(plan_dir: Path, src: str) -> None:
    path = plan_dir / "11-bildung.md"
    path.write_text(path.read_text().replace(
        "## 1.1 Elementarbereich\n", f"## 1.1 Elementarbereich\n\n![Stadtkarte]({src})\n", 1))


def test_a_linked_image_is_refused_and_never_published(plan: Path, capsys) -> None:
    (plan / "bilder" / "karte.png").symlink_to("/etc/passwd")
    refer(plan, "bilder/karte.png")
    code, out = lip(capsys, "check", "--plan", str(plan))
    assert code == 1
    assert ("plan/11-bildung.md:22: bild: Bilddatei 'bilder/karte.png': ist ein symbolischer Link "
            "(auf '/etc/passwd'); lip liest und veröffentlicht nur gewöhnliche Dateien im Ordner "
            "des Plans, bitte die Datei selbst hineinlegen") in out
    site = plan.parent / "site"
    code, out = lip(capsys, "site", "--plan", str(plan), "--ausgabe", str(site), "--trotz-fehlern")
    assert code == 0, out
    assert not (site / "bilder" / "karte.png").exists()


def test_a_link_to_dev_zero_neither_hangs_nor_fills_the_disk(plan: Path, capsys) -> None:
    (plan / "bilder" / "null.png").symlink_to("/dev/zero")
    refer(plan, "bilder/null.png")
    code, out = lip(capsys, "check", "--plan", str(plan))
    assert code == 1 and "ist ein symbolischer Link (auf '/dev/zero')" in out
    site = plan.parent / "site"
    code, out = lip(capsys, "site", "--plan", str(plan), "--ausgabe", str(site), "--trotz-fehlern")
    assert code == 0 and not (site / "bilder").exists()


def test_a_linked_folder_is_not_published(plan: Path, tmp_path: Path, capsys) -> None:
    outside = tmp_path / "privat"
    outside.mkdir()
    (outside / "geheim.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (plan / "bilder" / "extern").symlink_to(outside)
    refer(plan, "bilder/extern/geheim.png")
    code, out = lip(capsys, "check", "--plan", str(plan))
    assert ("plan/11-bildung.md:22: bild: Bilddatei 'bilder/extern/geheim.png' liegt im Ordner "
            f"'bilder/extern', und der ist ein symbolischer Link (auf '{outside}'); lip liest und "
            "veröffentlicht nur gewöhnliche Dateien im Ordner des Plans, bitte die Datei selbst "
            "hineinlegen") in out
    site = plan.parent / "site"
    lip(capsys, "site", "--plan", str(plan), "--ausgabe", str(site), "--trotz-fehlern")
    assert not list(site.rglob("geheim.png"))


def test_a_chapter_linked_from_outside_is_refused(plan: Path, tmp_path: Path, capsys) -> None:
    outside = tmp_path / "fremd.md"
    (plan / "11-bildung.md").rename(outside)
    (plan / "11-bildung.md").symlink_to(outside)
    code, out = lip(capsys, "check", "--plan", str(plan))
    assert code == 1
    assert (f"plan/11-bildung.md:1: datei: Datei ist ein symbolischer Link (auf '{outside}'); lip "
            "liest und veröffentlicht nur gewöhnliche Dateien im Ordner des Plans, bitte die Datei "
            "selbst hineinlegen") in out


def test_only_referenced_safe_images_are_published_with_a_csp(plan: Path, capsys) -> None:
    (plan / "bilder" / "karte.svg").write_bytes(SAFE_SVG)
    (plan / "bilder" / "boese.svg").write_bytes(SVG_WITH_SCRIPT)
    (plan / "bilder" / "seite.html").write_text("<script>alert(1)</script>")
    (plan / "bilder" / "unbenutzt.svg").write_bytes(SAFE_SVG)
    refer(plan, "bilder/karte.svg")
    refer(plan, "bilder/boese.svg")
    code, out = lip(capsys, "check", "--plan", str(plan))
    assert ("plan/11-bildung.md:22: bild: Bilddatei 'bilder/boese.svg': SVG enthält ein Skript "
            "(<script>); auf der Website liefe es mit") in out
    site = plan.parent / "site"
    code, out = lip(capsys, "site", "--plan", str(plan), "--ausgabe", str(site), "--trotz-fehlern")
    assert code == 0, out
    assert sorted(p.relative_to(site).as_posix() for p in (site / "bilder").iterdir()) == \
        ["bilder/karte.svg"]
    headers = (site / "_headers").read_text()
    assert headers == ("/bilder/karte.svg\n  Content-Security-Policy: default-src 'none'; "
                       "img-src 'self' data:; style-src 'unsafe-inline'; sandbox\n")
    assert "script" not in (site / ".htaccess").read_text().replace("no script", "")


def test_an_unsafe_chapter_id_stops_the_site_even_when_forced(plan: Path, capsys) -> None:
    path = plan / "11-bildung.md"
    path.write_text(path.read_text().replace("id: bildung", 'id: "../../../x"'))
    site = plan.parent / "out" / "site"
    code, out = lip(capsys, "site", "--plan", str(plan), "--ausgabe", str(site), "--trotz-fehlern")
    assert code == 1
    assert ("plan/11-bildung.md:3: id: '../../../x' ist kein sicherer Dateiname (erlaubt: "
            "Kleinbuchstaben, Ziffern und '-'); die Website wird damit auch mit --trotz-fehlern "
            "nicht gebaut") in out
    assert not (plan.parent.parent / "x.html").exists() and not site.exists()


def test_a_killed_builds_work_folder_is_removed_by_the_next(plan: Path, capsys) -> None:
    out_dir = plan.parent / "build"
    leftover = out_dir / "lip-build-999999999-abc"
    leftover.mkdir(parents=True)
    (leftover / "teil.typ").write_text("x")
    old_style = out_dir / "lip-build-k2j4h5"
    old_style.mkdir()
    code, out = lip(capsys, "build", "--plan", str(plan), "--output", str(out_dir),
                    "--format", "html", "--quiet")
    assert code == 0, out
    assert not leftover.exists() and not old_style.exists()
    assert not list(out_dir.glob("lip-build-*"))
    assert os.path.exists(out_dir / "LIP-2.0.html")


def test_a_tool_failure_names_the_plan_line_in_german(plan: Path, tmp_path: Path) -> None:
    """`lip check` refuses a text file named .png; a build that skips the check still says
    where the problem is, in German, without a temporary path or 'Exit-Code None'."""
    from pipeline.commands.build import build
    from pipeline.errors import RenderError

    (plan / "bilder" / "kaputt.png").write_text("kein Bild")
    refer(plan, "bilder/kaputt.png")
    with pytest.raises(RenderError) as e:
        build(plan, output=tmp_path / "out", formats=["pdf"], validate=False)
    assert str(e.value) == (
        "plan/11-bildung.md:22: typst konnte die Ausgabe nicht erzeugen. Meldung von typst: ein "
        "Bild lässt sich nicht lesen (beschädigt, oder der Inhalt passt nicht zum Dateityp) "
        "(failed to decode image (Format error decoding Png: Invalid PNG signature.))\n"
        "Bitte die genannte Stelle prüfen und 'lip check' ausführen.")


def test_a_tools_own_words_lose_temporary_paths_and_the_intermediate_source() -> None:
    from pipeline.errors import RenderError

    stderr = ("label `<kap-x>` does not exist in the document\nerror: label `<kap-x>` does not "
              "exist\n    ┌─ build/lip-build-1-abc/lip.typ:188:30\n    │\n188 │ #link(<kap-x>)[X]")
    message = str(RenderError("typst", "typst compile build/lip-build-1-abc/lip.typ", None, stderr))
    assert message == (
        "typst konnte die Ausgabe nicht erzeugen. Meldung von typst: der Anker '#kap-x' kommt im "
        "Dokument nicht vor (label `<kap-x>` does not exist in the document)\nBitte 'lip check' "
        "ausführen; ist der Plan in Ordnung, mit --debug wiederholen und die Meldung dem "
        "Entwicklungsteam geben.")


def test_a_folder_of_outputs_is_swapped_in_whole_or_not_at_all(tmp_path: Path) -> None:
    """files.replacing_folder: a failure while filling leaves the old folder as it was and no
    staging folder behind; success replaces it whole, with a plain folder's mode."""
    from pipeline.files import replacing_folder

    target = tmp_path / "site"
    target.mkdir()
    (target / "index.html").write_text("alt", encoding="utf-8")
    with pytest.raises(RuntimeError), replacing_folder(target) as staging:
        (staging / "index.html").write_text("halb", encoding="utf-8")
        raise RuntimeError("abgebrochen")
    assert (target / "index.html").read_text(encoding="utf-8") == "alt"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    with replacing_folder(target) as staging:
        (staging / "neu.html").write_text("neu", encoding="utf-8")
    assert sorted(p.name for p in target.iterdir()) == ["neu.html"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]
    assert target.stat().st_mode & 0o777 == 0o777 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask
