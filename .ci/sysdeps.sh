#!/usr/bin/env bash
# Install the Debian packages lip needs, if any is missing: `sysdeps.sh build` only those the
# `lip` command itself runs (an editor's `make`), `sysdeps.sh` also those of the tests.
set -euo pipefail
need=()
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)  # pdftotext: the council's line numbers
command -v git >/dev/null 2>&1 || need+=(git)
# pandoc draws a PNG copy of every SVG into the DOCX for Word versions without SVG support;
# without rsvg-convert the DOCX would differ from machine to machine.
command -v rsvg-convert >/dev/null 2>&1 || need+=(librsvg2-bin)
if [ "${1:-all}" != build ]; then
command -v chromium >/dev/null 2>&1 || need+=(chromium)   # site browser tests (issue 6)
command -v npm >/dev/null 2>&1 || need+=(npm)             # axe-core for the site tests
command -v rsync >/dev/null 2>&1 || need+=(rsync)         # gitlab-ci-local copies the project with it
command -v montage >/dev/null 2>&1 || need+=(imagemagick)        # make preview: all pages in one PNG
# Layout tests open the DOCX; the Word round trip tests (issue 17) edit exported DOCX with
# tracked changes in LibreOffice, scripted through python3-uno.
command -v soffice >/dev/null 2>&1 || need+=(libreoffice-writer-nogui)
/usr/bin/python3 -c 'import uno' >/dev/null 2>&1 || need+=(python3-uno)
fi
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Bitte als root installieren: apt-get install ${need[*]}" >&2
  exit 1
fi
echo "Installiere Systempakete: ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${need[@]}" >/dev/null
