# Writes the survey-file fixtures of tests/cli/t0300-readstat.sh with haven
# (Debian r-cran-haven).  The files are committed, so CI needs no R; run
# `Rscript make.R` in this directory to make them again.
suppressMessages(library(haven))

n <- 8
race <- labelled(c(1, 2, 3, 4, 2, 1, 3, 2),
	labels = c("Mexican American" = 1, "Non-Hispanic White" = 2,
		   "Non-Hispanic Black" = 3, "Other" = 4),
	label = "Race/ethnicity")
# 97 and 98 are user-defined missing codes in the .sav file
income_sav <- labelled_spss(c(1200, 3400, 97, 5600, 98, 2100, 4300, 1800),
	labels = c("Refused" = 97, "Don't know" = 98),
	na_values = c(97, 98), label = "Monthly income (EUR)")
bmi <- c(21.5, 27.25, NA, 31, 24.75, 19.5, 28, 33.125)
attr(bmi, "label") <- "Body mass index (kg/m²)"
born <- as.Date(c("1950-03-01", "1961-12-31", "1975-07-14", NA,
		  "1988-02-29", "1990-01-01", "2001-09-11", "1969-07-20"))
attr(born, "label") <- "Date of birth"
seen <- as.POSIXct(c("2020-01-02 03:04:05", "2021-06-30 12:00:00",
		     "2019-11-11 23:59:59", "2020-02-29 00:00:00",
		     "2022-08-01 08:30:00", NA, "2018-05-05 05:05:05",
		     "2023-12-31 18:45:30"), tz = "UTC")
attr(seen, "label") <- "Interview date and time"
town <- c("Zürich", "Malmö", "São Paulo", "Kraków", "", "Genève",
	  "Reykjavík", "Łódź")
attr(town, "label") <- "Town of residence"
id <- 1:n
attr(id, "label") <- "Respondent"

write_sav(data.frame(id, race, income = income_sav, bmi, born, seen, town),
	  "survey.sav")

# Stata: .a and .b are its user-defined ("extended") missing values
income_dta <- labelled(c(1200, 3400, tagged_na("a"), 5600, tagged_na("b"),
			 2100, 4300, 1800),
	labels = c("Refused" = tagged_na("a"), "Don't know" = tagged_na("b")),
	label = "Monthly income (EUR)")
write_dta(data.frame(id, race, income = income_dta, bmi, born, seen, town),
	  "survey.dta", version = 14)

# SAS transport: no value labels in the format; names of 8 characters
write_xpt(data.frame(id, race = as.numeric(race), bmi, born, seen),
	  "survey.xpt", version = 5)

# a file with columns and no rows
write_sav(data.frame(id = integer(0), town = character(0)), "empty.sav")

# a long label set, which describe_dataset cuts with a count
codes <- setNames(1:30, sprintf("Country %02d", 1:30))
write_sav(data.frame(country = labelled(c(1, 5, 30), labels = codes,
					label = "Country of birth")),
	  "countries.sav")

# SAS data set (haven's write_sas is deprecated but still writes one)
write_sas(data.frame(id, race = as.numeric(race), bmi, born, town),
	  "survey.sas7bdat")

# A legacy encoding: Stata 10 (.dta format 114) holds text in the
# platform's 8-bit encoding, which ReadStat reads as Windows-1252.  haven
# always writes UTF-8 bytes, so this file comes from R's foreign package
# (Debian r-cran-foreign), which writes the strings' own bytes: here
# Windows-1252, with "€" (0x80) to tell it from Latin-1.
cp1252 <- function(x) iconv(x, "UTF-8", "CP1252")
legacy <- data.frame(id = 1:4,
	town = cp1252(c("Zürich", "São Paulo", "Genève", "Kraków")),
	region = factor(1:4, labels = cp1252(c("Köln", "Ærø", "Malmö",
						"Über 100 €"))))
attr(legacy, "var.labels") <- cp1252(c("Respondent", "Town of résidence",
				       "Région"))
foreign::write.dta(legacy, "legacy.dta", version = 10)

# An encoding ReadStat cannot convert: survey.sav with its character code
# (the last field of the machine integer record, type 7 subtype 3) set to
# a code page no converter knows.  haven cannot write one, so the bytes
# are changed here.
b <- readBin("survey.sav", "raw", file.size("survey.sav"))
pat <- as.raw(c(7, 0, 0, 0, 3, 0, 0, 0, 4, 0, 0, 0, 8, 0, 0, 0))
at <- which(vapply(seq_len(length(b) - 15),
		   function(i) all(b[i:(i + 15)] == pat), logical(1)))
stopifnot(length(at) == 1)
b[at + 44:47] <- writeBin(12345L, raw(), endian = "little")
writeBin(b, "charset.sav")
