"""`python -m wizard` is `mfa-wizard`."""

from wizard.cli.main import main

main()
