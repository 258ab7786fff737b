"""cfn-lint custom rules (`cfn-lint --append-rules` loads every file here but this one) and
the cfn-lint configuration preflight runs them with."""
