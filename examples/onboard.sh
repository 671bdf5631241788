#!/bin/sh
# Onboard every CSV file of a directory as a dataset, the way a nightly job
# would: idempotent (re-running replaces), scripted through --json and the
# exit codes of mcpctl(1), and loud about the files that failed.
#
#   examples/onboard.sh DIR [WEIGHT_COLUMN]
#
# Uses $MCPCTL (default: mcpctl on PATH) and $MCPD_DB (or mcpctl's default
# catalog).  Exits 1 if any file failed; the others are onboarded anyway.
set -u

dir=${1:?usage: onboard.sh DIR [WEIGHT_COLUMN]}
weight=${2:-}
mcpctl=${MCPCTL:-mcpctl}
failed=0

"$mcpctl" init --quiet >/dev/null || exit 1

for csv in "$dir"/*.csv; do
	[ -e "$csv" ] || continue
	# dataset names are lower-case identifiers: derive one from the file
	name=$(basename "$csv" .csv | tr 'A-Z' 'a-z' | tr -c 'a-z0-9_\n' '_')
	case $name in [a-z]*) ;; *) name="ds_$name" ;; esac

	set -- dataset add "$name" --csv "$csv" --null-value NA --replace --json
	[ -n "$weight" ] && set -- "$@" --weight "$weight"
	out=$("$mcpctl" "$@")
	status=$?
	case $status in
	0)
		rows=$(printf '%s\n' "$out" | sed -n 's/^[[:space:]]*"rows":[[:space:]]*\([0-9]*\).*/\1/p')
		echo "onboarded $name: $rows rows"
		;;
	2)
		echo "usage error for $csv (a bug in this script)" >&2
		exit 2
		;;
	*)
		# mcpctl already printed file, line and cause on stderr
		echo "failed: $csv (exit $status)" >&2
		failed=1
		;;
	esac
done

"$mcpctl" dataset list
exit $failed
