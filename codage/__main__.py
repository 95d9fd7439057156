"""`python -m codage`."""

from codage.cli import main

main()
