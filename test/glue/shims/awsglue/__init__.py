"""TEST HARNESS ONLY (never deployed): the part of AWS Glue's `awsglue` package the Python shell jobs use.
Glue provides the real package at run time; it is not installable here."""
