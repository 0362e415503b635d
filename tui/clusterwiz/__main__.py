from clusterwiz.cli import main

raise SystemExit(main())
