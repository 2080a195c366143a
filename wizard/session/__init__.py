"""mfa-session's domain, whole: nothing of it lives elsewhere.

- `keys`: whose a cached session is (owner hash, cache file name, refresh margin); standard
  library only, shared with the cache-hit fast path (`wizard.cli.fast`).
- `credentials`: the temporary keys, lifetimes and output formats.
- `profiles`: reading and writing the AWS config and credentials files.
- `cache`: the file cache, the keyring, the miss lock, the record of MFA sessions.
- `codes`: a code is used once (which time step to wait for).
- `token`: GetSessionToken with the code, and the tries a person gets.
- `roles`: role profiles (AssumeRole on the source's MFA session).
- `request`: one mfa-session request put together from the above.

Imports run one way, keys <- credentials <- profiles <- cache <- codes/token <- roles <- request;
a test in tests/test_layering.py holds the package (and all of `wizard`) free of cycles.
"""
