"""The `lip` command line: translates arguments to core calls and errors to German messages.

Exit codes (as the README states them): 0 = in Ordnung; 1 = Probleme im Plan (Prüfung,
unzulässiger Schritt); 2 = falscher Aufruf (click's usage errors and errors.WrongCall);
3 = ein externes Werkzeug (pandoc, typst, git) oder ein Dateizugriff ist fehlgeschlagen
(errors.FileAccessError, OSError); 4 = Programmfehler; 130 = abgebrochen.
Tracebacks erscheinen nur mit --debug oder bei echten Programmfehlern.
"""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path

import click

from pipeline.errors import PipelineError, PlanInvalid
from pipeline.wording import counted, describe_origin

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
        # arguments (KAPITEL, ALT NEU) are in the usage line and the text above, with what
        # they mean; click lists them among the options without a word
        opts = [_german_record(rv) for p in self.get_params(ctx)
                if not isinstance(p, click.Argument) and (rv := p.get_help_record(ctx)) is not None]
        if opts:
            with formatter.section("Optionen"):
                formatter.write_dl(opts)


_CLICK_WORDS = (("[required]", "[Pflichtangabe]"), ("[default: ", "[Standard: "),
                (" DIRECTORY", " ORDNER"), (" PATH", " PFAD"), (" FILE", " DATEI"),
                (" INTEGER RANGE", " ZAHL"), (" INTEGER", " ZAHL"), (" TEXT", " TEXT"))
"""What click writes in English into option help, and its German."""


def _german_record(record: tuple[str, str]) -> tuple[str, str]:
    names, text = record
    for english, german in _CLICK_WORDS:
        names, text = names.replace(english, german), text.replace(english, german)
    return names, text


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
                commands.append((name, cmd.get_short_help_str(limit=200)))  # whole first sentence, wrapped
        if commands:
            with formatter.section("Befehle"):
                formatter.write_dl(commands)


GermanGroup.group_class = GermanGroup

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def project_root(start: Path | None = None) -> Path | None:
    """The folder holding plan/lip.yaml, found from `start` upwards the way git finds .git:
    `lip` works from the repository root, from plan/ and from any folder below it."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "plan" / "lip.yaml").is_file():
            return folder
        if folder.name == "plan" and (folder / "lip.yaml").is_file():
            return folder.parent
        if (folder / ".git").exists():
            return None  # the repository's top: no plan in it
    return None


def _from_root(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    """A default path (plan, build/…) is taken from the project's root, wherever lip is run;
    a path the user typed stays as typed."""
    from click.core import ParameterSource

    if value is None or ctx.get_parameter_source(param.name) is not ParameterSource.DEFAULT:
        return value
    root = project_root()
    if root is None or root == Path.cwd().resolve():
        return value
    return root / value


def plan_dir_option(f):
    return click.option("--plan", "plan_dir", type=click.Path(path_type=Path), default=Path("plan"),
                        show_default=False, callback=_from_root, help=PLAN_OPTION_HELP)(f)


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
      lip check                  Plan prüfen
      lip status                 Stand der Beratung
      lip build                  PDF, HTML und DOCX nach build/
      lip site --open            Website für die Beteiligten
      lip redline "1. Fassung"   Änderungen seit der 1. Fassung
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if debug:  # importing logging costs ~10 ms, and without --debug nothing is logged
        import logging

        logging.basicConfig(level=logging.DEBUG, format="%(message)s", stream=sys.stderr)


# --- check (issue 2) -------------------------------------------------------------------------


@cli.command("check")
@plan_dir_option
@click.option("--json", "as_json", is_flag=True, help="Befunde als JSON auf die Standardausgabe.")
@click.option("--strict", is_flag=True, help="Warnungen (z. B. unbekannte Felder) als Fehler werten.")
@click.option("--final", is_flag=True,
              help="Zusätzlich verlangen, dass jedes Kapitel in seiner jetzigen Fassung angenommen ist.")
@click.option("--staged", is_flag=True,
              help="Den zum Commit vorgemerkten Stand prüfen (git add), wie der pre-commit-Hook, "
                   "statt der gespeicherten Dateien.")
def check_command(plan_dir: Path, as_json: bool, strict: bool, final: bool, staged: bool) -> None:
    """Plan prüfen: Manifest, Köpfe, Text, Nummern, Verweise, Beratungsverlauf und Schriftzeichen.

    Meldet alle Probleme auf einmal als 'plan/<datei>.md:<zeile>: <feld>: <meldung>'.
    Nummern von Maßnahmen werden mit dem zuletzt festgehaltenen Stand jedes Kapitels
    verglichen (Vorlage, Entscheidung oder benannte Fassung): einmal vergebene Nummern
    werden nicht neu verteilt. Exit-Code 0, wenn der Plan in Ordnung ist, sonst 1. Mit
    --staged wird geprüft, was committet würde (wie der Hook aus 'lip hooks install').

    \b
    Beispiel:
      lip check
      lip check --strict --json > befunde.json
      lip check --staged
    """
    from pipeline.commands import check as check_cmd

    if staged:
        if strict or final or as_json:
            raise click.UsageError("--staged lässt sich nicht mit --strict, --final oder --json "
                                   "verbinden")
        from pipeline.commands import hooks

        found = hooks.check_staged(Path.cwd(), plan_dir)
        _print_staged(found)
        if not found.staged:
            click.echo("Nichts vorgemerkt: kein Kapitel ist zum Commit vorgemerkt (git add).",
                       err=True)
        elif found.report.errors or found.report.warnings:
            click.echo(found.report.summary, err=True)
        else:
            click.echo("Vorgemerkter Stand ist in Ordnung.", err=True)
        if found.report.errors:
            raise SystemExit(1)
        return
    report = check_cmd.check(plan_dir, strict=strict, final=final)
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
            click.echo(report.summary, err=True)
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
@click.option("--ausgabe", "--output", "output", type=click.Path(path_type=Path), default=Path("build"),
              callback=_from_root, metavar="ORDNER", help="Ausgabeordner (Standard: build).")
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
      lip build --rev "1. Fassung" --ausgabe build/fassung-1 --format pdf,html
    """
    from pipeline.commands import build as build_module

    selected = build_module.parse_formats(formats)
    progress = _Progress(_progress_wanted(quiet), 2 + len(selected) + ("pdf" in selected))
    result = build_module.build(plan_dir, output=output, formats=selected, rev=rev,
                                line_numbers=zeilennummern, progress=progress)
    progress.finish()
    if not quiet:
        for path in result.outputs.values():
            click.echo(str(path))
        state = "Entwurf" if result.draft else "endgültige Fassung"
        click.echo(f"Gebaut: {state}, {describe_origin(result.commit, result.changed)}.",
                   err=True)


@cli.command("verify")
@click.argument("pdf", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@plan_dir_option
@click.option("--rev", default=None, metavar="REV",
              help="Gegen diesen Commit prüfen statt gegen den im PDF vermerkten.")
@click.option("--json", "as_json", is_flag=True,
              help="Ergebnis als JSON auf die Standardausgabe, mit vollständigen Commits und Hashes.")
def verify_command(pdf: Path, plan_dir: Path, rev: str | None, as_json: bool) -> None:
    """Prüfen, ob ein PDF genau das ist, was sein Commit ergibt.

    Liest das Build-Manifest im PDF, baut den genannten Commit aus Git nach und vergleicht
    Byte für Byte. Exit-Code 0, wenn die Datei übereinstimmt, sonst 1 mit den Unterschieden.
    Commits und Hashes erscheinen gekürzt wie bei git; --json gibt sie vollständig aus.

    \b
    Beispiel:
      lip verify build/LIP-2.0.pdf
      lip verify drucksache.pdf --rev "2. Fassung"
      lip verify build/LIP-2.0.pdf --json
    """
    from pipeline.commands.verify import verify

    verdict = verify(pdf, plan_dir, rev)
    if as_json:
        click.echo(json.dumps(verdict.to_json(), ensure_ascii=False, indent=2))
        raise SystemExit(0 if verdict.ok else 1)
    for message in verdict.messages:
        click.echo(message, err=not verdict.ok)
    if not verdict.ok:
        click.echo(f"{pdf}: stimmt NICHT mit dem Bau überein.", err=True)
        raise SystemExit(1)


# --- review workflow (issue 4) ---------------------------------------------------------------

_DATUM_HELP = ("Datum des Eintrags (TT.MM.JJJJ oder JJJJ-MM-TT, nicht in der Zukunft; "
               "Standard: heute).")
_COMMIT_HELP = ("Commit der gemeinten Fassung, wenn das Kapitel nicht committete Änderungen hat "
                "(die Änderungen bleiben unberührt und uncommittet).")


def _datum(ctx: click.Context, param: click.Parameter, value: str | None):
    """A date as Germans write it (18.11.2020, 18.11.20) or as ISO (2020-11-18)."""
    import datetime as dt
    import re

    if value is None:
        return None
    text = value.strip()
    german = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{2}|\d{4})", text)
    try:
        if german:
            day, month, year = (int(g) for g in german.groups())
            return dt.date(year + 2000 if year < 100 else year, month, day)
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{value!r} ist kein Datum; erwartet TT.MM.JJJJ oder JJJJ-MM-TT, "
                                 f"z. B. 18.11.2020") from None


def _review_options(f):
    f = click.option("--commit", "commit", metavar="SHA", help=_COMMIT_HELP)(f)
    f = click.option("--datum", metavar="DATUM", callback=_datum, help=_DATUM_HELP)(f)
    return plan_dir_option(f)


def _done(recorded) -> None:
    click.echo(f"{recorded.message.splitlines()[0]}", err=True)
    click.echo(f"Commit {recorded.commit[:10]} ({recorded.path}).", err=True)
    if recorded.branch is None:
        click.echo(f"Achtung: HEAD ist von keinem Branch ausgecheckt (detached HEAD). Der Commit "
                   f"{recorded.commit[:10]} liegt auf keinem Branch und geht beim nächsten "
                   f"'git checkout' verloren; sichern mit 'git branch NAME {recorded.commit[:10]}' "
                   f"oder 'git switch -c NAME'.", err=True)


@cli.command("vorlegen")
@click.argument("kapitel")
@click.option("--vermerk", help="Anmerkung zur Vorlage.")
@_review_options
def vorlegen_command(kapitel: str, vermerk: str | None, datum, commit: str | None,
                     plan_dir: Path) -> None:
    """Kapitel der Lenkungsgruppe vorlegen (durch die Expert*innengruppe).

    Hält die jetzige, committete Fassung (Commit und SHA-256 des Texts) als Vorlage fest und
    macht dafür einen Commit. Nach einer Rückgabe müssen alle Vorgaben als erledigt vermerkt
    sein (lip vorgabe-erledigt).

    KAPITEL: Kennung (bildung), Nummer (1), Dateiname (11-bildung.md) oder Titel des Kapitels.

    \b
    Beispiel:
      lip vorlegen bildung --datum 2020-10-05
      lip vorlegen 11-bildung.md --vermerk "überarbeitet nach den Vorgaben V1 und V2"
    """
    from pipeline.commands import record

    _done(record.submit(plan_dir, kapitel, datum=datum, vermerk=vermerk, commit=commit))


@cli.command("entscheiden")
@click.argument("kapitel", nargs=-1, required=True, metavar="KAPITEL...")
@click.option("--angenommen", "angenommen", is_flag=True,
              help="Die Lenkungsgruppe nimmt die vorgelegte Fassung an.")
@click.option("--zurueckgespielt", "zurueckgespielt", is_flag=True,
              help="Die Lenkungsgruppe spielt die Fassung mit Vorgaben zurück.")
@click.option("--vorgabe", "vorgaben", multiple=True, metavar="TEXT",
              help="Eine Vorgabe für die Überarbeitung (mehrfach möglich; Pflicht beim "
                   "Zurückspielen).")
@click.option("--sitzung", help="Sitzung, z. B. '4. Sitzung der Lenkungsgruppe'.")
@click.option("--abstimmung", help="Abstimmungsergebnis, z. B. '18 dafür, 2 dagegen'.")
@click.option("--gremium", default="lenkungsgruppe", show_default=True, metavar="GREMIUM",
              help="Entscheidendes Gremium (Kennung oder Name aus plan/lip.yaml).")
@_review_options
def entscheiden_command(kapitel: tuple[str, ...], angenommen: bool, zurueckgespielt: bool, vorgaben: tuple[str, ...],
                        sitzung: str | None, abstimmung: str | None, gremium: str, datum,
                        commit: str | None, plan_dir: Path) -> None:
    """Entscheidung der Lenkungsgruppe über die vorgelegte Fassung festhalten.

    Angenommen oder zurückgespielt (dann mit mindestens einer --vorgabe). Entschieden wird
    nur über genau die vorgelegte Fassung; bei gleichstellungsrelevanten Kapiteln muss zur
    Annahme die Stellungnahme der Gleichstellungsbeauftragten vorliegen.

    Mehrere KAPITEL: alle in einem Commit, alle oder keins (eine Sitzung entscheidet über
    mehrere Kapitel).
    KAPITEL: Kennung (bildung), Nummer (1), Dateiname (11-bildung.md) oder Titel des Kapitels.

    \b
    Beispiel:
      lip entscheiden bildung --angenommen --sitzung "5. Sitzung" --datum 2020-11-18
      lip entscheiden bildung demokratie --angenommen --sitzung "7. Sitzung"
      lip entscheiden bildung --zurueckgespielt --vorgabe "Eltern stärker einbeziehen" \\
          --vorgabe "Kennzahl für 1.2.1 ergänzen"
    """
    from pipeline.commands import record

    if angenommen and zurueckgespielt:
        raise click.UsageError("--angenommen und --zurueckgespielt schließen einander aus; "
                               "die Lenkungsgruppe entscheidet eins von beiden")
    if not (angenommen or zurueckgespielt):
        raise click.UsageError("--angenommen oder --zurueckgespielt angeben")
    _done(record.decide(plan_dir, list(kapitel), accepted=angenommen, vorgaben=vorgaben, datum=datum,
                         sitzung=sitzung, abstimmung=abstimmung, gremium=gremium, commit=commit))


@cli.command("stellungnahme")
@click.argument("kapitel", nargs=-1, required=True, metavar="KAPITEL...")
@click.option("--gremium", required=True, metavar="GREMIUM",
              help="Gremium, das Stellung nimmt, mit Kennung oder Namen: integrationsbeiraete "
                   "(„Integrationsbeiräte“), rtgs („RTGS“), gleichstellungsbeauftragte, "
                   "oeffentlichkeit.")
@click.option("--text", help="Wortlaut (Markdown).")
@click.option("--datei", type=click.Path(path_type=Path),
              help="Datei mit dem Wortlaut (.md); wird nach plan/stellungnahmen/ übernommen.")
@click.option("--art", type=click.Choice(["Einschätzung", "Stellungnahme", "Zusammenfassung"]),
              help="Art (Standard: wie beim Gremium in plan/lip.yaml).")
@_review_options
def stellungnahme_command(kapitel: tuple[str, ...], gremium: str, text: str | None, datei: Path | None,
                          art: str | None, datum, commit: str | None, plan_dir: Path) -> None:
    """Stellungnahme, Einschätzung oder Zusammenfassung zur vorgelegten Fassung festhalten.

    Bezieht sich auf die Fassung, die an ihrem Datum vorlag (auch wenn sie später eintrifft
    als eine jüngere Stellungnahme). Dieselbe Stellungnahme zweimal wird abgelehnt.

    Mehrere KAPITEL (mit --text): alle in einem Commit, alle oder keins.
    KAPITEL: Kennung (bildung), Nummer (1), Dateiname (11-bildung.md) oder Titel des Kapitels.

    \b
    Beispiel:
      lip stellungnahme demokratie --gremium RTGS --text "Der RTGS begrüßt …"
      lip stellungnahme wirtschaft verwaltung --gremium gleichstellungsbeauftragte --text "Einverstanden."
      lip stellungnahme demokratie --gremium integrationsbeiraete --datei einschaetzung.md
    """
    from pipeline.commands import record

    _done(record.add_statement(plan_dir, list(kapitel), gremium=gremium, text=text, datei=datei,
                                art=art, datum=datum, commit=commit))


@cli.command("vorgabe-erledigt")
@click.argument("kapitel")
@click.argument("vorgabe")
@click.option("--vermerk", required=True,
              help="Wie die Expert*innengruppe die Vorgabe umgesetzt hat.")
@_review_options
def vorgabe_erledigt_command(kapitel: str, vorgabe: str, vermerk: str, datum,
                             commit: str | None, plan_dir: Path) -> None:
    """Vermerken, wie eine Vorgabe der Lenkungsgruppe umgesetzt wurde.

    Vor der erneuten Vorlage muss jede Vorgabe der letzten Rückgabe erledigt sein.

    VORGABE: Kennung der Vorgabe aus der letzten Entscheidung, z. B. V1.
    KAPITEL: Kennung (bildung), Nummer (1), Dateiname (11-bildung.md) oder Titel des Kapitels.

    \b
    Beispiel:
      lip vorgabe-erledigt bildung V2 --vermerk "Kennzahl in Maßnahme 1.2.1 ergänzt"
    """
    from pipeline.commands import record

    _done(record.vorgabe_done(plan_dir, kapitel, vorgabe, vermerk=vermerk, datum=datum,
                               commit=commit))


@cli.command("berichtigen")
@click.argument("kapitel")
@click.option("--grund", required=True, help="Warum die Einträge berichtigt werden.")
@click.option("--datum", metavar="DATUM", callback=_datum, help=_DATUM_HELP)
@plan_dir_option
def berichtigen_command(kapitel: str, grund: str, datum, plan_dir: Path) -> None:
    """Eine Berichtigung des Beratungsverlaufs festhalten (wer, was, warum).

    Festgehaltene Einträge werden nie still geändert: lip check meldet jeden entfernten oder
    geänderten Eintrag. Ist ein Eintrag wirklich falsch (etwa ein Datum), den Eintrag im Kopf
    des Kapitels berichtigen und dann diesen Befehl aufrufen: er vermerkt unter
    review.berichtigungen, wer welche Einträge warum geändert hat, und macht einen Commit.
    Die Berichtigung erscheint in lip verlauf, auf der Website und in der Drucksache.

    Ebenso eine festgehaltene Abstimmung eines Änderungsantrags: die Abstimmung im Kopf der
    Antragsdatei berichtigen, dann diesen Befehl mit der Datei des Antrags aufrufen; vermerkt
    wird unter berichtigungen in der Antragsdatei.

    Ebenso der Beschluss des Rats (lip beschluss: Datum, Gremium, Stimmen) und eine benannte
    Fassung (lip fassung: Name, Datum, Commit, Tag): den Eintrag unter fassungen in
    plan/lip.yaml berichtigen, dann lip berichtigen beschluss (bzw. fassung) aufrufen;
    vermerkt wird unter berichtigungen in plan/lip.yaml. Datum und Beschreibung der Fassung
    folgen einem berichtigten Datum des Beschlusses. Abgelehnt wird eine Berichtigung, nach
    der der Beschluss nicht gelten kann (Stimmen ohne Mehrheit oder über den Sitzen, Datum
    in der Zukunft oder vor der letzten Abstimmung des Rats).

    KAPITEL: Kennung (bildung), Nummer (1), Dateiname (11-bildung.md) oder Titel des Kapitels;
    oder die Datei eines Änderungsantrags (1-gruene) bzw. seine Nummer, wenn kein Kapitel sie hat;
    oder beschluss bzw. fassung.

    \b
    Beispiel:
      lip berichtigen bildung --grund "Sitzung war am 13.03., nicht am 12.03."
      lip berichtigen 1-gruene --grund "laut Protokoll 7 Stimmen dafür, nicht 8"
      lip berichtigen beschluss --grund "laut Niederschrift 41 Stimmen dafür, nicht 40"
    """
    from pipeline.commands import record

    _done(record.correct(plan_dir, kapitel, grund=grund, datum=datum))


_STATUS_COLOURS = {"entwurf": "white", "vorgelegt": "yellow", "zurückgespielt": "red",
                   "überarbeitet": "magenta", "angenommen": "green", "beschlossen": "green"}


@cli.command("status")
@plan_dir_option
@click.option("--json", "as_json", is_flag=True, help="Stand als JSON auf die Standardausgabe.")
def status_command(plan_dir: Path, as_json: bool) -> None:
    """Stand der Beratung aller Kapitel auf einen Blick.

    Je Kapitel: Teil, Etappe, Expert*innengruppe, Stand, letzte Entscheidung, offene Vorgaben,
    fehlende Stellungnahmen und was sich seit der letzten Vorlage oder Entscheidung geändert
    hat (mit Wortzahlen); darunter die Vorschläge aus Word (lip word-import), die noch nicht
    übernommen sind; einer, der sich nicht mehr ohne Konflikt mit git merge übernehmen lässt,
    heißt „veraltet“ und nennt die Absätze und den Weg, der geht. Eine Datei, die sich nicht
    lesen lässt, steht als „nicht lesbar“ an ihrem Platz (Exit-Code 1). Nach dem Beschluss
    nennt die erste Zeile auch die Stimmen dazu. Farben nur im Terminal (NO_COLOR schaltet
    sie ab).

    \b
    Beispiel:
      lip status
      lip status --json > stand.json
    """
    from pipeline.commands import status as status_cmd

    status = status_cmd.status(plan_dir)
    rows = status.rows
    if as_json:
        click.echo(json.dumps({"kapitel": [r.to_json() for r in rows],
                               "vorschlaege": [p.to_json() for p in status.proposals],
                               "nicht_gelesen": [d.to_json() for d in status.unreadable]},
                              ensure_ascii=False, indent=2))
    else:
        _print_status(rows, status.summary)
        _print_proposals(status.proposals)
    if status.unreadable:  # a chapter the list cannot show must not go unnoticed
        for d in status.unreadable:
            click.echo(str(d), err=True)
        problems = counted(len(status.unreadable), "Problem", "Probleme")
        click.echo(f"{problems} beim Lesen des Plans; was sich nicht lesen lässt, steht im Stand "
                   f"als „nicht lesbar“. Details mit 'lip check'.", err=True)
        raise SystemExit(1)


def _print_status(rows: list, summary: str) -> None:
    from pipeline.commands.status import UNREADABLE, final_count, german_date

    color = False if os.environ.get("NO_COLOR") else None
    click.echo(click.style(f"Stand der Beratung: {summary}", bold=True), color=color)
    part = None
    width = min(max((len(r.titel) for r in rows), default=10), 54)
    for r in rows:
        if r.teil != part:
            part = r.teil
            in_part = [x for x in rows if x.teil == part]
            etappe = next((x.etappe for x in in_part if x.status != UNREADABLE), "")
            etappe = "" if etappe in part else f" – Etappe {etappe}"  # not twice
            click.echo(click.style(f"\n{part}{etappe} ({final_count(in_part, short=True)})",
                                   bold=True), color=color)
        if r.status == UNREADABLE:
            click.echo(f"  {'?':<2} {r.titel:<{width}}  " + click.style(r.stand, fg="red", bold=True),
                       color=color)
            click.echo(click.style(f"     {r.probleme[0] if r.probleme else ''}", dim=True),
                       color=color)
            continue
        stale = r.seit_entscheidung_geaendert and r.status == "angenommen"
        fg = "yellow" if stale else _STATUS_COLOURS.get(r.status)
        title = r.titel if len(r.titel) <= width else r.titel[:width - 1] + "…"
        etappe = "" if r.etappe in part else f" [Etappe {r.etappe}]"
        click.echo(f"  {r.nummer:<2} {title:<{width}}  "
                   + click.style(r.stand, fg=fg, bold=stale) + etappe, color=color)
        notes = [r.expertinnengruppe_name]
        if r.geaendert_durch:
            notes.append("; ".join(r.geaendert_durch))
        if r.status == "vorgelegt" and r.letzte_entscheidung:
            notes.append(f"zuletzt {r.letzte_entscheidung['ergebnis']} am "
                         f"{german_date(r.letzte_entscheidung['datum'])}")
        if r.offene_vorgaben:
            notes.append("offene Vorgaben: " + ", ".join(v["id"] for v in r.offene_vorgaben))
        if r.fehlende_stellungnahmen:
            notes.append("fehlende Stellungnahmen: " + ", ".join(r.fehlende_stellungnahmen_kurz))
        if r.probleme:
            notes.append(f"Beratungsverlauf fehlerhaft ({len(r.probleme)}), siehe lip check")
        click.echo(click.style(f"     {' · '.join(notes)}", dim=True), color=color)


def _print_proposals(proposals: list) -> None:
    """What came back from Word and waits on its branch: the editor decides on each."""
    from pipeline.commands.status import german_date

    if not proposals:
        return
    color = False if os.environ.get("NO_COLOR") else None
    click.echo(click.style(f"\nOffene Vorschläge aus Word ({len(proposals)}, noch nicht "
                           f"übernommen)", bold=True), color=color)
    for p in proposals:
        click.echo(f"  {p.branch}" + (click.style("  veraltet", fg="yellow", bold=True)
                                      if p.veraltet else ""), color=color)
        what = [", ".join(p.kapitel), p.woerter] if p.kapitel else []
        if p.anmerkungen:
            what.append("mit Anmerkungen" if p.kapitel else "nur Anmerkungen")
        what.append(f"{', '.join(p.autoren)}, {german_date(p.datum)}")
        click.echo(click.style(f"     {' · '.join(what)}", dim=True), color=color)
        if p.veraltet and p.wortweise:  # git merges by line; lip word-import by word
            click.echo("     seitdem auch im Arbeitsstand geändert, git merge ergäbe einen "
                       "Konflikt; lip word-import führt diese Absätze wortweise zusammen:",
                       color=color)
            for where in p.veraltet:
                click.echo(f"       {where}", color=color)
            click.echo(click.style(
                f"     Ansehen: lip redline {p.basis[:7]} {p.branch} · übernehmen: git branch "
                f"-D {p.branch}, dann lip word-import {shlex.quote(p.datei or 'DATEI.docx')} (dieselbe "
                f"Datei erneut) · verwerfen: git branch -D {p.branch}", dim=True), color=color)
        elif p.veraltet:  # git merge would stop in a conflict: say so, and what works instead
            click.echo("     seitdem auch im Arbeitsstand geändert, git merge ergäbe einen "
                       "Konflikt:", color=color)
            for where in p.veraltet:
                click.echo(f"       {where}", color=color)
            export = " ".join(p.veraltet_kapitel) or "KAPITEL"
            click.echo(click.style(
                f"     Ansehen: lip redline {p.basis[:7]} {p.branch} · übernehmen: lip "
                f"word-export {export}, die Änderungen in der neuen Datei wiederholen, lip "
                f"word-import DATEI.docx · verwerfen: git branch -D {p.branch}", dim=True),
                color=color)
    if any(not p.veraltet for p in proposals):
        click.echo(click.style(f"     Ansehen: lip redline {proposals[0].ziel} BRANCH · übernehmen: "
                               "git merge BRANCH · verwerfen: git branch -D BRANCH", dim=True),
                   color=color)


@cli.command("verlauf")
@click.argument("kapitel")
@plan_dir_option
@click.option("--json", "as_json", is_flag=True, help="Verlauf als JSON auf die Standardausgabe.")
def verlauf_command(kapitel: str, plan_dir: Path, as_json: bool) -> None:
    """Verlauf eines Kapitels: Textänderungen (aus git), Vorlagen, Entscheidungen, Stellungnahmen.

    Dazu die Schritte im Rat, wie die Seite des Kapitels sie zeigt: die Drucksache an die
    Gremien, die Abstimmungen über Punkte, die das Kapitel betreffen, und der Beschluss mit
    seinen Stimmen und den Punkten, die das Kapitel geändert haben.

    Ebenso der Verlauf eines Änderungsantrags: Antrag, Abstimmungen, Berichtigungen, Beschluss;
    und mit „beschluss“ die benannten Fassungen, der Beschluss des Rats und ihre Berichtigungen.

    KAPITEL: Kennung (bildung), Nummer (1), Dateiname (11-bildung.md) oder Titel des Kapitels;
    oder die Datei eines Änderungsantrags (1-gruene) bzw. seine Nummer, wenn kein Kapitel sie hat;
    oder beschluss.

    \b
    Beispiel:
      lip verlauf bildung
      lip verlauf 13-demokratie.md --json
      lip verlauf 1-gruene
      lip verlauf beschluss
    """
    from pipeline.commands import timeline as timeline_cmd

    what, name, entries = timeline_cmd.history_of(plan_dir, kapitel)
    if as_json:
        key = {"Kapitel": "kapitel", "Beschluss": "beschluss"}.get(what, "antrag")
        click.echo(json.dumps({key: name or "gesamter Plan", "verlauf": [e.to_json() for e in entries]},
                              ensure_ascii=False, indent=2))
        return
    color = False if os.environ.get("NO_COLOR") else None
    title = "Verlauf der Fassungen und des Beschlusses" if what == "Beschluss" \
        else f"Verlauf von {what} {name}"
    click.echo(click.style(title, bold=True), color=color)
    for e in entries:
        when = e.datum.strftime("%d.%m.%Y")
        if not e.commit:
            sha = ""
        elif e.art == "Textänderung":
            sha = f" [{e.commit[:7]}]"
        else:
            sha = f" · Fassung {e.commit[:7]}"
        click.echo(f"{when}  " + click.style(e.art.ljust(16), bold=True) + f" {e.text}{sha}",
                   color=color)
        for d in e.details:
            click.echo(f"{'':12}{'':17}{d}", color=color)


@cli.group("hooks", cls=GermanGroup)
def hooks_group() -> None:
    """Git-Hooks für Redakteur*innen: kaputte Metadaten gelangen nicht in die Historie.

    \b
    Beispiel:
      lip hooks install
    """


@hooks_group.command("install")
@click.option("--force", is_flag=True, help="Einen vorhandenen fremden pre-commit-Hook ersetzen.")
def hooks_install_command(force: bool) -> None:
    """pre-commit-Hook installieren, der vor jedem Commit die vorgemerkten Kapitel prüft.

    \b
    Beispiel:
      lip hooks install
    """
    from pipeline.commands import hooks

    target = hooks.install_hook(Path.cwd(), force=force)
    click.echo(f"Hook installiert: {target}", err=True)


@hooks_group.command("run")
@plan_dir_option
@click.argument("dateien", nargs=-1)
def hooks_run_command(plan_dir: Path, dateien: tuple[str, ...]) -> None:
    """Die zum Commit vorgemerkten Kapitel prüfen (vom pre-commit-Hook aufgerufen).

    DATEIEN: die Dateinamen, die das pre-commit-Framework übergibt; sie werden nicht
    gebraucht, geprüft wird der vorgemerkte Stand des ganzen Plans.

    \b
    Beispiel:
      lip hooks run
    """
    from pipeline.commands import hooks

    found = hooks.check_staged(Path.cwd(), plan_dir)
    _print_staged(found)
    if found.report.errors:
        click.echo(f"lip: {counted(len(found.report.errors), 'Fehler', 'Fehler')} im Stand, der "
                   f"committet werden soll; der Commit wurde abgebrochen. Bitte beheben, mit "
                   f"git add vormerken und erneut committen ('lip check --staged' prüft den "
                   f"vorgemerkten Stand wie dieser Hook).", err=True)
        raise SystemExit(1)


def _print_staged(found) -> None:
    """The problems of the staged plan, then the files whose fix may not be staged yet."""
    for d in found.report.sorted():
        click.echo(str(d), err=True)
    for path in found.not_added:
        click.echo(f"Hinweis: {path} ist im Arbeitsordner anders als vorgemerkt (schon "
                   f"korrigiert?); vormerken mit: git add {path}", err=True)


# --- redline (issue 5) -----------------------------------------------------------------------


def _redline_formats(ctx: click.Context, param: click.Parameter, values: tuple[str, ...]
                     ) -> tuple[str, ...]:
    """--format pdf --format html,docx -> ('pdf', 'html', 'docx'), as `lip build` takes them."""
    from pipeline.commands import named_formats
    from pipeline.commands.redline import FORMATS

    names = named_formats(values)
    for name in names:
        if name not in FORMATS:
            raise click.BadParameter(f"{name!r} ist keins von {', '.join(FORMATS)}")
    return tuple(names) or ("html",)


@cli.command("redline")
@click.argument("alt", required=False)
@click.argument("neu", required=False)
@plan_dir_option
@click.option("--seit-entscheidung", is_flag=True,
              help="Je Kapitel mit der Fassung vergleichen, über die die Lenkungsgruppe zuletzt "
                   "entschieden hat (Standard, wenn ALT fehlt).")
@click.option("--kapitel", multiple=True, metavar="KAPITEL",
              help="Nur dieses Kapitel (Kennung, Nummer, Datei oder Titel); mehrfach möglich.")
@click.option("--dateien", nargs=2, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              metavar="ALT.md NEU.md",
              help="Zwei Markdown-Dateien außerhalb des Plans vergleichen.")
@click.option("--format", "formats", multiple=True, metavar="FORMAT", callback=_redline_formats,
              help="html, pdf, docx, synopse oder md; mehrfach oder mit Komma, z. B. html,docx "
                   "(Standard: html; synopse = zweispaltige Gegenüberstellung).")
@click.option("--autor", metavar="NAME", help="Autor der Änderungen im Word-Dokument (Standard: die "
                              "Expert*innengruppe des Kapitels).")
@click.option("--nur-aenderungen", is_flag=True,
              help="Nur geänderte Absätze zeigen, jeweils unter ihren Überschriften.")
@click.option("--ausgabe", type=click.Path(file_okay=False, path_type=Path),
              default=Path("build/redline"), callback=_from_root, help="Zielordner (Standard: build/redline).")
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
      lip redline "1. Fassung" --format pdf,docx
      lip redline "1. Fassung" "2. Fassung" --kapitel bildung --format synopse
      lip redline --dateien alt.md neu.md --format html
    """
    from pipeline.commands.redline import build_redline, format_word_changes

    result = build_redline(plan_dir=plan_dir, alt=alt, neu=neu,
                           seit_entscheidung=seit_entscheidung, kapitel=kapitel,
                           dateien=tuple(dateien) if dateien else None, formats=formats,
                           autor=autor, out_root=ausgabe, only_changes=nur_aenderungen)
    for note in result.skipped:
        click.echo(f"Nicht verglichen: {note}", err=True)
    for c in result.chapters:
        s = c.redline.stats
        state = format_word_changes(s.words_added, s.words_removed, s.passages_moved) \
            if s.changed \
            else "unverändert"
        click.echo(f"{c.redline.title}: {state}", err=True)
        for f in s.fallbacks:
            click.echo(f"  Hinweis: {f}", err=True)
    for f in result.files:
        click.echo(str(f))



# --- site (issue 6) --------------------------------------------------------------------------


@cli.command("word-export")
@click.argument("kapitel", nargs=-1, metavar="[KAPITEL]...")
@plan_dir_option
@click.option("--rev", default=None, metavar="REV",
              help="Stand aus Git (Commit, Tag, Name einer Fassung); Standard: letzter Commit.")
@click.option("--ausgabe", "output", type=click.Path(path_type=Path), default=Path("build/word"),
              callback=_from_root, help="Zielordner (Standard: build/word).")
def word_export_command(kapitel: tuple[str, ...], plan_dir: Path, rev: str | None,
                        output: Path) -> None:
    """Kapitel als Word-Datei zum Überarbeiten ausgeben (eine DOCX je Kapitel).

    Die Datei trägt ihre Herkunft (Kapitel, Commit, Text-Hash) in den Dokumenteigenschaften;
    'lip word-import' findet damit den Text wieder, aus dem sie entstand. Ohne KAPITEL
    werden alle Kapitel ausgegeben. Exportiert wird der committete Stand.

    \b
    Beispiel:
      lip word-export bildung
      lip word-export bildung soziales --rev "1. Fassung"
    """
    from pipeline.commands import word

    result = word.export(plan_dir, list(kapitel), rev=rev, output=output)
    for path in result.files:
        click.echo(str(path))
    for path in result.uncommitted:
        click.echo(f"Hinweis: {path} hat nicht committete Änderungen; exportiert ist der "
                   f"committete Stand (erst committen, dann exportieren).", err=True)
    files = counted(len(result.files), "Word-Datei", "Word-Dateien")
    click.echo(f"{files} aus Commit {result.commit[:10]}. Nach der Überarbeitung (mit "
               f"„Änderungen nachverfolgen“): lip word-import DATEI.docx", err=True)


@cli.command("word-import")
@click.argument("argumente", nargs=-1, required=True, metavar="[KAPITEL] DATEI.docx")
@click.option("--neu", is_flag=True,
              help="Frei geschriebenen Entwurf als neuen Text von KAPITEL vorschlagen.")
@plan_dir_option
def word_import_command(argumente: tuple[str, ...], neu: bool, plan_dir: Path) -> None:
    """Überarbeitete Word-Datei als Vorschlag übernehmen (Branch vorschlag/…).

    Aufruf: lip word-import [KAPITEL] DATEI.docx – KAPITEL nur mit --neu.

    Liest die nachverfolgten Änderungen (mit Autor*in und Datum) und die Kommentare einer
    Datei aus 'lip word-export' und legt sie als Branch vorschlag/<kapitel>-<autor>-<datum>
    an: ein Commit je Autor*in, Kommentare in plan/anmerkungen/. main und die Dateien im
    Arbeitsordner bleiben unverändert. Wurde das Kapitel seit dem Export geändert, werden
    beide Fassungen zusammengeführt, auch Änderungen an verschiedenen Wörtern eines
    Absatzes; Stellen, die beide Seiten geändert haben (dieselben oder benachbarte Wörter),
    werden gemeldet und nichts wird übernommen.

    Mit --neu KAPITEL wird ein frei in Word geschriebener Entwurf (Überschriften wie
    „1.2 Grundschulen“, „Ziel 1.2.1: …“, Maßnahmen mit Feldern als Tabelle oder als
    „Federführung: …“) der neue Text des Kapitels; der Kopf bleibt. 'lip check' prüft das
    Ergebnis, Befunde nennen den Absatz des Entwurfs.

    \b
    Beispiel:
      lip word-import Rueckmeldung-Bildung.docx
      lip redline main vorschlag/bildung-erika-muster-2026-12-04
      lip word-import --neu bildung Entwurf-EG-Bildung.docx
    """
    from pipeline.commands import word

    if neu:
        if len(argumente) != 2:
            raise click.UsageError("mit --neu: lip word-import --neu KAPITEL DATEI.docx")
        drafted = word.import_draft(plan_dir, argumente[0], Path(argumente[1]))
        ch = drafted.chapter
        images = counted(len(drafted.images), "Bild", "Bilder")
        click.echo(f"Entwurf für Kapitel {ch.number} {ch.title} als Vorschlag angelegt: Branch "
                   f"{drafted.branch} ({counted(drafted.paragraphs, 'Absatz', 'Absätze')}"
                   + (f", {images} in plan/bilder/" if drafted.images else "") + ")")
        for problem in drafted.problems:
            click.echo(f"Problem: {problem}", err=True)
        click.echo(f"Änderungsfassung ansehen: lip redline {drafted.ziel} {drafted.branch}")
        if drafted.problems:
            problems = counted(len(drafted.problems), "Problem", "Probleme")
            click.echo(f"{problems} im Entwurf; bitte auf dem Branch beheben oder den Entwurf "
                       f"korrigieren und erneut übernehmen.", err=True)
            raise SystemExit(1)
        return
    if len(argumente) != 1:
        raise click.UsageError("Aufruf: lip word-import DATEI.docx (oder --neu KAPITEL DATEI.docx)")
    datei = Path(argumente[0])
    result = word.import_reviewed(plan_dir, datei)
    named = ", ".join(f"{ch.number} {ch.title}" for ch in result.chapters or [result.chapter])
    click.echo(f"Vorschlag für Kapitel {named} angelegt: Branch {result.branch}")
    if result.merged:
        click.echo("Das Kapitel wurde seit dem Export geändert; die Änderungen aus Word wurden "
                   "mit dem jetzigen Stand zusammengeführt.")
    from pipeline.commands.status import german_date

    for author, date, n in result.commits:
        if n is None:  # edits made with tracking off: Word names neither them nor their author
            who = "" if author == "unbekannt" else f" (zuletzt gespeichert von {author})"
            click.echo(f"  Änderungen ohne Nachverfolgung{who}: als Ganzes übernommen")
            continue
        click.echo(f"  {author}: {counted(n, 'Änderung', 'Änderungen')}"
                   + (f" (bis {german_date(date[:10])})" if date else ""))
    if result.comments:
        click.echo(f"  {counted(result.comments, 'Kommentar', 'Kommentare')} in "
                   f"{result.comments_file}")
    for note in result.notes:
        click.echo(f"Hinweis: {note}")
    click.echo(f"Änderungsfassung ansehen: lip redline {result.ziel} {result.branch}")


@cli.command("site")
@plan_dir_option
@click.option("--ausgabe", "out_dir", type=click.Path(path_type=Path), default=Path("build/site"), callback=_from_root,
              help="Zielordner der Website (Standard: build/site).")
@click.option("--open", "open_", is_flag=True,
              help="Nur die Adresse der Startseite ausgeben, zum Öffnen im Browser.")
@click.option("--trotz-fehlern", "force", is_flag=True,
              help="Auch bauen, wenn 'lip check' Fehler meldet (Entwurfsstand ansehen); "
                   "was sich nicht lesen lässt, nennt ein Hinweis oben auf jeder Seite.")
def site_command(plan_dir: Path, out_dir: Path, open_: bool, force: bool) -> None:
    """Website für die Beteiligten bauen: Stand, Kapitel, Änderungen, Synopsen, Maßnahmen,
    Fassungen, Änderungsanträge.

    Schreibt eine statische Website nach build/site/, die ohne Netz funktioniert: direkt von
    der Festplatte geöffnet oder auf einem beliebigen Webserver abgelegt. Die Seiten entstehen
    aus den Vorlagen in templates/site/. Die Startseite nennt den Commit und, wie 'lip build',
    ob nicht committete Änderungen darin sind.

    \b
    Beispiel:
      lip site
      lip site --open
      lip site --trotz-fehlern
    """
    from pipeline.commands import site

    result = site.site_for_plan_dir(plan_dir, out_dir, require_valid=not force)
    click.echo(f"Website geschrieben: {result.index} ({len(result.pages)} Seiten, "
               f"{result.seconds:.1f} s).", err=True)
    for note in result.notes:
        click.echo(f"Hinweis: {note}", err=True)
    if open_:
        address = result.index.resolve().as_uri()
        if _open_in_browser(address):
            click.echo(f"Im Browser geöffnet: {address}", err=True)
        else:  # no browser here (a server, a terminal session): the address to open elsewhere
            click.echo(f"Kein Browser gefunden; die Website liegt unter: {address}", err=True)
            click.echo(address)


def _open_in_browser(address: str) -> bool:
    """Open `address` in the user's browser, if this machine has one that can show it."""
    import webbrowser

    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    graphical = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") \
        or sys.platform in ("win32", "darwin")
    chosen = os.environ.get("BROWSER")  # the user's own choice is always taken
    if not graphical and not chosen and type(browser).__name__ in ("GenericBrowser", "BackgroundBrowser"):
        return False  # a text browser in a terminal session would take the terminal over
    try:
        return bool(browser.open(address))
    except OSError:
        return False


# --- preview while writing (issue 19) ------------------------------------------------------


@cli.command("vorschau")
@plan_dir_option
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port auf 127.0.0.1 (0: ein freier Port).")
@click.option("--pdf", is_flag=True, help="Auch die Beschlussdrucksache (build/LIP-2.0.pdf) "
                                          "bei jedem Speichern neu bauen.")
def vorschau_command(plan_dir: Path, port: int, pdf: bool) -> None:
    """Vorschau beim Schreiben: die Website des Arbeitsstands, bei jedem Speichern neu.

    Zeigt die Website für die Beteiligten unter http://127.0.0.1:PORT/ (nur auf diesem
    Rechner erreichbar). Jede gespeicherte Änderung in plan/ oder templates/ wird geprüft
    und gebaut; die geöffnete Seite lädt sich selbst neu. Probleme aus 'lip check' stehen
    oben auf der Seite und im Terminal. Beenden mit Strg+C.

    \b
    Beispiel:
      lip vorschau
      lip vorschau --port 8001 --pdf
    """
    from pipeline.commands import vorschau

    root = project_root() or plan_dir.resolve().parent
    vorschau.run(plan_dir, port=port, pdf=pdf, root=root,
                 echo=lambda text: click.echo(text, err=True) if not text.startswith("Vorschau läuft")
                 else click.echo(text))


# --- CI on the city's git host (issue 19) --------------------------------------------------


@cli.group("ci", cls=GermanGroup)
def ci_group() -> None:
    """Für GitLab CI und GitHub Actions (ci/gitlab-ci.yml, ci/github-workflow.yml).

    Beide rufen ci/lip-ci.sh auf, das diese Befehle aufruft.

    \b
    Beispiel:
      lip ci merge-request --ziel main
      lip ci seite --ausgabe public
    """


@ci_group.command("merge-request")
@click.option("--ziel", required=True, metavar="BRANCH",
              help="Ziel-Branch des Merge-Requests (z. B. main); verglichen wird mit dem Stand, "
                   "von dem der Branch abzweigt.")
@plan_dir_option
@click.option("--ausgabe", type=click.Path(file_okay=False, path_type=Path), default=Path("build/ci"),
              callback=_from_root, help="Zielordner der Artefakte (Standard: build/ci).")
@click.option("--github", is_flag=True, help="Befunde als GitHub-Anmerkungen (::error …) ausgeben.")
@click.option("--zusammenfassung", type=click.Path(dir_okay=False, path_type=Path),
              help="Die Zusammenfassung (Markdown) zusätzlich an diese Datei anhängen "
                   "(GitHub: $GITHUB_STEP_SUMMARY).")
def ci_merge_request_command(ziel: str, plan_dir: Path, ausgabe: Path, github: bool,
                             zusammenfassung: Path | None) -> None:
    """Merge-Request prüfen: Prüfbericht, PDF, Website, Redline der geänderten Kapitel.

    Schreibt gl-code-quality-report.json, zusammenfassung.md, dokumente/, site/ und redline/
    in den Zielordner; baut, was sich bauen lässt. Exit-Code 1, wenn der Plan Fehler hat.

    \b
    Beispiel:
      lip ci merge-request --ziel main
    """
    from pipeline.commands import ci

    result = ci.merge_request(plan_dir, ziel, ausgabe)
    if github:
        for line in result.annotations:
            click.echo(line)
    else:
        for d in result.report.sorted():
            click.echo(str(d), err=True)
    click.echo(result.summary, err=True)
    if zusammenfassung is not None:
        with open(zusammenfassung, "a", encoding="utf-8") as f:
            f.write(result.summary)
    if result.failed:
        raise SystemExit(1)


@ci_group.command("seite")
@plan_dir_option
@click.option("--ausgabe", type=click.Path(file_okay=False, path_type=Path), default=Path("public"),
              help="Zielordner der Website (Standard: public, wie GitLab Pages ihn erwartet).")
def ci_seite_command(plan_dir: Path, ausgabe: Path) -> None:
    """Website mit PDF und Word-Datei für die Veröffentlichung bauen (Standard-Branch).

    \b
    Beispiel:
      lip ci seite --ausgabe public
    """
    from pipeline.commands import ci

    index = ci.pages(plan_dir, ausgabe, ausgabe.parent / "build")
    click.echo(f"Website geschrieben: {index}", err=True)


# --- council stage (issue 18) ----------------------------------------------------------------


def _council_done(done) -> None:
    click.echo(done.message, err=True)
    for line in done.lines:
        click.echo(f"  {line}", err=True)
    click.echo(f"Commit {done.commit[:10]}.", err=True)


def _required_datum(ctx: click.Context, param: click.Parameter, value: str | None):
    if value is None:
        raise click.BadParameter("bitte das Datum angeben (TT.MM.JJJJ oder JJJJ-MM-TT)")
    return _datum(ctx, param, value)


def _punkte(ctx: click.Context, param: click.Parameter, value: str | None):
    if value is None:
        return None
    try:
        numbers = [int(v) for v in value.replace(" ", "").split(",") if v]
    except ValueError:
        raise click.BadParameter(f"{value!r}: Nummern durch Kommas getrennt, z. B. 1,3") from None
    if not numbers or min(numbers) < 1:
        raise click.BadParameter(f"{value!r}: Nummern ab 1, durch Kommas getrennt, z. B. 1,3")
    return numbers


@cli.command("fassung", short_help="Den jetzigen, committeten Stand als Fassung benennen "
                                   "(Tag und Eintrag in plan/lip.yaml).")
@click.argument("name")
@click.option("--final", is_flag=True,
              help="Nur benennen, wenn 'lip check --final' besteht (alle Kapitel angenommen).")
@click.option("--beschreibung", help="Kurze Beschreibung der Fassung.")
@click.option("--datum", metavar="DATUM", callback=_datum,
              help="Datum der Fassung (TT.MM.JJJJ oder JJJJ-MM-TT; Standard: heute; nicht in der "
                   "Zukunft und nicht vor den Einträgen, die sie enthält).")
@plan_dir_option
def fassung_command(name: str, final: bool, beschreibung: str | None, datum, plan_dir: Path) -> None:
    """Den jetzigen, committeten Stand als Fassung benennen (z. B. „Verwaltungsentwurf“).

    Trägt die Fassung in plan/lip.yaml ein und legt ein annotiertes Git-Tag an, in einem
    Commit. Abgelehnt, wenn der Plan nicht committete Änderungen hat oder der Name schon
    vergeben ist. 'lip check' meldet, wenn das Tag später verschoben oder gelöscht wird.

    NAME: Name der Fassung, z. B. „Verwaltungsentwurf“ oder „3. Fassung“.

    \b
    Beispiel:
      lip fassung Verwaltungsentwurf --final --beschreibung "an den Internationalen Ausschuss"
    """
    from pipeline.commands import council

    _council_done(council.name_fassung(plan_dir, name, final=final, datum=datum,
                                       beschreibung=beschreibung))


@cli.group("antrag")
def antrag_group() -> None:
    """Änderungsanträge der Fraktionen, Gruppen und Ratsmitglieder (Dateien in plan/antraege/).

    Jeder Antrag ist eine Datei plan/antraege/<nr>-<antragsteller>.md: im Kopf Antragsteller,
    Datum, Fassung, Gremium und die Punkte, darunter die Begründung. 'lip check' prüft sie.

    \b
    Beispiel:
      lip antrag neu --antragsteller "SPD-Fraktion"
    """


@antrag_group.command("neu")
@click.option("--antragsteller", required=True, metavar="NAME",
              help="Fraktion, Gruppe oder Ratsmitglied, z. B. \"Fraktion Bündnis 90/Die Grünen\".")
@click.option("--art", default="Fraktion", show_default=False,
              help="Fraktion (Standard), Gruppe oder Ratsmitglied.")
@click.option("--fassung", metavar="NAME", help="Fassung, auf die sich der Antrag bezieht (Standard: die letzte).")
@click.option("--gremium", metavar="GREMIUM",
              help="Gremium, in das der Antrag eingebracht wird, mit Kennung oder Namen "
                   "(Standard: das erste beschließende).")
@click.option("--datum", metavar="DATUM", callback=_datum,
              help="Datum des Antrags (TT.MM.JJJJ oder JJJJ-MM-TT; Standard: heute).")
@plan_dir_option
def antrag_neu_command(antragsteller: str, art: str, fassung: str | None, gremium: str | None,
                       datum, plan_dir: Path) -> None:
    """Einen neuen Änderungsantrag anlegen: eine ausgefüllte Vorlage zum Bearbeiten.

    \b
    Beispiel:
      lip antrag neu --antragsteller "Fraktion Bündnis 90/Die Grünen"
    """
    from pipeline.commands import council

    path = council.new_antrag(plan_dir, antragsteller=antragsteller, art=art, fassung=fassung,
                              gremium=gremium, datum=datum)
    click.echo(f"Angelegt: {path}", err=True)
    click.echo("Punkte und Begründung ausfüllen, dann 'lip check' und committen.", err=True)


@cli.command("abstimmung")
@click.argument("antrag")
@click.option("--gremium", required=True, metavar="GREMIUM",
              help="Abstimmendes Gremium, mit Kennung oder Namen, z. B. internationaler-ausschuss "
                   "oder „Internationaler Ausschuss“.")
@click.option("--datum", metavar="DATUM", callback=_required_datum,
              help="Datum der Sitzung (TT.MM.JJJJ oder JJJJ-MM-TT; nicht in der Zukunft).")
@click.option("--punkte", callback=_punkte, metavar="1,3", help="Punkte, über die abgestimmt wurde (Standard: alle).")
@click.option("--dafuer", type=click.IntRange(min=0), metavar="N", help="Stimmen dafür.")
@click.option("--dagegen", type=click.IntRange(min=0), metavar="N", help="Stimmen dagegen.")
@click.option("--enthaltungen", type=click.IntRange(min=0), metavar="N", help="Enthaltungen.")
@click.option("--einstimmig", is_flag=True, help="Einstimmig (angenommen, mit --abgelehnt: abgelehnt).")
@click.option("--abgelehnt", is_flag=True, help="Abgelehnt.")
@click.option("--zurueckgezogen", is_flag=True, help="Von den Antragstellenden zurückgezogen.")
@click.option("--vertagt", is_flag=True, help="Vertagt (es wird später erneut abgestimmt).")
@click.option("--sitzung", metavar="TEXT", help="Sitzung, z. B. \"12. Sitzung des Internationalen Ausschusses\".")
@plan_dir_option
def abstimmung_command(antrag: str, gremium: str, datum, punkte, dafuer, dagegen, enthaltungen,
                       einstimmig: bool, abgelehnt: bool, zurueckgezogen: bool, vertagt: bool,
                       sitzung: str | None, plan_dir: Path) -> None:
    """Abstimmung eines Gremiums über Punkte eines Änderungsantrags festhalten (ein Commit).

    ANTRAG: Nummer (1) oder Datei (antraege/1-gruene.md) des Änderungsantrags.

    \b
    Beispiel:
      lip abstimmung 1 --gremium internationaler-ausschuss --datum 14.01.2021 \\
          --punkte 1,3 --dafuer 8 --dagegen 2 --enthaltungen 1
      lip abstimmung 2 --gremium ratsversammlung --datum 28.01.2021 --einstimmig
    """
    from pipeline.commands import council

    _council_done(council.vote(plan_dir, antrag, gremium=gremium, datum=datum, punkte=punkte,
                               dafuer=dafuer, dagegen=dagegen, enthaltungen=enthaltungen,
                               einstimmig=einstimmig, abgelehnt=abgelehnt,
                               zurueckgezogen=zurueckgezogen, vertagt=vertagt, sitzung=sitzung))


@cli.command("beschluss")
@click.option("--gremium", required=True, metavar="GREMIUM",
              help="Das Gremium mit dem letzten Wort (das letzte beschließende der "
                   "Beratungsfolge), mit Kennung oder Namen: ratsversammlung.")
@click.option("--datum", metavar="DATUM", callback=_required_datum,
              help="Datum des Beschlusses (TT.MM.JJJJ oder JJJJ-MM-TT; nicht vor der letzten "
                   "Abstimmung des Gremiums, nicht in der Zukunft).")
@click.option("--name", "name", default="Beschlossene Fassung", metavar="NAME",
              help="Name der beschlossenen Fassung (Standard: „Beschlossene Fassung“).")
@click.option("--sitzung", metavar="TEXT", help="Sitzung, in der beschlossen wurde.")
@click.option("--dafuer", type=click.IntRange(min=0), metavar="N",
              help="Stimmen dafür (mit --dagegen; mehr dafür als dagegen, wie bei lip abstimmung).")
@click.option("--dagegen", type=click.IntRange(min=0), metavar="N", help="Stimmen dagegen.")
@click.option("--enthaltungen", type=click.IntRange(min=0), metavar="N", help="Enthaltungen.")
@click.option("--einstimmig", is_flag=True, help="Einstimmig beschlossen (statt Stimmenzahlen).")
@plan_dir_option
def beschluss_command(gremium: str, datum, name: str, sitzung: str | None, dafuer, dagegen,
                      enthaltungen, einstimmig: bool, plan_dir: Path) -> None:
    """Beschluss festhalten: angenommene Punkte übernehmen und die beschlossene Fassung benennen.

    Den Beschluss fasst das letzte beschließende Gremium der Beratungsfolge (die
    Ratsversammlung); die Abstimmungen der Gremien davor sind Empfehlungen. Übernimmt jeden
    Punkt, den es angenommen hat, in den Text (nach Antrags- und Punktnummer), prüft das
    Ergebnis wie 'lip check --final' und committet es als Fassung mit Tag. Abgelehnt, solange
    es über einen Punkt nicht abgestimmt oder ihn vertagt hat, zwei angenommene Punkte
    denselben Text ändern, ein Punkt eine Maßnahme streicht, auf die noch verwiesen wird, oder
    der Plan schon beschlossen ist (ein späterer Antrag bezieht sich dann auf die
    beschlossene Fassung und braucht --name).

    Die Stimmen zur Drucksache sind freiwillig und gelten wie bei 'lip abstimmung': --dafuer
    und --dagegen zusammen (mehr dafür als dagegen, nicht mehr Stimmen als Sitze) oder
    --einstimmig. Sie stehen dann in der Beschlussübersicht, im Beratungsverlauf der
    Drucksache und auf der Website.

    \b
    Beispiel:
      lip beschluss --gremium ratsversammlung --datum 28.01.2021
      lip beschluss --gremium ratsversammlung --datum 28.01.2021 \\
          --dafuer 52 --dagegen 10 --enthaltungen 3
    """
    from pipeline.commands import council

    _council_done(council.beschluss(plan_dir, gremium=gremium, datum=datum, name=name,
                                    sitzung=sitzung, dafuer=dafuer, dagegen=dagegen,
                                    enthaltungen=enthaltungen, einstimmig=einstimmig))


@antrag_group.command("pdf")
@click.argument("antraege", nargs=-1, metavar="[ANTRAG]...")
@click.option("--ausgabe", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("build/rat"), callback=_from_root, metavar="ORDNER",
              help="Ausgabeordner (Standard: build/rat).")
@plan_dir_option
def antrag_pdf_command(antraege: tuple[str, ...], out_dir: Path, plan_dir: Path) -> None:
    """Änderungsanträge als PDF: Punkte als Synopse (bisheriger und neuer Wortlaut), Begründung.

    Ohne ANTRAG entsteht ein PDF je Antrag. Gelesen wird der letzte Commit.

    \b
    Beispiel:
      lip antrag pdf 1
      lip antrag pdf
    """
    from pipeline.commands import council_documents
    from pipeline.commands.fassungen import committed_antraege

    keys = list(antraege) or [a.nummer for a in committed_antraege(plan_dir)]
    if not keys:
        raise click.UsageError("es gibt (im letzten Commit) keine Änderungsanträge in plan/antraege/")
    for key in keys:
        click.echo(f"Geschrieben: {council_documents.antrag_pdf(plan_dir, key, out_dir)}", err=True)


@cli.command("ergaenzung")
@click.option("--nummer", default="E1", metavar="E1", help="Nummer der Ergänzung (Standard: E1).")
@click.option("--fassung", metavar="NAME",
              help="Fassung, gegen die die Änderungen gezeigt werden (Standard: die letzte nicht beschlossene).")
@click.option("--ausgabe", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("build/rat"), callback=_from_root, metavar="ORDNER",
              help="Ausgabeordner (Standard: build/rat).")
@click.option("--datum", metavar="DATUM", callback=_datum,
              help="Datum der Ergänzung (TT.MM.JJJJ oder JJJJ-MM-TT; Standard: der Tag des letzten Commits).")
@plan_dir_option
def ergaenzung_command(nummer: str, fassung: str | None, out_dir: Path, datum, plan_dir: Path) -> None:
    """Ergänzung zur Drucksache schreiben: alle textlichen Änderungen seit der Fassung als Redline.

    Die Drucksache „<Nr.> E1“ beantragt, die in ihrer Anlage 1 aufgeführten textlichen
    Änderungen zu beschließen; die Anlage zeigt jede Änderung Kapitel für Kapitel. Die
    Verwaltung schickt sie vor dem Beschluss; nach dem Beschluss der Ratsversammlung lehnt
    lip sie ab.

    \b
    Beispiel:
      lip ergaenzung --fassung Verwaltungsentwurf --datum 08.01.2021
    """
    from pipeline.commands import council_documents

    out = council_documents.ergaenzung_pdf(plan_dir, nummer=nummer, fassung=fassung, datum=datum,
                                           out_dir=out_dir)
    click.echo(f"Geschrieben: {out}", err=True)


@cli.command("beschlussuebersicht")
@click.option("--gremium", required=True, metavar="GREMIUM", help="Gremium der Sitzung (Kennung oder Name).")
@click.option("--datum", metavar="DATUM", callback=_required_datum,
              help="Datum der Sitzung (TT.MM.JJJJ oder JJJJ-MM-TT).")
@click.option("--ausgabe", "out_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("build/rat"), callback=_from_root, metavar="ORDNER",
              help="Ausgabeordner (Standard: build/rat).")
@plan_dir_option
def beschlussuebersicht_command(gremium: str, datum, out_dir: Path, plan_dir: Path) -> None:
    """Beschlussübersicht einer Sitzung: jeder Antrag und Punkt mit seinem Ergebnis (PDF).

    Nach Antrags- und Punktnummer geordnet; fiel in der Sitzung der Beschluss über die
    Drucksache, steht er in der letzten Zeile.

    \b
    Beispiel:
      lip beschlussuebersicht --gremium internationaler-ausschuss --datum 14.01.2021
    """
    from pipeline.commands import council_documents

    out = council_documents.beschlussuebersicht_pdf(plan_dir, gremium=gremium, datum=datum, out_dir=out_dir)
    click.echo(f"Geschrieben: {out}", err=True)


@cli.command("oparl")
@click.option("--basis-url", "base_url", required=True, metavar="URL",
              help="Adresse, unter der der Ausgabeordner veröffentlicht wird, z. B. https://ratsinfo.example/oparl.")
@click.option("--ausgabe", "output", type=click.Path(path_type=Path, file_okay=False),
              default=Path("build/oparl"), callback=_from_root,
              metavar="ORDNER", help="Ausgabeordner (Standard: build/oparl).")
@click.option("--pdf-ordner", "build_dir", type=click.Path(path_type=Path, file_okay=False),
              default=Path("build"), callback=_from_root,
              metavar="ORDNER", help="Wo die PDFs liegen (Standard: build).")
@plan_dir_option
def oparl_command(base_url: str, output: Path, build_dir: Path, plan_dir: Path) -> None:
    """Drucksache, Änderungsanträge und Beratungen als OParl-1.1-Dateien schreiben.

    Liest den Plan aus dem letzten Commit: gleicher Commit, gleiche Bytes. Jedes Objekt liegt
    unter <ORDNER>/<art>/<name>.json, die PDFs unter <ORDNER>/dateien/; der Ordner kann so, wie
    er ist, unter der Basis-URL veröffentlicht werden. Die Beschlussübersicht einer Sitzung
    (build/rat/, lip beschlussuebersicht) wird deren Ergebnisprotokoll.

    \b
    Beispiel:
      lip oparl --basis-url https://ratsinfo.hannover.example/oparl --ausgabe build/oparl
    """
    from pipeline.commands import oparl

    written = oparl.export(plan_dir, base_url=base_url, output=output, build_dir=build_dir)
    click.echo(written.summary(), err=True)


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
    ("is a directory", "ist ein Ordner"),
    ("is a file", "ist eine Datei"),
    ("File '", "Datei '"),
    ("Directory '", "Ordner '"),
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
        problems = counted(len(e.diagnostics), "Problem", "Probleme")
        click.echo(f"{problems} im Plan; Details mit 'lip check'.", err=True)
        raise SystemExit(e.exit_code) from None
    except PipelineError as e:
        if debug:
            raise
        click.echo(f"Fehler: {e}", err=True)
        raise SystemExit(e.exit_code) from None
    except KeyboardInterrupt:
        click.echo("Abgebrochen.", err=True)
        raise SystemExit(130) from None
    except OSError as e:  # a file that cannot be written or read: the user can act on it
        if debug:
            raise
        from pipeline.files import os_error_text

        click.echo(f"Fehler: Dateizugriff fehlgeschlagen: {os_error_text(e)}", err=True)
        raise SystemExit(3) from None
    except Exception as e:
        if debug or os.environ.get("LIP_DEBUG"):
            raise
        from pipeline.commands import git_failure

        if (message := git_failure(e)) is not None:  # GitPython's own words are English
            click.echo(f"Fehler: {message}", err=True)
            raise SystemExit(3) from None
        click.echo("Interner Fehler in lip – bitte mit --debug erneut ausführen und den "
                   "Traceback dem Entwicklungsteam melden.", err=True)
        raise SystemExit(4) from None


def run() -> None:
    """The `lip` console script: `main()`, then leave without tearing the interpreter down.

    A short command gains nothing from Python's orderly shutdown (module teardown, freeing
    every object); it costs 40–80 ms, a tenth of building the shipped plan as HTML. Output
    is flushed first; an unexpected error still ends in Python's own handling.
    """
    from pipeline.commands import prepare_process

    prepare_process()
    try:
        main()
        code = 0
    except SystemExit as e:
        if isinstance(e.code, str):
            print(e.code, file=sys.stderr)
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    if "logging" in sys.modules:
        sys.modules["logging"].shutdown()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe (lip … | head) loses nothing more
            pass
    os._exit(code)
