"""The `lip` command line: translates arguments to core calls and errors to German messages.

Exit codes: 0 = in Ordnung; 1 = Probleme im Plan (Prüfung, unzulässiger Schritt);
2 = falscher Aufruf; 3 = ein externes Werkzeug (pandoc, typst, git) ist fehlgeschlagen.
Tracebacks erscheinen nur mit --debug oder bei echten Programmfehlern.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from pathlib import Path

import click

from pipeline.errors import PipelineError, PlanInvalid

log = logging.getLogger("pipeline")

HELP_OPTION = "Diese Hilfe anzeigen und beenden."
PLAN_OPTION_HELP = "Ordner des Plans (Standard: ./plan)."


class GermanCommand(click.Command):
    """A click command whose help headings are German."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("options_metavar", "[OPTIONEN]")
        super().__init__(*args, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:
            option.help = HELP_OPTION
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), "Aufruf: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        opts = [rv for p in self.get_params(ctx) if (rv := p.get_help_record(ctx)) is not None]
        if opts:
            with formatter.section("Optionen"):
                formatter.write_dl(opts)


class GermanGroup(GermanCommand, click.Group):
    """A click group with German help headings; subcommands are German too."""

    command_class = GermanCommand

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("subcommand_metavar", "BEFEHL [ARGUMENTE]...")
        super().__init__(*args, **kwargs)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        GermanCommand.format_options(self, ctx, formatter)
        commands = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is not None and not cmd.hidden:
                commands.append((name, cmd.get_short_help_str(limit=70)))
        if commands:
            with formatter.section("Befehle"):
                formatter.write_dl(commands)


GermanGroup.group_class = GermanGroup

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def plan_dir_option(f):
    return click.option("--plan", "plan_dir", type=click.Path(path_type=Path), default=Path("plan"),
                        show_default=False, help=PLAN_OPTION_HELP)(f)


@click.group(cls=GermanGroup, context_settings=CONTEXT)
@click.version_option(package_name="lip-pipeline", message="lip %(version)s",
                      help="Version anzeigen und beenden.")
@click.option("--debug", is_flag=True, help="Bei Fehlern den vollständigen Traceback zeigen.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """lip – Werkzeug für den Lokalen Integrationsplan 2.0 der Landeshauptstadt Hannover.

    Prüft den Plan, baut die Beschlussdrucksache, hält Entscheidungen und Stellungnahmen
    fest, erzeugt Änderungsfassungen (Redlines) und die Website für die Beteiligten.

    \b
    Beispiel:
      lip check
      lip check --json
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING,
                        format="%(message)s", stream=sys.stderr)


# --- check (issue 2) -------------------------------------------------------------------------


@cli.command("check")
@plan_dir_option
@click.option("--json", "as_json", is_flag=True, help="Befunde als JSON auf die Standardausgabe.")
@click.option("--strict", is_flag=True, help="Warnungen (z. B. unbekannte Felder) als Fehler werten.")
@click.option("--final", is_flag=True,
              help="Zusätzlich verlangen, dass jedes Kapitel in seiner jetzigen Fassung angenommen ist.")
def check_command(plan_dir: Path, as_json: bool, strict: bool, final: bool) -> None:
    """Plan prüfen: Manifest, Köpfe, Text, Nummern, Verweise und Beratungsverlauf.

    Meldet alle Probleme auf einmal als 'plan/<datei>.md:<zeile>: <feld>: <meldung>'.
    Exit-Code 0, wenn der Plan in Ordnung ist, sonst 1.

    \b
    Beispiel:
      lip check
      lip check --strict --json > befunde.json
    """
    from pipeline import actions

    report = actions.check(plan_dir, strict=strict, final=final)
    diagnostics = report.sorted()
    if as_json:
        payload = {
            "ok": not report.failed(strict),
            "fehler": len(report.errors),
            "warnungen": len(report.warnings),
            "befunde": [d.to_json() for d in diagnostics],
        }
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        for d in diagnostics:
            click.echo(str(d), err=True)
        n_err, n_warn = len(report.errors), len(report.warnings)
        if n_err or n_warn:
            click.echo(f"{n_err} Fehler, {n_warn} Warnungen.", err=True)
        else:
            click.echo("Plan ist in Ordnung.", err=True)
    if report.failed(strict):
        raise SystemExit(1)


# --- build (issue 3) -------------------------------------------------------------------------


class _Progress:
    """Progress on stderr while building: a bar with the current step on a terminal only."""

    STEPS = ("Plan lesen", "zusammenstellen", "pandoc", "typst", "pandoc (HTML)", "pandoc (DOCX)")

    def __init__(self, enabled: bool, total: int):
        self.enabled, self.total, self.done = enabled, total, 0

    def __call__(self, step: str) -> None:
        if not self.enabled:
            return
        self.done = min(self.done + 1, self.total)
        width = 24
        filled = int(width * (self.done - 1) / max(self.total, 1))
        bar = "#" * filled + "-" * (width - filled)
        click.echo(f"\r[{bar}] {step:<16}", nl=False, err=True)

    def finish(self) -> None:
        if self.enabled:
            click.echo(f"\r[{'#' * 24}] fertig{' ' * 12}", err=True)


def _progress_wanted(quiet: bool) -> bool:
    return not quiet and sys.stderr.isatty() and not os.environ.get("CI")


@cli.command("build")
@plan_dir_option
@click.option("--format", "formats", multiple=True, metavar="FORMAT",
              help="pdf, html oder docx; mehrfach oder mit Komma (Standard: alle drei).")
@click.option("--output", "output", type=click.Path(path_type=Path), default=Path("build"), metavar="ORDNER",
              help="Ausgabeordner (Standard: build).")
@click.option("--rev", default=None, metavar="REV",
              help="Den Plan so bauen, wie er in einem Commit/Tag war (aus Git gelesen).")
@click.option("--zeilennummern", is_flag=True, help="Zeilennummern je Seite im PDF.")
@click.option("--quiet", "-q", is_flag=True, help="Keine Fortschrittsanzeige, nur Fehler.")
def build_command(plan_dir: Path, formats: tuple[str, ...], output: Path, rev: str | None,
                  zeilennummern: bool, quiet: bool) -> None:
    """Beschlussdrucksache bauen: build/LIP-2.0.pdf, .html und .docx.

    Das PDF enthält die Drucksache und den Plan als Anlage 1 (barrierefrei nach PDF/UA-1,
    archivfähig nach PDF/A-3b, mit Build-Manifest). Solange nicht jedes Kapitel in seiner
    jetzigen Fassung angenommen ist, trägt jede Seite den Vermerk ENTWURF.

    \b
    Beispiel:
      lip build
      lip build --format pdf --zeilennummern
      lip build --rev v1.0 --output build/v1.0 --format pdf,html
    """
    from pipeline import build as build_module

    selected = build_module.parse_formats(formats)
    progress = _Progress(_progress_wanted(quiet), 2 + len(selected) + ("pdf" in selected))
    result = build_module.build(plan_dir, output=output, formats=selected, rev=rev,
                                line_numbers=zeilennummern, progress=progress)
    progress.finish()
    if not quiet:
        for path in result.outputs.values():
            click.echo(str(path))
        state = "Entwurf" if result.draft else "endgültige Fassung"
        commit = result.manifest["commit"] or "ohne Commit"
        changed = ", mit nicht eingecheckten Änderungen" if result.manifest["geaendert"] else ""
        click.echo(f"Gebaut: {state}, Commit {commit[:10]}{changed}.", err=True)


@cli.command("verify")
@click.argument("pdf", type=click.Path(path_type=Path))
@plan_dir_option
@click.option("--rev", default=None, metavar="REV",
              help="Gegen diesen Commit prüfen statt gegen den im PDF vermerkten.")
def verify_command(pdf: Path, plan_dir: Path, rev: str | None) -> None:
    """Prüfen, ob ein PDF genau das ist, was sein Commit ergibt.

    Liest das Build-Manifest im PDF, baut den genannten Commit aus Git nach und vergleicht
    Byte für Byte. Exit-Code 0, wenn die Datei übereinstimmt, sonst 1 mit den Unterschieden.

    \b
    Beispiel:
      lip verify build/LIP-2.0.pdf
      lip verify drucksache.pdf --rev v1.0
    """
    from pipeline.verify import verify

    verdict = verify(pdf, plan_dir, rev)
    for message in verdict.messages:
        click.echo(message, err=not verdict.ok)
    if not verdict.ok:
        click.echo(f"{pdf}: stimmt NICHT mit dem Bau überein.", err=True)
        raise SystemExit(1)


# --- review workflow (issue 4) ---------------------------------------------------------------


# --- redline (issue 5) -----------------------------------------------------------------------


@cli.command("redline")
@click.argument("alt", required=False)
@click.argument("neu", required=False)
@plan_dir_option
@click.option("--seit-entscheidung", is_flag=True,
              help="Je Kapitel mit der Fassung vergleichen, über die die Lenkungsgruppe zuletzt "
                   "entschieden hat (Standard, wenn ALT fehlt).")
@click.option("--kapitel", multiple=True, metavar="KAPITEL",
              help="Nur dieses Kapitel (Kennung, Datei oder Nummer); mehrfach möglich.")
@click.option("--dateien", nargs=2, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="ALT.md NEU.md",
              help="Zwei Markdown-Dateien außerhalb des Plans vergleichen.")
@click.option("--format", "formats", multiple=True, default=("html",),
              type=click.Choice(["html", "pdf", "docx", "synopse", "md"]),
              help="Ausgabeformat, mehrfach möglich (Standard: html; synopse = zweispaltige "
                   "Gegenüberstellung).")
@click.option("--autor", help="Autor der Änderungen im Word-Dokument (Standard: die "
                              "Expert*innengruppe des Kapitels).")
@click.option("--nur-aenderungen", is_flag=True,
              help="Nur geänderte Absätze zeigen, jeweils unter ihren Überschriften.")
@click.option("--ausgabe", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build/redline"), help="Zielordner (Standard: build/redline).")
def redline_command(alt: str | None, neu: str | None, plan_dir: Path, seit_entscheidung: bool,
                    kapitel: tuple[str, ...], dateien: tuple[Path, Path] | None,
                    formats: tuple[str, ...], autor: str | None, nur_aenderungen: bool,
                    ausgabe: Path) -> None:
    """Änderungsfassung (Redline) zwischen zwei Fassungen des Plans erzeugen.

    ALT und NEU sind Git-Commits, Tags oder Namen einer Fassung aus plan/lip.yaml.
    Ohne ALT wird jedes Kapitel mit der Fassung seiner letzten Entscheidung der
    Lenkungsgruppe verglichen; ohne NEU mit dem Arbeitsstand. Die Dateien landen in
    build/redline/<alt>..<neu>/ (redline.html, .pdf, .docx, synopse.html/.pdf, redline.md).

    \b
    Beispiel:
      lip redline
      lip redline "1. Fassung" --format pdf --format docx
      lip redline v1 v2 --kapitel bildung --format synopse
      lip redline --dateien alt.md neu.md --format html
    """
    from pipeline.redline_build import build_redline

    result = build_redline(plan_dir=plan_dir, alt=alt, neu=neu,
                           seit_entscheidung=seit_entscheidung, kapitel=kapitel,
                           dateien=tuple(dateien) if dateien else None, formats=formats,
                           autor=autor, out_root=ausgabe, only_changes=nur_aenderungen)
    for note in result.skipped:
        click.echo(f"Nicht verglichen: {note}", err=True)
    for c in result.chapters:
        s = c.redline.stats
        state = (f"+{s.words_added} / -{s.words_removed} Wörter" if s.changed
                 else "unverändert")
        click.echo(f"{c.redline.title}: {state}", err=True)
        for f in s.fallbacks:
            click.echo(f"  Hinweis: {f}", err=True)
    for f in result.files:
        click.echo(str(f))



# --- site (issue 6) --------------------------------------------------------------------------


@cli.command("site")
@plan_dir_option
@click.option("--ausgabe", "out_dir", type=click.Path(path_type=Path), default=Path("build/site"),
              help="Zielordner der Website (Standard: build/site).")
@click.option("--open", "open_", is_flag=True,
              help="Nur die Adresse der Startseite ausgeben, zum Öffnen im Browser.")
@click.option("--trotz-fehlern", "force", is_flag=True,
              help="Auch bauen, wenn 'lip check' Fehler meldet (Entwurfsstand ansehen).")
def site_command(plan_dir: Path, out_dir: Path, open_: bool, force: bool) -> None:
    """Website für die Beteiligten bauen: Stand, Kapitel, Redlines, Maßnahmen, Fassungen.

    Schreibt eine statische Website nach build/site/, die ohne Netz funktioniert: direkt von
    der Festplatte geöffnet oder auf einem beliebigen Webserver abgelegt.

    \b
    Beispiel:
      lip site
      lip site --open
      lip site --trotz-fehlern
    """
    from pipeline import site

    result = site.site_for_plan_dir(plan_dir, out_dir, require_valid=not force)
    if open_:
        click.echo(result.index.resolve().as_uri())
    else:
        click.echo(f"Website geschrieben: {result.index} ({len(result.pages)} Seiten, "
                   f"{result.seconds:.1f} s).", err=True)


# --- entry point -----------------------------------------------------------------------------

_USAGE_TRANSLATIONS = [
    ("No such option", "Unbekannte Option"),
    ("No such command", "Unbekannter Befehl"),
    ("Missing argument", "Fehlendes Argument"),
    ("Missing option", "Fehlende Option"),
    ("Got unexpected extra argument", "Unerwartetes zusätzliches Argument"),
    ("Got unexpected extra arguments", "Unerwartete zusätzliche Argumente"),
    ("Invalid value for", "Ungültiger Wert für"),
    ("requires an argument", "braucht einen Wert"),
    ("Did you mean", "Meinten Sie"),
    ("does not exist", "existiert nicht"),
    ("is not one of", "ist nicht einer von"),
    ("Path", "Pfad"),
]


def _german_usage(message: str) -> str:
    for english, german in _USAGE_TRANSLATIONS:
        message = message.replace(english, german)
    return message


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; map errors to German messages and exit codes."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        cli.main(args=argv, prog_name="lip", standalone_mode=False)
    except click.exceptions.Exit as e:
        raise SystemExit(e.exit_code) from None
    except click.exceptions.Abort:
        click.echo("Abgebrochen.", err=True)
        raise SystemExit(130) from None
    except click.UsageError as e:
        if e.ctx is not None:
            click.echo(e.ctx.get_usage().replace("Usage:", "Aufruf:"), err=True)
            click.echo(f"Hilfe: '{e.ctx.command_path} --help'.", err=True)
        click.echo(f"Fehler: {_german_usage(e.format_message())}", err=True)
        raise SystemExit(2) from None
    except PlanInvalid as e:
        for d in e.diagnostics:
            click.echo(str(d), err=True)
        click.echo(f"{len(e.diagnostics)} Problem(e) im Plan; Details mit 'lip check'.", err=True)
        raise SystemExit(e.exit_code) from None
    except PipelineError as e:
        if debug:
            raise
        click.echo(f"Fehler: {e}", err=True)
        raise SystemExit(e.exit_code) from None
    except KeyboardInterrupt:
        click.echo("Abgebrochen.", err=True)
        raise SystemExit(130) from None
    except Exception:
        if debug or os.environ.get("LIP_DEBUG"):
            raise
        click.echo("Interner Fehler in lip – bitte mit --debug erneut ausführen und den "
                   "Traceback dem Entwicklungsteam melden.", err=True)
        raise SystemExit(4) from None
