# Runs at build time before the repository is copied; here it only checks what Debian's R brings.
library(IRkernel)
dir.create(file.path(Sys.getenv("HOME"), ".conformance"), showWarnings = FALSE)
writeLines(R.version$version.string, file.path(Sys.getenv("HOME"), ".conformance", "install-R-ran"))
