# Reference values for the wstats tests, computed with R's survey package.
#
#   cd tests/wstats && Rscript reference.R > expected.csv
#
# R is not needed to run the tests: expected.csv is committed beside
# survey.csv (made by gen-fixture.sh).  Run this again only when the
# fixture or the cases change, and commit both.
#
# One row per estimate: the case (its arguments to weighted_stats: stat,
# measure, by as "a;b", where as SQL, q, unweighted), the group (by values
# joined with "|", "NA" for a missing value, empty without by), the category (percent) or q
# (quantile), then estimate, n (rows used) and weight_sum.
#
# Conventions that match mcpd's:
# - rows with a missing weight are not part of a weighted design (survey
#   refuses them); unweighted cases use every row, weight 1 each;
# - rows with a missing measure are left out (na.rm = TRUE);
# - a missing value of a by column is a group of its own ("NA");
# - a filter is a domain (subset() of the design), and a row where the
#   filter is NA is outside it, as SQL's WHERE does;
# - quantiles use qrule = "math".

suppressPackageStartupMessages(library(survey))

d <- read.csv("survey.csv", na.strings = "", stringsAsFactors = FALSE)
d$one <- 1

cases <- list(
	list(id = "c01", stat = "count"),
	list(id = "c02", stat = "count", by = "region"),
	list(id = "c03", stat = "count", by = "agegrp"),
	list(id = "c04", stat = "mean", measure = "income"),
	list(id = "c05", stat = "mean", measure = "income", by = "region"),
	list(id = "c06", stat = "mean", measure = "income", by = "agegrp"),
	list(id = "c07", stat = "mean", measure = "income",
	     by = c("region", "agegrp")),
	list(id = "c08", stat = "mean", measure = "income",
	     where = "hours >= 20", rwhere = "hours >= 20"),
	list(id = "c09", stat = "mean", measure = "hours", by = "employed"),
	list(id = "c10", stat = "total", measure = "income"),
	list(id = "c11", stat = "total", measure = "income", by = "region"),
	list(id = "c12", stat = "total", measure = "hours", by = "agegrp",
	     where = "region <> 'east'", rwhere = "region != 'east'"),
	list(id = "c13", stat = "percent", measure = "employed"),
	list(id = "c14", stat = "percent", measure = "employed", by = "region"),
	list(id = "c15", stat = "percent", measure = "employed", by = "agegrp",
	     where = "income > 20000", rwhere = "income > 20000"),
	list(id = "c16", stat = "percent", measure = "agegrp", by = "region"),
	list(id = "c17", stat = "quantile", measure = "income", q = 0.5),
	list(id = "c18", stat = "quantile", measure = "income",
	     q = c(0.1, 0.25, 0.5, 0.75, 0.9)),
	list(id = "c19", stat = "quantile", measure = "income", by = "region",
	     q = c(0.25, 0.5, 0.75)),
	list(id = "c20", stat = "quantile", measure = "hours", by = "agegrp",
	     q = c(0.5, 0.9)),
	list(id = "c21", stat = "quantile", measure = "hours", by = "region",
	     q = 0.5, where = "employed = 'employed'",
	     rwhere = "employed == 'employed'"),
	list(id = "c22", stat = "mean", measure = "income", by = "region",
	     unweighted = TRUE),
	list(id = "c23", stat = "quantile", measure = "hours",
	     q = c(0.25, 0.5, 0.75), unweighted = TRUE),
	list(id = "c24", stat = "percent", measure = "employed",
	     unweighted = TRUE),
	list(id = "c25", stat = "count", by = "region", unweighted = TRUE),
	list(id = "c26", stat = "mean", measure = "income", by = "agegrp",
	     where = "region IN ('north', 'west') AND agegrp IS NOT NULL",
	     rwhere = "region %in% c('north', 'west') & !is.na(agegrp)")
)

num <- function(x) sprintf("%.17g", x)

out <- data.frame()

emit <- function(cs, group, category, q, estimate, n, wsum) {
	row <- data.frame(
		case = cs$id, stat = cs$stat,
		measure = if (is.null(cs$measure)) "" else cs$measure,
		by = paste(cs$by, collapse = ";"),
		where = if (is.null(cs$where)) "" else cs$where,
		unweighted = if (isTRUE(cs$unweighted)) "true" else "false",
		group = group, category = category,
		q = if (is.na(q)) "" else num(q),
		estimate = num(estimate), n = n, weight_sum = num(wsum),
		stringsAsFactors = FALSE)
	out <<- rbind(out, row)
}

for (cs in cases) {
	unw <- isTRUE(cs$unweighted)
	dd <- if (unw) d else d[!is.na(d$wt), ]
	# by columns as text with NA spelled out: a group like any other
	byvars <- character(0)
	for (b in cs$by) {
		v <- paste0("by_", b)
		dd[[v]] <- ifelse(is.na(dd[[b]]), "NA", as.character(dd[[b]]))
		byvars <- c(byvars, v)
	}
	if (cs$stat == "percent") {
		dd$cat_f <- factor(dd[[cs$measure]])
	}
	des <- if (unw) {
		svydesign(ids = ~1, weights = ~one, data = dd)
	} else {
		svydesign(ids = ~1, strata = ~region, weights = ~wt, data = dd)
	}
	w_of <- if (unw) function(x) rep(1, nrow(x)) else function(x) x$wt
	inside <- rep(TRUE, nrow(dd))
	if (!is.null(cs$rwhere)) {
		r <- with(dd, eval(parse(text = cs$rwhere)))
		inside <- r & !is.na(r)
		des <- des[inside, ]
	}
	# the rows used, for n and weight_sum
	used <- dd[inside, ]
	if (!is.null(cs$measure)) {
		used <- used[!is.na(used[[cs$measure]]), ]
	}
	gkey <- function(x) {
		if (length(byvars) == 0) {
			return(rep("*", nrow(x)))
		}
		do.call(paste, c(lapply(byvars, function(v) x[[v]]), sep = "|"))
	}
	used$gkey <- gkey(used)
	groups <- sort(unique(used$gkey))
	byf <- if (length(byvars)) {
		as.formula(paste("~", paste(byvars, collapse = " + ")))
	} else {
		NULL
	}
	mf <- if (cs$stat == "count") ~one else {
		as.formula(paste("~", if (cs$stat == "percent") "cat_f" else cs$measure))
	}

	# estimates by group: a named list of named vectors
	fun <- switch(cs$stat, mean = svymean, percent = svymean,
		      total = svytotal, count = svytotal,
		      quantile = svyquantile)
	qargs <- if (cs$stat == "quantile") {
		list(quantiles = cs$q, qrule = "math")
	} else {
		list()
	}
	est <- list()
	if (is.null(byf)) {
		r <- do.call(fun, c(list(mf, des, na.rm = TRUE), qargs))
		est[["*"]] <- if (cs$stat == "quantile") {
			as.numeric(coef(r))
		} else {
			coef(r)
		}
	} else {
		r <- do.call(svyby, c(list(mf, byf, des, fun, na.rm = TRUE),
				      qargs))
		r <- as.data.frame(r)
		ecols <- setdiff(names(r), byvars)
		ecols <- ecols[!startsWith(ecols, "se.") & ecols != "se"]
		for (i in seq_len(nrow(r))) {
			k <- do.call(paste, c(lapply(byvars, function(v)
				as.character(r[i, v])), sep = "|"))
			v <- as.numeric(r[i, ecols])
			names(v) <- ecols
			est[[k]] <- v
		}
	}

	for (k in groups) {
		g <- used[used$gkey == k, ]
		e <- est[[k]]
		gname <- if (k == "*") "" else k
		if (cs$stat == "percent") {
			for (cat in sort(unique(as.character(g[[cs$measure]])))) {
				gc <- g[as.character(g[[cs$measure]]) == cat, ]
				emit(cs, gname, cat, NA, 100 * e[[paste0("cat_f", cat)]],
				     nrow(gc), sum(w_of(gc)))
			}
		} else if (cs$stat == "quantile") {
			for (i in seq_along(cs$q)) {
				emit(cs, gname, "", cs$q[i], e[i], nrow(g), sum(w_of(g)))
			}
		} else {
			emit(cs, gname, "", NA, e[[1]], nrow(g), sum(w_of(g)))
		}
	}
}

write.csv(out, stdout(), row.names = FALSE)
