import sys

from dunforce.cli import main

sys.exit(main())
