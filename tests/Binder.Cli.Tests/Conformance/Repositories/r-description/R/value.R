conformance_value <- function() "installed from DESCRIPTION"
