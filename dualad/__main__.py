"""`python -m dualad`: the command line (see dualad.cli)."""

from .cli import main

raise SystemExit(main())
