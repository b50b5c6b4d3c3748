"""``python -m imageapp`` runs the command line."""

import sys

from imageapp.cli import main

sys.exit(main())
