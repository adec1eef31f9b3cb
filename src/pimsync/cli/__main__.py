"""``python -m pimsync.cli``: the same as the ``pimsync`` command."""

import sys

from pimsync.cli import main

sys.exit(main())
