"""checkov custom checks of the policy pack (ids CKV_TAP_n); checkov loads only folders holding an __init__.py."""
