#!/usr/bin/env bash
# The one script GitLab CI (ci/gitlab-ci.yml) and GitHub Actions (ci/github-workflow.yml) call.
# The logic lives in `lip ci`; this script only installs lip when needed, fetches the target
# branch, and maps the host's variables to options.
#
#   ci/lip-ci.sh merge-request ZIEL-BRANCH   Prüfbericht, PDF, Website, Redline nach build/ci/
#   ci/lip-ci.sh seite [ORDNER]              Website mit PDF und DOCX nach ORDNER (Standard public)
#
# LIP: the lip command to use (default: .venv/bin/lip, installed here on first use).
set -euo pipefail
cd "$(dirname "$0")/.."

LIP="${LIP:-.venv/bin/lip}"
if ! command -v "$LIP" >/dev/null 2>&1 && [ ! -x "$LIP" ]; then
  echo "lip wird installiert (.venv) …" >&2
  python3 -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e .
  LIP=.venv/bin/lip
fi

what="${1:-}"
case "$what" in
  merge-request)
    target="${2:-${CI_MERGE_REQUEST_TARGET_BRANCH_NAME:-${GITHUB_BASE_REF:-}}}"
    if [ -z "$target" ]; then
      echo "Fehler: Ziel-Branch fehlt (ci/lip-ci.sh merge-request ZIEL-BRANCH)" >&2
      exit 2
    fi
    # The host's clone may lack the target branch (GitLab fetches only the MR's branch).
    if git remote get-url origin >/dev/null 2>&1; then
      git fetch --quiet origin "+refs/heads/$target:refs/remotes/origin/$target" || \
        echo "Hinweis: Ziel-Branch $target ließ sich nicht holen" >&2
    fi
    args=(ci merge-request --ziel "$target" --ausgabe build/ci)
    if [ "${GITHUB_ACTIONS:-}" = "true" ]; then
      args+=(--github)
      if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then args+=(--zusammenfassung "$GITHUB_STEP_SUMMARY"); fi
    fi
    exec "$LIP" "${args[@]}"
    ;;
  seite)
    exec "$LIP" ci seite --ausgabe "${2:-public}"
    ;;
  *)
    echo "Aufruf: ci/lip-ci.sh merge-request ZIEL-BRANCH | ci/lip-ci.sh seite [ORDNER]" >&2
    exit 2
    ;;
esac
