import sys

from banksim.cli import main

sys.exit(main())
