"""mfa-session's domain: which code to wait for (`codes`) and role profiles (`roles`).

The credential model, profiles and formats live in `wizard.session_credentials`, the cache in
`wizard.session_cache`; the command line (`wizard.cli.session`) puts them together.
"""
