from portal_audit.cli import main

main()
