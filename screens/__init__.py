"""mfa-wizard's Textual screens and widgets; AWS is reached only through wizard.*, never boto3."""
