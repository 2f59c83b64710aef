"""Escalation in motion: raising a fault up the ladder (`raising`) and the sweep that finds
what has fallen due (`sweep`). The ladder itself — who is told when — is the pure module
`facilities.ladder`."""
