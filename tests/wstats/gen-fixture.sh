#!/bin/sh
# Writes survey.csv, the survey-style fixture of the wstats tests, to stdout.
#
# 400 people in 4 strata (region) with unequal design weights, an age group
# with missing values, an employment status with missing values (for
# percentages), a skewed income with missing values and ties, and weekly
# hours with many ties (for quantiles).  A few weights are missing and one
# is zero.
#
# The random numbers come from our own Lehmer generator (MINSTD), not from
# awk's rand(), so every awk prints the same file.  Usage:
#   sh tests/wstats/gen-fixture.sh > tests/wstats/survey.csv
set -eu

awk 'BEGIN {
	seed = 20261123
	split("north south east west", region, " ")
	split("120 250 60 400", base_w, " ")
	split("0 0.25 -0.2 0.1", region_eff, " ")
	print "id,region,agegrp,employed,income,hours,wt"
	for (i = 1; i <= 400; i++) {
		r = (i - 1) % 4 + 1
		wt = sprintf("%.2f", base_w[r] * (0.6 + 0.8 * u()))
		if (i == 17 || i == 233) {
			wt = ""
		}
		if (i == 99) {
			wt = "0"
		}

		a = u()
		if (a < 0.35) {
			age = "18-34"; ai = 1
		} else if (a < 0.7) {
			age = "35-54"; ai = 2
		} else {
			age = "55+"; ai = 3
		}
		agecell = u() < 0.05 ? "" : age

		e = u()
		if (ai == 3) {
			emp = e < 0.45 ? "employed" : (e < 0.52 ? "unemployed" : "inactive")
		} else {
			emp = e < 0.75 ? "employed" : (e < 0.87 ? "unemployed" : "inactive")
		}
		if (u() < 0.04) {
			emp = ""
		}

		inc = 100 * int(exp(10 + region_eff[r] + 0.1 * ai + 0.6 * gauss()) / 100 + 0.5)
		income = u() < 0.08 ? "" : inc

		h = emp == "employed" ? 40 + int(8 * gauss()) : int(12 * u())
		if (h < 0) {
			h = 0
		}
		hours = u() < 0.05 ? "" : h

		print i "," region[r] "," agecell "," emp "," income "," hours "," wt
	}
}

# MINSTD: exact in the doubles awk computes with (48271 * 2^31 < 2^53)
function u() {
	seed = (seed * 48271) % 2147483647
	return seed / 2147483647
}

# Box-Muller with our uniform numbers
function gauss(   a, b) {
	a = u()
	b = u()
	return sqrt(-2 * log(a)) * cos(6.283185307179586 * b)
}'
