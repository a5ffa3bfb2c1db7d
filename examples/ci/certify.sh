#!/bin/sh
# golive in any CI: certify the integration with the team's baseline of accepted failures, keep
# the reports, and turn golive's exit code into the job's. POSIX sh; needs Node (golive does).
#
#   sh examples/ci/certify.sh [-- COMMAND ARGS...]      (arguments go to golive certify as they are)
#
# Environment (all optional):
#   GOLIVE           how to run golive (default: npx golive)
#   GOLIVE_OUT       report folder (default: golive-report)
#   GOLIVE_BASELINE  baseline file (default: golive-baseline.yaml; used when it exists)
#   GOLIVE_SIGN_KEY  private key file (PEM or JWK): also write certificate.jws
#
# Exit code: golive's own. 0 certified; 1 not certified (a failing check, or a stale or expired
# baseline entry); 2 golive could not run; 130/143 stopped by a signal.
set -u

GOLIVE=${GOLIVE:-npx golive}
OUT=${GOLIVE_OUT:-golive-report}
BASELINE=${GOLIVE_BASELINE:-golive-baseline.yaml}

# Flags go before the caller's arguments, so they stay in front of a `-- COMMAND`.
if [ -n "${GOLIVE_SIGN_KEY:-}" ]; then
  set -- --sign "$GOLIVE_SIGN_KEY" "$@"
fi
if [ -f "$BASELINE" ]; then
  set -- --baseline "$BASELINE" "$@"
else
  echo "certify.sh: no baseline ($BASELINE): every failing required check fails the job"
fi

# $GOLIVE is split on spaces on purpose ("npx golive").
$GOLIVE certify --out "$OUT" "$@"
code=$?

case $code in
  0)
    echo "certify.sh: CERTIFIED (reports in $OUT/)"
    ;;
  1)
    echo "certify.sh: NOT CERTIFIED: see $OUT/report.md (stale or expired baseline entries are listed there too)"
    if [ -f "$OUT/report.json" ]; then
      # A proposal to review, never applied by itself: the baseline only changes in a reviewed commit.
      if $GOLIVE baseline write "$OUT/report.json" --out "$OUT/baseline.proposed.yaml" >/dev/null; then
        echo "certify.sh: the failures of this run as a baseline, to review: $OUT/baseline.proposed.yaml"
      fi
    fi
    ;;
  2)
    echo "certify.sh: golive could not run the certification (the line above says why); nothing was judged"
    ;;
  130 | 143)
    echo "certify.sh: interrupted; the reports in $OUT/ hold what was seen so far"
    ;;
  *)
    echo "certify.sh: golive ended with exit code $code"
    ;;
esac
exit $code
