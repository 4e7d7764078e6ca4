"""`python -m formcheck`: the command line."""

from formcheck.cli.main import main

main()
