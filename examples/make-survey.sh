#!/bin/sh
# Writes survey.csv, the example dataset: a made-up household survey of
# 300 respondents from four regions sampled at different rates, so the
# design weight ("weight") matters for every estimate.  Missing answers
# are written as NA.  Deterministic: our own MINSTD generator, not rand().
#   sh examples/make-survey.sh > examples/survey.csv
set -eu
awk 'function u() { seed = (seed * 16807) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 424242
	split("Highlands Coast Capital Valley", region, " ")
	split("310.5 140.2 95.8 220.4", w0, " ")
	split("18-29 30-44 45-64 65+", age, " ")
	split("very dissatisfied,dissatisfied,neutral,satisfied,very satisfied", sat, ",")
	print "respondent_id,region,sex,age_group,household_size,monthly_income,satisfaction,smoker,weight"
	for (i = 1; i <= 300; i++) {
		r = (i * 7) % 4 + 1
		a = int(u() * 4) + 1
		sex = u() < 0.52 ? "female" : "male"
		hh = 1 + int(u() * u() * 6)
		inc = int((1400 + 900 * a + 700 * (r == 3) - 300 * (r == 1)) * (0.5 + u()))
		if (u() < 0.06) inc = "NA"
		s = int(u() * 3 + (r == 3) + (a == 4) * 0.8) + 1
		if (s > 5) s = 5
		smk = u() < 0.18 + 0.07 * (r == 1) ? "yes" : "no"
		if (u() < 0.04) smk = "NA"
		wt = sprintf("%.2f", w0[r] * (0.75 + 0.5 * u()))
		printf "%d,%s,%s,%s,%d,%s,%s,%s,%s\n", 1000 + i, region[r], sex, age[a], hh, inc, sat[s], smk, wt
	}
}'
