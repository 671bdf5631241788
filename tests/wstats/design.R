# Reference values for design-based standard errors, computed with R's
# survey package on the package's own api and nhanes data.
#
#   cd tests/wstats && Rscript design.R > design-expected.csv
#
# The script first writes the data it uses to design-data/*.csv (and
# computes from those files as read back, so that R and mcpd see the same
# numbers to the last digit), then one row per estimate:
#
#   case, dataset, stat, measure, by, where, q (";"-joined), level, ci,
#   group (by values joined with "|"), category (percent), qv (quantile),
#   estimate, se, ci_low, ci_high, deff
#
# Empty fields are values R gives as NA, NaN or Inf.  The datasets and
# their designs, as test-design.c declares them with mcpctl:
#
#   strat      apistrat  --strata stype --fpc fpc              weight pw
#   strat_nofpc apistrat --strata stype                        weight pw
#   wonly      apistrat  (no design: svydesign(ids = ~1))      weight pw
#   clus1      apiclus1  --cluster dnum --fpc fpc              weight pw
#   clus2      apiclus2  --cluster dnum --cluster2 snum --fpc fpc1
#                        --fpc2 fpc2                           weight pw
#   nhanes     nhanes    --strata SDMVSTRA --cluster SDMVPSU --nest
#                                                        weight WTMEC2YR
#   lonely_*   nhanes with strata lstra: strata 75 and 76 split so that
#              each half has one PSU (75 and 75b, 76 and 76b), with
#              --strata lstra --cluster SDMVPSU --nest --lonely-psu remove,
#              certainty, adjust or average
#
# Conventions that match mcpd's: a filter is a domain (subset() of the
# design); rows with a missing measure are left out (na.rm = TRUE);
# confidence intervals use the t distribution with degf() of the whole
# design; percentages are svymean() of the category indicators times 100,
# with ci = "logit" svyciprop(method = "logit") for the interval;
# quantiles use qrule = "math" and Woodruff's interval (svyquantile's
# default interval.type, "mean", in survey 4.1).

suppressPackageStartupMessages(library(survey))

data(api)
data(nhanes)
dir.create("design-data", showWarnings = FALSE)
put <- function(d, name) {
	names(d) <- gsub(".", "_", names(d), fixed = TRUE)
	path <- file.path("design-data", paste0(name, ".csv"))
	write.csv(d, path, row.names = FALSE, na = "")
	read.csv(path, stringsAsFactors = FALSE)
}
apistrat_d <- put(apistrat[, c("stype", "dnum", "snum", "api00", "api99",
			       "enroll", "meals", "sch.wide", "pw", "fpc")],
		  "apistrat")
apiclus1_d <- put(apiclus1[, c("stype", "dnum", "snum", "api00", "enroll",
			       "sch.wide", "pw", "fpc")], "apiclus1")
apiclus2_d <- put(apiclus2[, c("stype", "dnum", "snum", "api00", "enroll",
			       "sch.wide", "pw", "fpc1", "fpc2")], "apiclus2")
nh <- nhanes
nh$agecat <- as.character(nh$agecat)
# strata 75 and 76 split in two, one PSU each: lonely PSUs, same rows
nh$lstra <- ifelse(nh$SDMVSTRA %in% c(75, 76) & nh$SDMVPSU == 2,
		   paste0(nh$SDMVSTRA, "b"), as.character(nh$SDMVSTRA))
nhanes_d <- put(nh, "nhanes")

designs <- list(
	strat = function() svydesign(ids = ~1, strata = ~stype, fpc = ~fpc,
				     weights = ~pw, data = apistrat_d),
	strat_nofpc = function() svydesign(ids = ~1, strata = ~stype,
					   weights = ~pw, data = apistrat_d),
	wonly = function() svydesign(ids = ~1, weights = ~pw,
				     data = apistrat_d),
	clus1 = function() svydesign(ids = ~dnum, fpc = ~fpc, weights = ~pw,
				     data = apiclus1_d),
	clus2 = function() svydesign(ids = ~dnum + snum, fpc = ~fpc1 + fpc2,
				     weights = ~pw, data = apiclus2_d),
	nhanes = function() svydesign(ids = ~SDMVPSU, strata = ~SDMVSTRA,
				      nest = TRUE, weights = ~WTMEC2YR,
				      data = nhanes_d),
	lonely = function() svydesign(ids = ~SDMVPSU, strata = ~lstra,
				      nest = TRUE, weights = ~WTMEC2YR,
				      data = nhanes_d)
)

cases <- list(
	list(id = "d01", ds = "strat", stat = "mean", measure = "api00"),
	list(id = "d02", ds = "strat", stat = "mean", measure = "api00",
	     by = "stype"),
	list(id = "d03", ds = "strat", stat = "total", measure = "enroll"),
	list(id = "d04", ds = "strat", stat = "total", measure = "enroll",
	     by = "sch_wide"),
	list(id = "d05", ds = "strat", stat = "percent", measure = "sch_wide"),
	list(id = "d06", ds = "strat", stat = "percent", measure = "stype",
	     where = "api00 > 650", rwhere = "api00 > 650"),
	list(id = "d07", ds = "strat", stat = "quantile", measure = "api00",
	     q = c(0.25, 0.5, 0.75)),
	list(id = "d08", ds = "strat", stat = "count", by = "sch_wide"),
	list(id = "d09", ds = "strat", stat = "mean", measure = "meals",
	     by = "sch_wide", where = "enroll > 400", rwhere = "enroll > 400"),
	list(id = "d10", ds = "strat", stat = "mean", measure = "api00",
	     level = 0.9),
	list(id = "d11", ds = "strat_nofpc", stat = "mean", measure = "api00"),
	list(id = "d12", ds = "strat_nofpc", stat = "mean", measure = "api00",
	     by = "sch_wide"),
	list(id = "d13", ds = "strat_nofpc", stat = "total", measure = "enroll"),
	list(id = "d14", ds = "strat_nofpc", stat = "percent",
	     measure = "sch_wide", by = "stype"),
	list(id = "d15", ds = "wonly", stat = "mean", measure = "api00"),
	list(id = "d16", ds = "wonly", stat = "mean", measure = "api00",
	     by = "stype"),
	list(id = "d17", ds = "wonly", stat = "total", measure = "enroll"),
	list(id = "d18", ds = "wonly", stat = "percent", measure = "sch_wide"),
	list(id = "d19", ds = "clus1", stat = "mean", measure = "api00"),
	list(id = "d20", ds = "clus1", stat = "mean", measure = "api00",
	     by = "stype"),
	list(id = "d21", ds = "clus1", stat = "total", measure = "enroll"),
	list(id = "d22", ds = "clus1", stat = "total", measure = "enroll",
	     by = "stype"),
	list(id = "d23", ds = "clus1", stat = "percent", measure = "sch_wide",
	     by = "stype"),
	list(id = "d24", ds = "clus1", stat = "quantile", measure = "api00",
	     q = 0.5),
	list(id = "d25", ds = "clus1", stat = "mean", measure = "enroll",
	     where = "stype = 'E'", rwhere = "stype == 'E'"),
	list(id = "d26", ds = "clus2", stat = "mean", measure = "api00"),
	list(id = "d27", ds = "clus2", stat = "mean", measure = "api00",
	     by = "stype"),
	list(id = "d28", ds = "clus2", stat = "total", measure = "enroll"),
	list(id = "d29", ds = "clus2", stat = "percent", measure = "sch_wide"),
	list(id = "d30", ds = "clus2", stat = "count", by = "stype"),
	list(id = "d31", ds = "nhanes", stat = "mean", measure = "HI_CHOL"),
	list(id = "d32", ds = "nhanes", stat = "mean", measure = "HI_CHOL",
	     by = "race"),
	list(id = "d33", ds = "nhanes", stat = "mean", measure = "HI_CHOL",
	     by = c("RIAGENDR", "agecat")),
	list(id = "d34", ds = "nhanes", stat = "total", measure = "HI_CHOL",
	     by = "agecat"),
	list(id = "d35", ds = "nhanes", stat = "percent", measure = "agecat",
	     by = "RIAGENDR"),
	list(id = "d36", ds = "nhanes", stat = "percent", measure = "race",
	     where = "HI_CHOL = 1", rwhere = "HI_CHOL == 1 & !is.na(HI_CHOL)"),
	list(id = "d37", ds = "nhanes", stat = "count", by = "race"),
	list(id = "d38", ds = "nhanes", stat = "quantile",
	     measure = "WTMEC2YR", q = c(0.1, 0.5, 0.9)),
	list(id = "d39", ds = "nhanes", stat = "mean", measure = "HI_CHOL",
	     where = "agecat <> '(0,19]'", rwhere = "agecat != '(0,19]'"),
	list(id = "d40", ds = "lonely_remove", stat = "mean",
	     measure = "HI_CHOL", lonely = "remove"),
	list(id = "d41", ds = "lonely_certainty", stat = "mean",
	     measure = "HI_CHOL", lonely = "certainty"),
	list(id = "d42", ds = "lonely_adjust", stat = "mean",
	     measure = "HI_CHOL", lonely = "adjust"),
	list(id = "d43", ds = "lonely_average", stat = "mean",
	     measure = "HI_CHOL", lonely = "average"),
	list(id = "d44", ds = "lonely_adjust", stat = "total",
	     measure = "HI_CHOL", by = "race", lonely = "adjust"),
	list(id = "d45", ds = "lonely_average", stat = "mean",
	     measure = "HI_CHOL", by = "RIAGENDR", lonely = "average"),
	list(id = "d46", ds = "lonely_adjust", stat = "percent",
	     measure = "agecat", lonely = "adjust"),
	list(id = "d47", ds = "strat", stat = "percent", measure = "sch_wide",
	     ci = "logit"),
	list(id = "d48", ds = "clus1", stat = "percent", measure = "sch_wide",
	     by = "stype", ci = "logit"),
	list(id = "d49", ds = "nhanes", stat = "percent", measure = "agecat",
	     by = "RIAGENDR", ci = "logit", level = 0.9)
)

num <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "")

out <- data.frame()
emit <- function(cs, group, category, qv, est, se, lo, hi, deff) {
	row <- data.frame(
		case = cs$id, dataset = cs$ds, stat = cs$stat,
		measure = if (is.null(cs$measure)) "" else cs$measure,
		by = paste(cs$by, collapse = ";"),
		where = if (is.null(cs$where)) "" else cs$where,
		q = paste(cs$q, collapse = ";"),
		level = if (is.null(cs$level)) "" else num(cs$level),
		ci = if (is.null(cs$ci)) "" else cs$ci,
		group = group, category = category,
		qv = if (is.na(qv)) "" else num(qv),
		estimate = num(est), se = num(se), ci_low = num(lo),
		ci_high = num(hi), deff = num(deff),
		stringsAsFactors = FALSE)
	out <<- rbind(out, row)
}

for (cs in cases) {
	options(survey.lonely.psu = if (is.null(cs$lonely)) "fail"
		else cs$lonely)
	des <- designs[[sub("^lonely_.*", "lonely", cs$ds)]]()
	df <- degf(des)
	level <- if (is.null(cs$level)) 0.95 else cs$level
	vars <- des$variables
	vars$one <- 1
	vars$cat_f <- if (cs$stat == "percent") {
		factor(as.character(vars[[cs$measure]]))
	} else NA
	vars$gkey <- if (is.null(cs$by)) "" else
		do.call(paste, c(lapply(cs$by, function(b)
			as.character(vars[[b]])), sep = "|"))
	des$variables <- vars
	if (!is.null(cs$rwhere)) {
		keep <- with(vars, eval(parse(text = cs$rwhere)))
		des <- des[keep & !is.na(keep), ]
	}
	mv <- if (cs$stat == "count") "one" else cs$measure
	groups <- sort(unique(des$variables$gkey[
		!is.na(des$variables[[mv]])]))
	for (g in groups) {
		sub_des <- if (is.null(cs$by)) des else
			des[des$variables$gkey == g, ]
		if (cs$stat == "quantile") {
			r <- svyquantile(as.formula(paste("~", mv)), sub_des,
					 quantiles = cs$q, qrule = "math",
					 ci = TRUE, na.rm = TRUE, df = df,
					 alpha = 1 - level)[[1]]
			for (i in seq_along(cs$q)) {
				emit(cs, g, "", cs$q[i], r[i, 1], r[i, 4],
				     r[i, 2], r[i, 3], NA)
			}
			next
		}
		f <- if (cs$stat == "percent") ~cat_f else
			as.formula(paste("~", mv))
		fun <- if (cs$stat %in% c("total", "count")) svytotal else
			svymean
		r <- fun(f, sub_des, na.rm = TRUE, deff = TRUE)
		ci <- confint(r, df = df, level = level)
		scale <- if (cs$stat == "percent") 100 else 1
		est <- coef(r)
		present <- if (cs$stat == "percent") {
			lv <- as.character(sub_des$variables[[cs$measure]])
			paste0("cat_f", sort(unique(lv[!is.na(lv)])))
		} else names(est)
		for (k in present) {
			i <- match(k, names(est))
			if (!is.null(cs$ci)) {
				sub_des$variables$ind <-
					as.numeric(sub_des$variables$cat_f == sub("^cat_f", "", k))
				cp <- svyciprop(~ind, sub_des, method = "logit",
						df = df, level = level)
				cci <- attr(cp, "ci")
				# the estimate and se of svymean: svyciprop's
				# come from a glm fit, exact to about 1e-9 only
				emit(cs, g, sub("^cat_f", "", k), NA,
				     100 * est[[i]], 100 * SE(r)[[i]],
				     100 * cci[[1]], 100 * cci[[2]], deff(r)[[i]])
				next
			}
			emit(cs, g, if (cs$stat == "percent")
				     sub("^cat_f", "", k) else "", NA,
			     scale * est[[i]], scale * SE(r)[[i]],
			     scale * ci[i, 1], scale * ci[i, 2],
			     if (cs$stat == "count") NA else deff(r)[[i]])
		}
	}
}

write.csv(out, stdout(), row.names = FALSE)
