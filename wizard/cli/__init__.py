"""The command line: the composition root of `mfa-wizard` and `mfa-session`.

The only part of `wizard` that may import `screens` (and only to start the TUI). Each module
holds one command group: its arguments and its handlers. Imports of boto3, Textual and the
domain stay inside the handlers, so `--help` and `mfa-session`'s cache hit stay light.
"""
