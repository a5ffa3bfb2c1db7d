#!/usr/bin/env bash
# The GitHub Action's certify step (action.yml): runs `golive certify` with the inputs given
# as GOLIVE_* variables, appends report.md to the step summary, sets the step's outputs, and
# exits with certify's exit code. Runs anywhere bash runs: the tests call it directly.
set -uo pipefail

golive="${GITHUB_ACTION_PATH:?GITHUB_ACTION_PATH is not set}/bin/golive.js"
out="${GOLIVE_OUT:-golive-report}"
args=(certify --out "$out")
[ -n "${GOLIVE_CONFIG:-}" ] && args+=(--config "$GOLIVE_CONFIG")
[ -n "${GOLIVE_FORMATS:-}" ] && args+=(--format "$GOLIVE_FORMATS")
[ -n "${GOLIVE_ONLY:-}" ] && args+=(--only "$GOLIVE_ONLY")
[ "${GOLIVE_FAST:-false}" = "true" ] && args+=(--fast)

node "$golive" "${args[@]}"
code=$?

report_dir="$(cd "$out" 2>/dev/null && pwd || echo "$PWD/$out")"
certified=false
[ "$code" -eq 0 ] && certified=true
if [ -n "${GITHUB_OUTPUT:-}" ]; then
  {
    echo "certified=$certified"
    echo "exit-code=$code"
    echo "report-dir=$report_dir"
  } >>"$GITHUB_OUTPUT"
fi
if [ "${GOLIVE_SUMMARY:-true}" = "true" ] && [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  if [ -f "$report_dir/report.md" ]; then
    cat "$report_dir/report.md" >>"$GITHUB_STEP_SUMMARY"
  elif [ "$code" -eq 2 ]; then
    echo "golive could not run the certification (exit code 2): see the step's log." >>"$GITHUB_STEP_SUMMARY"
  fi
fi
exit "$code"
