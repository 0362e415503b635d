#!/usr/bin/env bash
# Static security checks of the bundled Terraform modules with checkov.
# checkov pins an old boto3, so it lives in its own virtualenv: $CHECKOV_VENV (default: .venv-checkov).
# Every failed check must be fixed or skipped inline in the module with a one-line reason.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
venv=${CHECKOV_VENV:-$repo_root/.venv-checkov}
checkov_version=${CHECKOV_VERSION:-3.3.30}

if [[ ! -x $venv/bin/checkov ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$checkov_version"
fi

# --skip-download: no calls to the vendor's platform (and none are possible offline).
exec "$venv/bin/checkov" --directory "$repo_root/terraform_modules" --framework terraform \
  --compact --quiet --skip-download "$@"
