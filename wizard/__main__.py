"""`python -m wizard` is `mfa-wizard`."""

from wizard.cli import main

main()
