"""The commands of the ``dunforce`` command line beyond ``check``, ``fmt`` and ``run``, one
module each; :mod:`dunforce.cli` registers them and owns the exit codes."""
