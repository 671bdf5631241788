# Regenerates expected-r.txt: the values tests/cli/t0070-corpus.sh checks
# mcpctl's imports against, computed by R from the same files.
#   cd tests/data && Rscript make-expected.R > expected-r.txt
out <- function(key, value) cat(key, " ", value, "\n", sep = "")
f6 <- function(x) sprintf("%.6f", x)

p <- read.csv("real/penguins.csv")
out("penguins.rows", nrow(p))
out("penguins.bill_length_mm.mean", f6(mean(p$bill_length_mm, na.rm = TRUE)))
out("penguins.bill_length_mm.na", sum(is.na(p$bill_length_mm)))
out("penguins.body_mass_g.sum", sum(p$body_mass_g, na.rm = TRUE))

r <- read.csv("real/penguins_raw.csv", check.names = FALSE)
out("penguins_raw.rows", nrow(r))
d <- as.Date(r[["Date Egg"]])
out("penguins_raw.date_egg.min", format(min(d)))
out("penguins_raw.date_egg.max", format(max(d)))
out("penguins_raw.date_egg.after_2008", sum(d >= as.Date("2008-01-01")))
out("penguins_raw.clutch.yes", sum(r[["Clutch Completion"]] == "Yes"))
out("penguins_raw.delta15n.mean", f6(mean(r[["Delta 15 N (o/oo)"]], na.rm = TRUE)))

ch <- read.csv("real/challenge.csv", colClasses = c("numeric", "character"))
out("challenge.rows", nrow(ch))
out("challenge.x.sum", f6(sum(ch$x)))
y <- as.Date(ch$y[!is.na(ch$y)])
out("challenge.y.dates", length(y))
out("challenge.y.min", format(min(y)))
out("challenge.y.max", format(max(y)))

m <- read.csv2("real/msft.csv", dec = ".", check.names = FALSE)
out("msft.rows", nrow(m))
out("msft.close.mean", f6(mean(m$Close)))
out("msft.first", format(min(as.Date(m[[1]]))))
out("msft.last", format(max(as.Date(m[[1]]))))

mt <- read.csv(gzfile("real/mtcars.csv.gz"))
out("mtcars.rows", nrow(mt))
out("mtcars.mpg.mean", f6(mean(mt$mpg)))

eu <- read.csv2("gen/eu-semicolon.csv", na.strings = "NA",
                colClasses = "character", encoding = "UTF-8")
dec_comma <- function(x) as.numeric(sub(",", ".", gsub(".", "", x, fixed = TRUE), fixed = TRUE))
out("eu.preis.sum", f6(sum(dec_comma(eu$Preis), na.rm = TRUE)))
out("eu.datum.min", format(min(as.Date(eu$Datum, "%d.%m.%Y"))))
out("eu.menge.sum", sum(dec_comma(eu$Menge)))
out("eu.anteil.sum", f6(sum(dec_comma(sub(" %", "", eu$Anteil, fixed = TRUE)))))

mo <- read.csv("gen/money.csv", na.strings = c("NA", "N/A", "-"))
amount <- as.numeric(gsub("[$,]", "", mo$amount))
out("money.amount.sum", f6(sum(amount)))
out("money.share.mean", f6(mean(as.numeric(sub("%", "", mo$share)))))
out("money.signup.min", format(min(as.Date(mo$signup, "%b %d %Y"))))
out("money.active.true", sum(mo$active))
out("money.score.mean", f6(mean(mo$score, na.rm = TRUE)))

dt <- read.csv("gen/dates.csv")
out("dates.us.max", format(max(as.Date(dt$us, "%m/%d/%Y"))))
out("dates.euro.min", format(min(as.Date(dt$euro, "%d/%m/%Y"))))
st <- sub("Z$", "+0000", sub("([+-][0-9][0-9]):([0-9][0-9])$", "\\1\\2", dt$stamp))
st <- as.POSIXct(st, format = "%Y-%m-%dT%H:%M:%S%z", tz = "UTC")
out("dates.stamp.first", format(st[1], "%Y-%m-%d %H:%M:%S"))
out("dates.stamp.second", format(st[2], "%Y-%m-%d %H:%M:%S"))

# quantiles (R's default, type 7) as describe_dataset shows them
q5 <- function(x) paste(sprintf("%.6f", quantile(x, c(.05, .25, .5, .75, .95), na.rm = TRUE, names = FALSE)), collapse = " ")
out("penguins.body_mass_g.quantiles", q5(p$body_mass_g))
out("penguins.bill_length_mm.quantiles", q5(p$bill_length_mm))
out("money.amount.quantiles", q5(amount))
out("challenge.x.quantiles", q5(ch$x))
