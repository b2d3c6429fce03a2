"""Start Odoo's command line from a file, like the `odoo` console script.

`python3 -m odoo server --workers=N` cannot start its long-polling process:
the prefork server runs it as `python3 sys.argv[0] gevent ...`, and
sys.argv[0] is then odoo/__main__.py, which cannot run as a plain script.
Started through this file, sys.argv[0] is this file and the process starts."""

from odoo.cli.command import main

if __name__ == "__main__":
    main()
