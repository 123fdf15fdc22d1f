"""Allow ``python -m tui``."""

try:
    from tui.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still importing: the same quiet 130 as later
    raise SystemExit(130) from None

raise SystemExit(main())
