"""`python -m baocao_cli …` is `baocao …`."""

import sys

from baocao_cli.main import main

sys.exit(main())
