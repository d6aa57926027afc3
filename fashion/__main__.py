from fashion.cli import main
raise SystemExit(main())
